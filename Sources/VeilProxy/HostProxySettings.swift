import Foundation
/// The host's own proxy settings (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY in either case), applied
/// to upstream connections: the agent never sees them, but the real network may require them.
struct HostProxySettings: Sendable, Equatable {
    struct ProxyServer: Sendable, Hashable {
        var host: String
        var port: Int
        var user: String?
        var password: String?
    }

    var http: ProxyServer?
    var https: ProxyServer?
    var noProxy: [String]

    init(environment env: [String: String]) {
        func value(_ name: String) -> String? {
            let v = env[name.lowercased()] ?? env[name.uppercased()]
            return (v?.isEmpty ?? true) ? nil : v
        }
        let all = value("ALL_PROXY").flatMap(Self.parse)
        http = value("HTTP_PROXY").flatMap(Self.parse) ?? all
        https = value("HTTPS_PROXY").flatMap(Self.parse) ?? all
        noProxy = (value("NO_PROXY") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// The proxy for an upstream URL, or nil for a direct connection.
    func proxy(scheme: String, host: String, port: Int) -> ProxyServer? {
        guard let p = scheme == "https" ? https : http else { return nil }
        return bypasses(host: host.lowercased(), port: port) ? nil : p
    }

    func bypasses(host: String, port: Int) -> Bool {
        for entry in noProxy {
            if entry == "*" { return true }
            var name = Substring(entry)
            if let colon = name.lastIndex(of: ":"), !name.contains("]"), let p = Int(name[name.index(after: colon)...]) {
                if p != port { continue }
                name = name[..<colon]
            }
            if name.hasPrefix("*.") { name = name.dropFirst() }
            if name.hasPrefix(".") {
                if host.hasSuffix(name) || host == name.dropFirst() { return true }
            } else if host == name || host.hasSuffix("." + name) {
                return true
            }
        }
        return false
    }

    /// `http://user:pass@host:port/` or `host:port`.
    static func parse(_ value: String) -> ProxyServer? {
        var s = Substring(value)
        var defaultPort = 80
        if let r = s.range(of: "://") {
            if s[..<r.lowerBound].lowercased() == "https" { defaultPort = 443 }
            s = s[r.upperBound...]
        }
        s = s.prefix { $0 != "/" }
        var user: String?, password: String?
        if let at = s.lastIndex(of: "@") {
            let cred = s[..<at].split(separator: ":", maxSplits: 1)
            user = cred.first.map { String($0).removingPercentEncodingSafe }
            password = cred.count > 1 ? String(cred[1]).removingPercentEncodingSafe : nil
            s = s[s.index(after: at)...]
        }
        var host = s, port = defaultPort
        if s.hasPrefix("[") , let close = s.firstIndex(of: "]") {
            host = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            if rest.hasPrefix(":"), let p = Int(rest.dropFirst()) { port = p }
        } else if let colon = s.lastIndex(of: ":"), let p = Int(s[s.index(after: colon)...]) {
            host = s[..<colon]
            port = p
        }
        return host.isEmpty ? nil : ProxyServer(host: String(host), port: port, user: user, password: password)
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
