// Value checks. Each returns nil when the value is fine, or the reason it is not, so the
// decoder can attach the position. The rules keep profiles from producing a sandbox that
// stands out (odd host names) or breaks the launcher (a `:` in a passwd field).

enum ProfileValidation {
    static func isASCII(_ s: String, _ allowed: (Unicode.Scalar) -> Bool) -> Bool {
        s.unicodeScalars.allSatisfy { $0.isASCII && allowed($0) }
    }
    static func alnum(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) }

    /// POSIX-portable environment variable names.
    static func envName(_ s: String) -> String? {
        guard let first = s.unicodeScalars.first, first == "_" || (alnum(first) && !("0"..."9").contains(first)),
              isASCII(s, { alnum($0) || $0 == "_" })
        else { return "'\(s)' is not a valid environment variable name (letters, digits, '_'; not starting with a digit)" }
        return nil
    }

    /// A profile name as used by `extends` and file names.
    static func profileName(_ s: String) -> String? {
        guard let first = s.unicodeScalars.first, alnum(first), isASCII(s, { alnum($0) || "._-".unicodeScalars.contains($0) })
        else { return "'\(s)' is not a valid profile name (letters, digits, '.', '_', '-')" }
        return nil
    }

    /// The user name in the generated /etc/passwd (the shadow-utils default pattern).
    static func userName(_ s: String) -> String? {
        guard (1...32).contains(s.count), let first = s.unicodeScalars.first,
              ("a"..."z").contains(first) || first == "_",
              isASCII(s, { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" })
        else { return "'\(s)' is not a valid user name (lower-case letters, digits, '_', '-'; at most 32)" }
        return nil
    }

    /// uid/gid inside the sandbox: 65535 is (uid_t)-1 in 16 bits and means "no id" to many tools.
    static func id(_ v: Int64) -> String? {
        (0...65534).contains(v) ? nil : "\(v) is out of range (0...65534)"
    }

    /// The passwd gecos field: no ':' (field separator), no newline, printable.
    static func fullName(_ s: String) -> String? {
        guard s.count <= 256, !s.unicodeScalars.contains(where: { $0 == ":" || $0.value < 0x20 || $0.value == 0x7F }) else {
            return "a full name may not contain ':' or control characters"
        }
        return nil
    }

    /// RFC 1123 host name that also fits the kernel's 64-byte nodename.
    static func hostname(_ s: String) -> String? {
        let bad = "'\(s)' is not a valid host name (letters, digits, '-' in dot-separated labels, at most 64)"
        guard (1...64).contains(s.utf8.count), isASCII(s, { alnum($0) || $0 == "-" || $0 == "." }) else { return bad }
        for label in s.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return bad }
        }
        return nil
    }

    /// A tz database name (`UTC`, `Etc/UTC`, `America/New_York`); no path tricks.
    static func timeZone(_ s: String) -> String? {
        guard !s.isEmpty, !s.hasPrefix("/"), !s.contains(".."),
              isASCII(s, { alnum($0) || "/_+-".unicodeScalars.contains($0) })
        else { return "'\(s)' is not a valid time zone name (e.g. UTC, Etc/UTC)" }
        // A name the tz database lacks would show inside as itself, with UTC's rules.
        if HostFiles.exists(zoneinfo), !HostFiles.exists(zoneinfo + "/" + s) {
            return "'\(s)' is not in the time zone database (\(zoneinfo))"
        }
        return nil
    }

    static let zoneinfo = "/usr/share/zoneinfo"

    static func locale(_ s: String) -> String? {
        guard !s.isEmpty, isASCII(s, { alnum($0) || "_.@-".unicodeScalars.contains($0) }) else {
            return "'\(s)' is not a valid locale name (e.g. C.UTF-8, en_US.UTF-8)"
        }
        return nil
    }

    /// `HOST` or `HOST:SANDBOX`; the host side absolute or `~/...`, the sandbox side absolute.
    static func bind(_ s: String) -> (Profile.Bind?, String?) {
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let source = parts[0], target = parts.count > 1 ? parts[1] : nil
        guard source.hasPrefix("/") || source == "~" || source.hasPrefix("~/") else {
            return (nil, "'\(source)' must be an absolute host path or start with ~/")
        }
        if let target, !target.hasPrefix("/") {
            return (nil, "sandbox path '\(target)' must be absolute")
        }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 }) { return (nil, "control character in a path") }
        func under(_ path: String, _ roots: [String]) -> Bool { roots.contains { path == $0 || path.hasPrefix($0 + "/") } }
        // `..` climbs out of the home; /proc's links (/proc/1/root) lead to the host's root.
        if (source + "/" + (target ?? "")).split(separator: "/").contains("..") {
            return (nil, "'\(s)' has a '..' component; name the directory itself")
        }
        if ["/", "~", "~/"].contains(source) || under(source, ["/proc"]) {
            return (nil, "'\(source)' cannot be bound: it is the whole host, the whole home, or under /proc")
        }
        // Covering /proc, /sys or /dev would undo what veil masks and makes read-only there.
        if let target, ["/"].contains(target) || under(target, ["/proc", "/sys", "/dev"]) {
            return (nil, "sandbox path '\(target)' is veil's own (/, /proc, /sys, /dev)")
        }
        return (Profile.Bind(source: source, target: target), nil)
    }

    /// Relative to HOME and staying inside it.
    static func homeFile(_ s: String) -> String? {
        let parts = s.split(separator: "/")
        guard !s.isEmpty, !s.hasPrefix("/"), !s.hasPrefix("~"), !parts.contains(".."), !parts.isEmpty else {
            return "'\(s)' must be a path relative to the home directory, without '..'"
        }
        return nil
    }

    /// Syscall names as libseccomp spells them.
    static func syscall(_ s: String) -> String? {
        guard !s.isEmpty, isASCII(s, { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            return "'\(s)' is not a syscall name"
        }
        return nil
    }

    /// `host`, `host:port`, `*.suffix`, `*`, `[::1]` or `[::1]:port`: an entry the inspector's
    /// CONNECT allow list reads (`HostPattern`), naming a host a client could ask for.
    static func connectHost(_ s: String) -> String? {
        guard let pattern = HostPattern(allowEntry: s) else {
            return "'\(s)' has an invalid port (1-65535) or is not a host name (host, host:port, *.domain, [v6]:port)"
        }
        switch pattern.name {
        case .any: return nil
        case .exactly(let name) where name.contains(":"): return nil  // an IPv6 address, its characters checked
        case .exactly(let name), .below(let name), .domain(let name):
            let host = name.hasPrefix(".") ? String(name.dropFirst()) : name
            return hostname(host).map { _ in "'\(s)' is not a host name (host, host:port or *.domain)" }
        }
    }

    /// A word of `own_typography` as the scanner reads one: ASCII letters, digits and `_`
    /// around a curly quote or dash (`Don’t`, `Codex—and`).
    static func typographyWord(_ s: String) -> String? {
        let scalars = s.unicodeScalars.map(\.value)
        guard scalars.contains(where: Severity.isTypography) else {
            return "'\(s)' has no curly quote or dash (U+2018, U+2019, U+201C, U+201D, U+2013, U+2014)"
        }
        let wordByte: (UInt32) -> Bool = { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x5F
        }
        guard s.utf8.count <= 80, scalars.allSatisfy({ wordByte($0) || Severity.isTypography($0) }) else {
            return "'\(s)' is not one word of ASCII letters and digits around curly quotes or dashes"
        }
        return nil
    }

    static func port(_ v: Int64) -> String? {
        (1...65535).contains(v) ? nil : "port \(v) is out of range (1...65535)"
    }

    /// An http(s) URL with a host, read as the inspector reads the URL it forwards to.
    static func upstreamURL(_ s: String) -> String? {
        guard AbsoluteURI(s) == nil || s.unicodeScalars.contains(where: { $0.value <= 0x20 }) else { return nil }
        return "'\(s)' is not an http:// or https:// URL with a host (and a port in 1-65535)"
    }
}
