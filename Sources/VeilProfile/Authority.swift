// Where a URL or a CONNECT goes: one reading of `host:port` for every place veil takes one. The
// allow list judges the host this reads and the upstream client dials the host it reads, so a
// second splitter that read `user@`, `#` or an IPv6 address otherwise was a way past the list.
// Pure Swift on UTF-8 bytes: the launcher links no Foundation.

/// A host and a port, as RFC 3986 reads a URL's authority and RFC 9110 a CONNECT target.
public struct Authority: Sendable, Hashable, CustomStringConvertible {
    /// ASCII-lowercased; an IPv6 address without its brackets.
    public let host: String
    /// 1...65535: a port names a socket to dial, and 0 names none.
    public let port: Int

    /// A host already read (lowercase, no brackets) and its port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port` or `[v6]:port`, the request target of a CONNECT: the port is required and
    /// there is no userinfo (a `user@` is a host byte no name has, so it reads as nothing).
    public init?(connectTarget: some StringProtocol) {
        guard let a = Self.read(Array(connectTarget.utf8)[...], defaultPort: nil) else { return nil }
        self = a
    }

    /// A URL's authority, `[userinfo@]host[:port]`, already cut at its end (`/`, `?`, `#`): the
    /// host is what follows the LAST `@` (userinfo is dropped), and an absent or empty port is
    /// the scheme's `defaultPort`. A port that is not 1–5 digits in 1...65535 is no port, and
    /// the authority none: defaulting it would be a guess at where the request goes.
    init?(urlAuthority bytes: ArraySlice<UInt8>, defaultPort: Int) {
        // A backslash is `/` to WHATWG parsers (browsers, Node's URL): `http://a\@b/` is a's there
        // and b's here. Such an authority has two readings, so it has none.
        guard !bytes.contains(UInt8(ascii: "\\")) else { return nil }
        let hostStart = bytes.lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 } ?? bytes.startIndex
        guard let a = Self.read(bytes[hostStart...], defaultPort: defaultPort) else { return nil }
        self = a
    }

    /// `[::1]` for an IPv6 address, the name otherwise: the host as a URL or a Host header writes it.
    public var hostInURL: String { host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host }

    /// `host:port`, `[::1]:8080`: as a CONNECT target or an allow-list entry writes it.
    public var description: String { "\(hostInURL):\(port)" }

    /// The host a URL, `host:port` or a bare name names, as written (case kept), read by the
    /// same split but without judging the port or the host's bytes; nil when it names none.
    /// For what is looked for rather than dialed: a canary must be caught even in a value no
    /// client could use (`proxy.corp:99999`).
    public static func hostName(in value: some StringProtocol) -> String? {
        var b = Array(value.utf8)[...]
        if let scheme = schemeEnd(b) { b = b[scheme...] }
        b = b.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        if let at = b.lastIndex(of: UInt8(ascii: "@")) { b = b[(at + 1)...] }
        guard let parts = split(b), !parts.host.isEmpty else { return nil }
        return String(decoding: parts.host, as: UTF8.self)
    }

    /// Where what follows `scheme://` starts, or nil when `b` has no scheme.
    static func schemeEnd(_ b: ArraySlice<UInt8>) -> Int? {
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")), colon > b.startIndex,
              b[colon...].starts(with: "://".utf8),
              b[..<colon].allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { return nil }
        return colon + 3
    }

    /// `host[:port]` with userinfo gone: the host's bytes (without brackets), whether it was
    /// bracketed, and the port's bytes after `:` (nil when there is no `:`). The one split of a
    /// host from its port, shared with `HostPattern`: after `]` for a bracketed IPv6 address,
    /// at the one `:` of a name, and nowhere in a bare IPv6 address (two or more `:`, as NO_PROXY
    /// and allow lists write `::1`; never valid in a URL, where `Authority` refuses its host).
    static func split(_ b: ArraySlice<UInt8>) -> (host: ArraySlice<UInt8>, bracketed: Bool, port: ArraySlice<UInt8>?)? {
        if b.first == UInt8(ascii: "[") {
            guard let close = b.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let rest = b[(close + 1)...]
            guard rest.isEmpty || rest.first == UInt8(ascii: ":") else { return nil }
            return (b[(b.startIndex + 1) ..< close], true, rest.isEmpty ? nil : rest.dropFirst())
        }
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")) else { return (b, false, nil) }
        if b[(colon + 1)...].contains(UInt8(ascii: ":")) { return (b, false, nil) }
        return (b[..<colon], false, b[(colon + 1)...])
    }

    /// 1...65535 in at most five digits, nothing else (no sign, no space).
    static func port(_ digits: ArraySlice<UInt8>) -> Int? {
        guard (1 ... 5).contains(digits.count), digits.allSatisfy({ $0 &- 0x30 < 10 }) else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return (1 ... 65535).contains(value) ? value : nil
    }

    /// `host[:port]`, userinfo gone; `defaultPort` nil: the port is required.
    private static func read(_ b: ArraySlice<UInt8>, defaultPort: Int?) -> Authority? {
        guard let parts = split(b) else { return nil }
        let port: Int?
        if let digits = parts.port, !digits.isEmpty { port = Self.port(digits) } else { port = defaultPort }
        guard let port, parts.bracketed ? isIPv6(parts.host) : isName(parts.host) else { return nil }
        return Authority(host: lowercased(parts.host), port: port)
    }

    /// An IPv6 address's characters (hex digits, `:`, and `.` for an embedded IPv4 address).
    /// No zone (`%25eth0`), no IPvFuture: nothing an upstream is reached by.
    static func isIPv6(_ b: ArraySlice<UInt8>) -> Bool {
        b.contains(UInt8(ascii: ":"))
            && b.allSatisfy { isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
    }

    /// A registered name or an IPv4 address: RFC 3986's unreserved and sub-delims bytes, and
    /// UTF-8 above ASCII (an IDN the client writes in punycode). Not `%`: clients decode it,
    /// and `%00` or `%2F` in a name would end it for the resolver, past where the allow list
    /// looked; not `:` (a bare IPv6 address), nor any delimiter, space or control byte.
    static func isName(_ b: ArraySlice<UInt8>) -> Bool {
        !b.isEmpty && b.allSatisfy { c in
            c >= 0x80 || isAlnum(c) || "-._~!$&'()*+,;=".utf8.contains(c)
        }
    }

    /// ASCII letters folded only: DNS names compare so, and a Unicode lowering (`K`, KELVIN
    /// SIGN, to `k`) would make a name equal to another the client reads otherwise.
    static func foldCase(_ b: some Sequence<UInt8>) -> [UInt8] { b.map { (0x41 ... 0x5A).contains($0) ? $0 | 0x20 : $0 } }

    static func lowercased(_ b: some Sequence<UInt8>) -> String { String(decoding: foldCase(b), as: UTF8.self) }

    private static func isAlnum(_ c: UInt8) -> Bool { c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26 }
    private static func isHex(_ c: UInt8) -> Bool { c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 6 }
}
