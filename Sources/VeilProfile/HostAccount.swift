import Glibc

/// Who and where the host is: the user's login and full name (from the password database)
/// and uname's node name. Read before the sandbox hides them, to know what must not show.
public struct HostAccount: Sendable, Equatable {
    public var userName = ""
    /// The first field of the gecos entry.
    public var fullName = ""
    /// The password database's home directory.
    public var home = ""
    public var hostname = ""

    public static func current() -> HostAccount {
        var a = HostAccount()
        var buf = [CChar](repeating: 0, count: 256)
        // uname's node name: no resolver involved.
        if gethostname(&buf, buf.count - 1) == 0 { a.hostname = String(cString: buf) }
        if let pw = getpwuid(getuid()) {
            a.userName = String(cString: pw.pointee.pw_name)
            let gecos = String(cString: pw.pointee.pw_gecos)
            a.fullName = gecos.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            a.home = String(cString: pw.pointee.pw_dir)
        } else if let user = getenv("USER") ?? getenv("LOGNAME") {
            // No password entry reachable (a static binary where NSS cannot load, say).
            a.userName = String(cString: user)
        }
        return a
    }
}
