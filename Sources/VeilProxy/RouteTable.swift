import Foundation
import NIOHTTP1
import VeilScan

/// Where a request goes: pure, so it is tested without sockets.
struct RouteTable: Sendable {
    enum Target: Equatable {
        case stub
        case url(String)
        case denied(String)
    }

    let routes: [Route]
    let allow: AllowList

    /// The API the agent speaks, by path first and by its credential header when the path is
    /// shared (`/v1/models` exists in both the Anthropic and the OpenAI API).
    static func api(path: String, headers: HTTPHeaders) -> APIKind {
        let byPath = APIKind.detect(path: path)
        if byPath != .unknown { return byPath }
        if headers.contains(name: "anthropic-version") || headers.contains(name: "x-api-key") { return .anthropic }
        if headers.contains(name: "x-goog-api-key") || path.contains("key=") { return .gemini }
        if path.hasPrefix("/v1beta") { return .gemini }
        if headers.contains(name: "authorization") { return .openai }
        return .unknown
    }

    func resolve(uri: String, headers: HTTPHeaders) -> (APIKind, Target) {
        let abs = AbsoluteURI(uri)
        let api = Self.api(path: abs?.pathAndQuery ?? uri, headers: headers)
        return (api, target(uri: uri, absolute: abs, api: api))
    }

    /// The target for an API already detected (the connection does that once, from the head).
    func target(uri: String, absolute abs: AbsoluteURI?, api: APIKind) -> Target {
        if let abs {
            guard allow.permits(host: abs.host, port: abs.port) else {
                return .denied("host \(abs.host) is not in the profile's allowed hosts")
            }
            return .url(uri)
        }
        // `http://host:99999/`: meant for some host, readable as none; not joined to a route's
        // base as if it were a path. (The first byte keeps origin-form targets off this test.)
        if uri.utf8.first.map({ $0 | 0x20 == UInt8(ascii: "h") }) == true, uri.lowercased().contains("://") {
            return .denied("the request target is not a URL veil can read")
        }
        guard let route = routes.first(where: { $0.api == api }) ?? routes.first(where: { $0.api == .unknown })
            ?? (routes.count == 1 ? routes.first : nil)
        else {
            return .denied("no upstream is configured for the \(api.rawValue) API")
        }
        switch route.upstream {
        case .stub: return .stub
        case .url(let base): return .url(Self.join(base: base, uri: uri))
        }
    }

    /// A request inside a CONNECT tunnel: to the tunnel's host, or, when the run sends all model
    /// traffic to its `--upstream` (the stub, a test server), routed as if it had come to the
    /// base URL. An origin-form target must start with `/`, so it can only extend the path.
    func target(inTunnelTo origin: TunnelOrigin, uri: String, absolute: AbsoluteURI?, api: APIKind,
                followRoutes: Bool) -> Target {
        if absolute != nil || followRoutes { return target(uri: uri, absolute: absolute, api: api) }
        guard uri.utf8.first == UInt8(ascii: "/") else { return .denied("request target \(uri) is not a path") }
        return .url(origin.url + uri)
    }

    /// The agent's base URL inside keeps the upstream's path (`http://127.0.0.1:P/v1`), so the
    /// request usually carries it already; `veil inspect` users may point at the bare port.
    /// On UTF-8 bytes: it runs on every request, and String's Character-wise slicing and
    /// concatenation cost more than the rest of the routing.
    static func join(base: String, uri: String) -> String {
        let b = Array(base.utf8), u = Array(uri.utf8)
        // The origin ends at the first `/` after `://`; what follows is the base path.
        var originEnd = b.count
        if let colon = b.firstIndex(of: UInt8(ascii: ":")), b[colon...].starts(with: "://".utf8),
           let slash = b[(colon + 3)...].firstIndex(of: UInt8(ascii: "/")) {
            originEnd = slash
        }
        var baseEnd = b.count
        while baseEnd > originEnd, b[baseEnd - 1] == UInt8(ascii: "/") { baseEnd -= 1 }
        let basePath = b[originEnd ..< baseEnd]
        let path = u.first == UInt8(ascii: "/") ? u : [UInt8(ascii: "/")] + u
        var out = Array(b[..<originEnd])
        out.reserveCapacity(b.count + path.count)
        if !basePath.isEmpty, path.starts(with: basePath) {
            let rest = path.count == basePath.count ? nil : path[basePath.count]
            if rest == nil || rest == UInt8(ascii: "/") || rest == UInt8(ascii: "?") {
                return String(decoding: out + path, as: UTF8.self)
            }
        }
        out += basePath
        out += path
        return String(decoding: out, as: UTF8.self)
    }
}

/// Hosts a CONNECT or absolute-form request may reach: `host`, `host:port`, `*.suffix`,
/// `*`, and an IPv6 address as `[::1]` or `[::1]:port`. Entries are read once.
struct AllowList: Sendable {
    struct Entry: Sendable, Equatable {
        /// Lowercased, without brackets; `*` or `*.suffix` for patterns.
        let name: String
        /// nil: any port.
        let port: Int?
    }

