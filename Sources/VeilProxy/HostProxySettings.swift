import Foundation
import VeilProfile

/// The host's own proxy settings (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY in either case), applied
/// to upstream connections: the agent never sees them, but the real network may require them.
struct HostProxySettings: Sendable, Equatable {
    struct ProxyServer: Sendable, Hashable {
        var host: String
        var port: Int
        var user: String?
        var password: String?
    }

    /// A proxy variable's value: a server, or a value veil cannot read. That one is kept so
    /// that what it would carry is refused: read as no proxy, it would go around the proxy the
    /// host's network asked for.
    enum Setting: Sendable, Equatable {
        case server(ProxyServer)
        case unreadable(variable: String)
    }

    /// How one upstream connection goes.
    enum Route: Equatable {
        case direct
        case proxy(ProxyServer)
        case refused(String)
    }

    var http: Setting?
    var https: Setting?
    var noProxy: [HostPattern]

    init(environment env: [String: String]) {
        func setting(_ name: String) -> Setting? {
            guard let (variable, value) = [name.lowercased(), name.uppercased()].lazy
                .compactMap({ n in env[n].map { (n, $0) } }).first, !value.isEmpty else { return nil }
            return Self.parse(value).map(Setting.server) ?? .unreadable(variable: variable)
        }
        let all = setting("ALL_PROXY")
        http = setting("HTTP_PROXY") ?? all
        https = setting("HTTPS_PROXY") ?? all
        noProxy = HostPattern.noProxyList(env["no_proxy"] ?? env["NO_PROXY"] ?? "")
    }

    /// The proxies upstream clients are made for.
    var servers: [ProxyServer] {
        [http, https].compactMap { if case .server(let p)? = $0 { p } else { nil } }
    }

    /// The way to an upstream: through the proxy of its scheme, unless NO_PROXY names its host.
    func route(scheme: String, host: String, port: Int) -> Route {
        guard let setting = scheme == "https" ? https : http, !bypasses(host: host, port: port) else { return .direct }
        switch setting {
        case .server(let p): return .proxy(p)
        case .unreadable(let variable):
            // The value is not repeated: it may hold the proxy's password, and this reaches the agent.
            return .refused("veil: the host's \(variable) is not a proxy URL veil can read "
                + "([http://][user:password@]host[:port]); the request is refused rather than sent around the proxy")
        }
    }

    func route(for target: AbsoluteURI) -> Route { route(scheme: target.scheme, host: target.host, port: target.port) }

    func bypasses(host: String, port: Int) -> Bool {
        noProxy.contains { $0.matches(host: host, port: port) }
    }

    /// `http://user:pass@host:port/`, `https://host`, or `host:port` (http, as curl reads it).
    static func parse(_ value: String) -> ProxyServer? {
        guard let url = AbsoluteURI(proxy: value) else { return nil }
        var user: String?, password: String?
        if let info = url.userinfo {
            let cred = info.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = cred.first.map { String($0).removingPercentEncodingSafe }
            password = cred.count > 1 ? String(cred[1]).removingPercentEncodingSafe : nil
        }
        return ProxyServer(host: url.host, port: url.port, user: user, password: password)
    }
}

extension String {
    var removingPercentEncodingSafe: String {
        var out: [UInt8] = []
        var bytes = Array(utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
