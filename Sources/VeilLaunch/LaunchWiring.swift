import VeilProfile
import VeilSandbox

/// What the agent sees of the way to its model: every base-URL variable and proxy variable
/// points at the inspector on the sandbox's loopback, and each API key is a per-run
/// placeholder. The real upstreams and keys stay with the inspector process (VeilApp's
/// `InspectorWiring`, built from the same profile and these placeholders).
public struct LaunchWiring: Sendable, Equatable {
    /// Variables set inside the sandbox (after the profile's own).
    public var environment: [String: String] = [:]
    /// Variable name → placeholder, for the keys set on the host.
    public var placeholders: [String: String] = [:]
    /// The profile allows CONNECT: the run gets its own CA, which the sandbox trusts.
    public var needsRunCA = false

    public static let proxyVariables = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]

    /// The sandbox's trust bundle: the run CA alone (Planner.runCABundle).
    public static let trustBundle = Planner.trustBundle
    /// What TLS stacks read for extra or replacement roots: OpenSSL (Python's ssl, curl, Ruby),
    /// Node (added to its built-in roots), requests, curl, git, and rustls-native-certs and Go
    /// (SSL_CERT_FILE). Each points at the bundle, so every client inside trusts the run CA.
    public static let trustVariables = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
                                        "GIT_SSL_CAINFO"]

    /// `upstream`: the run's `--upstream` ("stub", a URL, or nil for the real APIs).
    /// `placeholderSeed`: the profile's (`PlaceholderLedger`), for placeholders stable across runs.
    public static func make(profile: Profile, hostEnvironment: [String: String], port: Int,
                            upstream: String? = nil, placeholderSeed: [UInt64]? = nil) -> LaunchWiring {
        var w = LaunchWiring()
        let local = "http://127.0.0.1:\(port)"
        for base in profile.inspector.baseURLs {
            let hostValue = hostEnvironment[base.variable].flatMap { $0.isEmpty ? nil : $0 }
            w.environment[base.variable] = local + urlPath(hostValue ?? base.upstream)
        }
        for name in proxyVariables { w.environment[name] = local }
        w.environment["NO_PROXY"] = "localhost,127.0.0.1,::1"
        w.environment["no_proxy"] = "localhost,127.0.0.1,::1"
        if !profile.inspector.connectAllow.isEmpty {
            w.needsRunCA = true
            for name in trustVariables { w.environment[name] = trustBundle }
            w.environment["SSL_CERT_DIR"] = "/etc/ssl/certs"
        }
        w.placeholders = Placeholder.make(variables: profile.inspector.keys, hostEnvironment: hostEnvironment,
                                          seed: placeholderSeed)
        for (variable, placeholder) in w.placeholders { w.environment[variable] = placeholder }
        // Only under the stub: against a real API a made-up key would be sent (and refused), and
        // would take the place of a login the agent keeps in its home (Claude Code's, Codex's).
        if upstream == "stub" {
            for (variable, key) in Placeholder.stubKeys(variables: profile.inspector.keys, hostEnvironment: hostEnvironment) {
                w.environment[variable] = key
            }
        }
        return w
    }

    /// The path (and query) of an http(s) URL without a trailing slash, "" for none or for a
    /// URL the inspector cannot read: `https://api.openai.com/v1` → `/v1`.
    public static func urlPath(_ url: String) -> String {
        guard let parsed = AbsoluteURI(url) else { return "" }
        var path = Substring(parsed.pathAndQuery)
        while path.hasSuffix("/") { path.removeLast() }
        return String(path)
    }
}
