import Glibc

/// The UTS namespace: a neutral host name and an empty NIS domain name.
enum UTSNamespace {
    static func setHostname(_ name: String) throws {
        try check(.hostname, "sethostname(\(name))", sethostname(name, name.utf8.count))
        try check(.hostname, "setdomainname", setdomainname("(none)", 6))
    }
}
