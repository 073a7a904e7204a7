import Foundation
import VeilProfile

/// Where compare's host arm must listen so that the agent, run with the host's variables
/// unchanged, reaches the recorder: every base URL the profile routes (the host's value, else
/// the profile's default) and every proxy the host names. Names resolve to 127.0.0.1 through
/// the cell's hosts file; address literals are added to the cell's lo. Pure.
struct HostArmPlan: Equatable {
    /// Lowercase, an IPv6 address without brackets; `description` writes it as an allow-list entry.
    typealias Endpoint = Authority

    var endpoints: [Endpoint] = []

    static let proxyVariables = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]

    init(endpoints: [Endpoint]) { self.endpoints = endpoints }

    init(profile: Profile, environment env: [String: String]) {
        var urls = profile.inspector.baseURLs.map { base in env[base.variable].flatMap { $0.isEmpty ? nil : $0 } ?? base.upstream }
        urls += Self.proxyVariables.compactMap { env[$0].flatMap { $0.isEmpty ? nil : $0 } }
        for url in urls {
            guard let e = Self.endpoint(url), !endpoints.contains(e) else { continue }
            endpoints.append(e)
        }
    }

    /// `https://gw.corp.example/v1` → gw.corp.example:443; a proxy may omit its scheme
    /// (`proxy:3128`, read as http as curl does). Only http and https: the recorder speaks no
    /// SOCKS.
    static func endpoint(_ url: String) -> Endpoint? {
        AbsoluteURI(proxy: url)?.authority
    }

    var ports: [Int] {
        var out: [Int] = []
        for e in endpoints where !out.contains(e.port) { out.append(e.port) }
        return out
    }

    /// Address literals the cell's lo must answer on (loopback ones it has already).
    var addresses: [String] {
        var out: [String] = []
        for e in endpoints where Self.isAddress(e.host) && !Self.isLoopback(e.host) && !out.contains(e.host) { out.append(e.host) }
        return out
    }

    /// Names that must resolve to the cell's loopback.
    var names: [String] {
        var out: [String] = []
        for e in endpoints where !Self.isAddress(e.host) && e.host != "localhost" && !out.contains(e.host) { out.append(e.host) }
        return out
    }

    /// The host's hosts file with the names first: the first match wins, and every other line
    /// stays as the agent would read it on the host.
    func hostsFile(original: String) -> String {
        guard !names.isEmpty else { return original }
        return names.map { "127.0.0.1\t\($0)\n" }.joined() + original
    }

    /// The host's nsswitch.conf with `files` first on the hosts line, or nil when it is first
    /// already (the usual case): a resolver consulted before it (systemd-resolved's `resolve`)
    /// answers from the host's network, where the cell cannot follow.
    static func nsswitch(original: String) -> String? {
        var changed = false
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("hosts:") else { return String(line) }
            let sources = t.dropFirst("hosts:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard sources.first != "files" else { return String(line) }
            changed = true
            return "hosts: files " + sources.filter { $0 != "files" }.joined(separator: " ")
        }
        return changed ? lines.joined(separator: "\n") : nil
    }

    static func isAddress(_ h: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, h, &v4) == 1 || inet_pton(AF_INET6, h, &v6) == 1
    }

    static func isLoopback(_ h: String) -> Bool { h.hasPrefix("127.") || h == "::1" }
}

/// How the host arm's agent comes to trust the recorder's per-run CA with the fewest visible
/// changes: each bundle it would read (the system's, and any file a CA variable names) is
/// overlaid, in the cell only, by the same bundle with the CA appended; a CA variable the host
/// does not set is set to the system bundle's usual path (Python's httpx and requests read
/// their own bundle otherwise, Node its built-in one). Pure, given which files exist.
struct HostArmTrust: Equatable {
    static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"]
    /// Variables agents' TLS stacks read, all set to a bundle that holds the CA.
    static let setVariables = ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"]
    /// Read when set; curl's own default is the system bundle, overlaid already.
    static let readVariables = setVariables + ["CURL_CA_BUNDLE"]

    /// Files to overlay (resolved paths), each by a copy of itself with the CA appended.
    var bundles: [String] = []
    /// Variables to add (the host sets none of them); empty value: the CA file itself.
    var added: [String: String] = [:]

    init(environment env: [String: String], resolve: (String) -> String?) {
        var system: String?
        for path in Self.systemBundles {
            guard let real = resolve(path) else { continue }
            system = system ?? path
            if !bundles.contains(real) { bundles.append(real) }
        }
        for name in Self.readVariables {
            guard let value = env[name], !value.isEmpty, let real = resolve(value) else { continue }
            if !bundles.contains(real) { bundles.append(real) }
        }
        for name in Self.setVariables where (env[name] ?? "").isEmpty { added[name] = system ?? "" }
    }
}
