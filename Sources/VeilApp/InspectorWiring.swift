import VeilProfile
import VeilProxy
import VeilScan

/// How the agent reaches its model: every base-URL variable and proxy variable inside points
/// at the inspector on the sandbox's loopback; the inspector knows the real upstreams.
/// Pure: the same inputs give the same wiring (but for the random key placeholders).
public struct InspectorWiring: Sendable {
    /// Variables set inside the sandbox (after the profile's own).
    public var environment: [String: String] = [:]
    public var routes: [Route] = []
    public var credentials: [CredentialMask.Entry] = []

    public static let proxyVariables = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]

    /// `upstreamOverride`: "stub", a URL, or nil for the host's value or the profile default.
    public static func make(profile: Profile, hostEnvironment: [String: String], port: Int,
                            upstreamOverride: String?) -> InspectorWiring {
        var w = InspectorWiring()
        let local = "http://127.0.0.1:\(port)"
        for base in profile.inspector.baseURLs {
            let hostValue = hostEnvironment[base.variable].flatMap { $0.isEmpty ? nil : $0 }
            let effective = hostValue ?? base.upstream
            let upstream: Upstream
            switch upstreamOverride {
            case "stub"?: upstream = .stub
            case let url?: upstream = .url(urlPath(url).isEmpty ? url + urlPath(effective) : url)
            case nil: upstream = .url(effective)
            }
            w.environment[base.variable] = local + urlPath(effective)
            w.routes.append(Route(api: apiKind(ofVariable: base.variable), upstream: upstream))
        }
        // Requests no route claims go to the first upstream (or the override).
        if let first = w.routes.first {
            w.routes.append(Route(api: .unknown, upstream: first.upstream))
        } else if let o = upstreamOverride {
            w.routes.append(Route(api: .unknown, upstream: o == "stub" ? .stub : .url(o)))
        }
        for name in proxyVariables { w.environment[name] = local }
        w.environment["NO_PROXY"] = "localhost,127.0.0.1,::1"
        w.environment["no_proxy"] = "localhost,127.0.0.1,::1"
        w.credentials = CredentialMask.make(variables: profile.inspector.keys, hostEnvironment: hostEnvironment)
        for c in w.credentials { w.environment[c.variable] = c.placeholder }
        return w
    }

    /// The path of a URL without a trailing slash: `https://api.openai.com/v1` → `/v1`.
    public static func urlPath(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return "" }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    public static func apiKind(ofVariable name: String) -> APIKind {
        let n = name.uppercased()
        if n.contains("ANTHROPIC") || n.contains("CLAUDE") { return .anthropic }
        if n.contains("GEMINI") || n.contains("GOOGLE") { return .gemini }
        if n.contains("OPENAI") || n.contains("OPENROUTER") || n.contains("CODEX") { return .openai }
        return .unknown
    }
}
