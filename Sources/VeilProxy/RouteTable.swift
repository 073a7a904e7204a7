import Foundation
import NIOHTTP1
import VeilProfile
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
    /// `routesOnly` (a run with `--upstream`): a request naming an allowed host goes by its path,
    /// as if it had come to the base URL, not to the host it names: offline runs stay offline.
    func target(uri: String, absolute abs: AbsoluteURI?, api: APIKind, routesOnly: Bool = false) -> Target {
        if let abs {
            guard allow.permits(host: abs.host, port: abs.port) else {
                return .denied("\(abs.authority) is not in the profile's allowed hosts")
            }
            return routesOnly ? target(uri: abs.pathAndQuery, absolute: nil, api: api) : .url(uri)
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
                routesOnly: Bool) -> Target {
        if absolute != nil || routesOnly { return target(uri: uri, absolute: absolute, api: api, routesOnly: routesOnly) }
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

/// Hosts a CONNECT or absolute-form request may reach: the profile's `connect_allow`, each entry
/// a `HostPattern` (`host`, `host:port`, `*.suffix`, `*`, `[::1]`, `[::1]:port`), read once.
/// Entries that name nothing (a port that is not a number) are left out.
struct AllowList: Sendable {
    let patterns: [HostPattern]

    init(_ entries: [String]) { patterns = entries.compactMap { HostPattern(allowEntry: $0) } }

    func permits(host: String, port: Int) -> Bool {
        patterns.contains { $0.matches(host: host, port: port) }
    }

    /// Whether an entry names `host` itself, not a domain or wildcard it falls under: a name
    /// the agent did not choose.
    func names(host: String, port: Int) -> Bool {
        patterns.contains { pattern in
            if case .exactly = pattern.name { return pattern.matches(host: host, port: port) }
            return false
        }
    }
}