    let entries: [Entry]

    init(_ entries: [String]) { self.entries = entries.compactMap(Self.entry) }

    /// One entry; nil for one that names nothing (a port that is not a number). The port is
    /// split off after `]` for IPv6, and only after the one colon of a name otherwise: the
    /// fuzzer found `[::1]:8080` kept whole, so that it matched the host `::1]:8080`.
    static func entry(_ raw: String) -> Entry? {
        var name = Substring(raw.lowercased()), port: Int?
        if let colon = name.lastIndex(of: ":"),
           name.hasPrefix("[") ? name[..<colon].hasSuffix("]") : name.firstIndex(of: ":") == colon {
            guard let p = Int(name[name.index(after: colon)...]) else { return nil }
            (name, port) = (name[..<colon], p)
        }
        return Entry(name: name.trimmingCharacters(in: ["[", "]"]), port: port)
    }

    func permits(host: String, port: Int) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: ["[", "]"])
        return entries.contains { e in
            guard e.port == nil || e.port == port else { return false }
            if e.name == "*" || e.name == h { return true }
            // `*.suffix`: a name below the suffix (`.suffix` alone names no host).
            return e.name.hasPrefix("*.") && h.utf8.count > e.name.utf8.count - 1 && h.hasSuffix(e.name.dropFirst())
        }
    }
}

/// `http://host[:port]/path?query` as proxies receive it (absolute-form request target).
struct AbsoluteURI {
    let scheme: String
    let host: String
    let port: Int
    let pathAndQuery: String

    /// Parsed on UTF-8 bytes, once per forwarded request: an origin-form target ("/v1/...")
    /// is the common case and leaves after its first byte.
    init?(_ uri: String) {
        guard let first = uri.utf8.first, first | 0x20 == UInt8(ascii: "h") else { return nil }
        let u = Array(uri.utf8)
        func lower(_ i: Int) -> UInt8 { u[i] | 0x20 }
        guard u.count > 7, lower(0) == UInt8(ascii: "h"), lower(1) == UInt8(ascii: "t"), lower(2) == UInt8(ascii: "t"),
              lower(3) == UInt8(ascii: "p") else { return nil }
        var i = 4
        if lower(i) == UInt8(ascii: "s") { i += 1 }
        guard u[i...].starts(with: "://".utf8) else { return nil }
        scheme = i == 5 ? "https" : "http"
        let defaultPort = i == 5 ? 443 : 80
        i += 3
        // RFC 3986: the authority ends at `/`, `?` or `#`. Missing the `#` let
        // `https://evil#@allowed/` pass the allow list as `allowed` and go to `evil` (URL's reading).
        let authorityEnd = u[i...].firstIndex {
            $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
        } ?? u.count
        // A fragment is never sent (RFC 9110 §7.1).
        let path = String(decoding: u[authorityEnd ..< (u[authorityEnd...].firstIndex(of: UInt8(ascii: "#")) ?? u.count)],
                          as: UTF8.self)
        pathAndQuery = path.isEmpty || path.utf8.first == UInt8(ascii: "?") ? "/" + path : path
        // user:password@ is dropped; the host is what follows the last `@`.
        let hostStart = (u[i ..< authorityEnd].lastIndex(of: UInt8(ascii: "@")) ?? i - 1) + 1
        let hostPort = u[hostStart ..< authorityEnd]
        // After the host: nothing (the scheme's port), `:` and up to 65535, or `:` alone. Anything
        // else is not a URL (URL refuses it too), where a default port would be a guess.
        func port(after k: Int) -> Int? {
            if k == authorityEnd { return defaultPort }
            guard u[k] == UInt8(ascii: ":") else { return nil }
            let digits = u[(k + 1) ..< authorityEnd]
            if digits.isEmpty { return defaultPort }
            guard digits.count <= 5, digits.allSatisfy({ $0 &- 0x30 < 10 }) else { return nil }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            return value <= 65535 ? value : nil
        }
        let hostRange: Range<Int>, parsedPort: Int?
        if hostPort.first == UInt8(ascii: "["), let close = hostPort.firstIndex(of: UInt8(ascii: "]")) {
            (hostRange, parsedPort) = ((hostStart + 1) ..< close, port(after: close + 1))
        } else if let colon = hostPort.lastIndex(of: UInt8(ascii: ":")) {
            (hostRange, parsedPort) = (hostStart ..< colon, port(after: colon))
        } else {
            (hostRange, parsedPort) = (hostStart ..< authorityEnd, defaultPort)
        }
        guard let parsedPort else { return nil }
        host = String(decoding: u[hostRange], as: UTF8.self)
        self.port = parsedPort
        if host.isEmpty { return nil }
    }
}
