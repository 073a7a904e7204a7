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
        if let abs = AbsoluteURI(uri) {
            let api = Self.api(path: abs.pathAndQuery, headers: headers)
            guard allow.permits(host: abs.host, port: abs.port) else {
                return (api, .denied("host \(abs.host) is not in the profile's allowed hosts"))
            }
            return (api, .url(uri))
        }
        let api = Self.api(path: uri, headers: headers)
        guard let route = routes.first(where: { $0.api == api }) ?? routes.first(where: { $0.api == .unknown })
            ?? (routes.count == 1 ? routes.first : nil)
        else {
            return (api, .denied("no upstream is configured for the \(api.rawValue) API"))
        }
        switch route.upstream {
        case .stub: return (api, .stub)
        case .url(let base): return (api, .url(Self.join(base: base, uri: uri)))
        }
    }

    /// The agent's base URL inside keeps the upstream's path (`http://127.0.0.1:P/v1`), so the
    /// request usually carries it already; `veil inspect` users may point at the bare port.
    static func join(base: String, uri: String) -> String {
        var origin = Substring(base), basePath = Substring("")
        if let r = base.range(of: "://"), let slash = base[r.upperBound...].firstIndex(of: "/") {
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
        let lower = uri.lowercased()
        if lower.hasPrefix("http://") { scheme = "http" } else if lower.hasPrefix("https://") { scheme = "https" } else {
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
