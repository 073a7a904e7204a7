/// `http(s)://authority/path?query`: a request target in absolute form (as proxies receive it),
/// an upstream or a base URL. Its authority is an `Authority`, read by the rules every other
/// reader of a host shares.
public struct AbsoluteURI: Sendable, Equatable {
    /// `http` or `https` (any case in the text).
    public let scheme: String
    public let authority: Authority
    /// `user:password` as written (percent-encoded), when the URL has one: a proxy's credentials.
    public let userinfo: String?
    /// Starts with `/`; the fragment dropped (never sent, RFC 9110 §7.1).
    public let pathAndQuery: String

    public var host: String { authority.host }
    public var port: Int { authority.port }

    /// Parsed on UTF-8 bytes, once per forwarded request: an origin-form target ("/v1/...")
    /// is the common case and leaves after its first byte.
    public init?(_ uri: String) {
        guard let first = uri.utf8.first, first | 0x20 == UInt8(ascii: "h") else { return nil }
        let u = Array(uri.utf8)
        func lower(_ i: Int) -> UInt8 { u[i] | 0x20 }
        guard u.count > 7, lower(1) == UInt8(ascii: "t"), lower(2) == UInt8(ascii: "t"), lower(3) == UInt8(ascii: "p")
        else { return nil }
        var i = 4
        if lower(i) == UInt8(ascii: "s") { i += 1 }
        guard u[i...].starts(with: "://".utf8) else { return nil }
        let https = i == 5
        i += 3
        // RFC 3986: the authority ends at `/`, `?` or `#`. Missing the `#` let
        // `https://evil#@allowed/` pass the allow list as `allowed` and go to `evil` (URL's reading).
        let authorityEnd = u[i...].firstIndex {
            $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
        } ?? u.count
        guard let authority = Authority(urlAuthority: u[i ..< authorityEnd], defaultPort: https ? 443 : 80) else { return nil }
        userinfo = u[i ..< authorityEnd].lastIndex(of: UInt8(ascii: "@")).map { String(decoding: u[i ..< $0], as: UTF8.self) }
        let path = String(decoding: u[authorityEnd ..< (u[authorityEnd...].firstIndex(of: UInt8(ascii: "#")) ?? u.count)],
                          as: UTF8.self)
        scheme = https ? "https" : "http"
        self.authority = authority
        pathAndQuery = path.isEmpty || path.utf8.first == UInt8(ascii: "?") ? "/" + path : path
    }

    /// A proxy variable's value: a URL, or `[user:password@]host[:port]` without a scheme, read
    /// as http as curl reads it. (Only http and https: veil speaks no SOCKS.)
    public init?(proxy value: String) {
        let schemeless = Authority.schemeEnd(Array(value.utf8)[...]) == nil
        self.init(schemeless ? "http://" + value : value)
    }
}
