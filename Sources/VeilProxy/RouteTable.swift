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

    /// The agent's base URL inside keeps the upstream's path (`http://127.0.0.1:P/v1`), so the
    /// request usually carries it already; `veil inspect` users may point at the bare port.
    static func join(base: String, uri: String) -> String {
        var origin = Substring(base), basePath = Substring("")
        // Plain index walks, not Foundation's range(of:): this runs on every request.
        if let colon = base.firstIndex(of: ":"), base[colon...].hasPrefix("://"),
           let slash = base[base.index(colon, offsetBy: 3)...].firstIndex(of: "/") {
            origin = base[..<slash]
            basePath = base[slash...]
        }
        while basePath.hasSuffix("/") { basePath = basePath.dropLast() }
        let path = uri.hasPrefix("/") ? Substring(uri) : "/" + uri
        if basePath.isEmpty || path == basePath || path.hasPrefix(basePath + "/") || path.hasPrefix(basePath + "?") {
            return String(origin + path)
        }
        return String(origin + basePath + path)
    }
}

/// Hosts a CONNECT or absolute-form request may reach: `host`, `host:port`, `*.suffix`.
struct AllowList: Sendable {
    let entries: [String]

    init(_ entries: [String]) { self.entries = entries.map { $0.lowercased() } }

    func permits(host: String, port: Int) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: ["[", "]"])
        for e in entries {
            var name = Substring(e)
            if let colon = name.lastIndex(of: ":"), !name.contains("]"), name.filter({ $0 == ":" }).count == 1 {
                guard Int(name[name.index(after: colon)...]) == port else { continue }
                name = name[..<colon]
            }
            let n = name.trimmingCharacters(in: ["[", "]"])
            if n == "*" || n == h { return true }
            if n.hasPrefix("*."), h.hasSuffix(n.dropFirst()) { return true }
        }
        return false
    }
}

/// `http://host[:port]/path?query` as proxies receive it (absolute-form request target).
struct AbsoluteURI {
    let scheme: String
    let host: String
    let port: Int
    let pathAndQuery: String

    init?(_ uri: String) {
        // Compared on the first bytes: an origin-form target ("/v1/...") is the common case
        // and must not cost a lowercased copy of the whole URI.
        let prefix = uri.utf8.prefix(8).lazy.map { $0 | 0x20 }
        if prefix.starts(with: "http://".utf8) { scheme = "http" } else if prefix.starts(with: "https://".utf8) {
            scheme = "https"
        } else {
            return nil
        }
        let rest = uri.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var p = String(rest.dropFirst(authority.count))
        if p.isEmpty || p.hasPrefix("?") { p = "/" + p }
        pathAndQuery = p
        let hostPort = authority.split(separator: "@").last ?? authority
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            port = Int(hostPort[hostPort.index(after: close)...].dropFirst()) ?? (scheme == "https" ? 443 : 80)
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = Int(hostPort[hostPort.index(after: colon)...]) ?? (scheme == "https" ? 443 : 80)
        } else {
            host = String(hostPort)
            port = scheme == "https" ? 443 : 80
        }
        if host.isEmpty { return nil }
    }
}
