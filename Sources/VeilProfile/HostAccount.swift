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
        // A line at a time, and a line split only once its uid matches: the whole file split
        // into fields cost a launch 100,000 instructions (callgrind), for the first line (root's)
        // or one of a few dozen. Offsets into the bytes, no generic sequence types.
        let newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")
        let bytes = Array(passwd.utf8)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != newline { end += 1 }
            defer { start = end + 1 }
            // The third field, between the second and third colons.
            var found = 0, second = 0, third = 0, at = start
            while at < end && found < 3 {
                if bytes[at] == colon {
                    found += 1
                    if found == 2 { second = at } else if found == 3 { third = at }
                }
                at += 1
            }
            guard found == 3, UInt32(String(decoding: bytes[(second + 1)..<third], as: UTF8.self)) == uid else { continue }
            let line = String(decoding: bytes[start..<end], as: UTF8.self)
            let f = line.fields(colon, omittingEmpty: false)
            guard f.count >= 7, !f[0].startsBytewise(with: "#") else { continue }  // f[2] is checked above
            let fullName = f[4].fields(UInt8(ascii: ","), omittingEmpty: false).first.map(String.init) ?? ""
            return (String(f[0]), fullName, String(f[5]))
        }
        return nil
    }
}
