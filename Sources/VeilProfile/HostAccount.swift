import Glibc

/// Who and where the host is: the user's login and full name (from /etc/passwd) and uname's
/// node name. Read before the sandbox hides them, to know what must not show.
public struct HostAccount: Sendable, Equatable {
    public var userName = ""
    /// The first field of the gecos entry.
    public var fullName = ""
    /// The password database's home directory.
    public var home = ""
    public var hostname = ""

    public init() {}

    public static func current() -> HostAccount {
        var a = HostAccount()
        var buf = [CChar](repeating: 0, count: 256)
        // uname's node name: no resolver involved.
        if gethostname(&buf, buf.count - 1) == 0 {
            a.hostname = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        // /etc/passwd itself, never getpwuid: NSS modules (libnss_systemd, sssd) loaded into a
        // static binary crash it, as they did for a uid with no entry.
        let passwd = HostFiles.read("/etc/passwd").map { String(decoding: $0, as: UTF8.self) } ?? ""
        if let entry = passwdEntry(passwd, uid: getuid()) {
            (a.userName, a.fullName, a.home) = (entry.name, entry.fullName, entry.home)
        } else if let user = getenv("USER") ?? getenv("LOGNAME") {
            a.userName = String(cString: user)
        }
        return a
    }

    /// The first line of a passwd file for `uid`: name, the gecos' first field, home.
    public static func passwdEntry(_ passwd: String, uid: uid_t) -> (name: String, fullName: String, home: String)? {
        for line in passwd.fields(UInt8(ascii: "\n")) {
            let f = line.fields(UInt8(ascii: ":"), omittingEmpty: false)
            guard f.count >= 7, !f[0].startsBytewise(with: "#"), UInt32(f[2]) == uid else { continue }
            let fullName = f[4].fields(UInt8(ascii: ","), omittingEmpty: false).first.map(String.init) ?? ""
            return (String(f[0]), fullName, String(f[5]))
        }
        return nil
    }
}
