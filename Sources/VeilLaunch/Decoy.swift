import VeilProfile

/// One environment dimension set to a decoy value for a run (`veil run --decoy DIM=VALUE`,
/// used by `veil probe`): the sandbox then shows that value instead of the neutral one.
public struct Decoy: Sendable, Equatable {
    public enum Dimension: String, Sendable, CaseIterable {
        case tz, locale, hostname, user
        case baseHost = "base-host"
        case proxy
    }

    public var dimension: Dimension
    public var value: String

    public init(dimension: Dimension, value: String) {
        self.dimension = dimension
        self.value = value
    }

    /// Parses `DIM=VALUE`.
    public init?(_ text: String) {
        guard let eq = text.firstIndex(of: "="), let d = Dimension(rawValue: String(text[..<eq])) else { return nil }
        self.init(dimension: d, value: String(text[text.index(after: eq)...]))
    }

    /// Identity decoys change the profile; the network ones change the wiring.
    public static func apply(_ decoys: [Decoy], to profile: inout Profile) {
        for d in decoys {
            switch d.dimension {
            case .tz: profile.identity.tz = d.value
            case .locale: profile.identity.locale = d.value
            case .hostname: profile.identity.hostname = d.value
            case .user: profile.identity.user = d.value
            case .baseHost, .proxy: break
            }
        }
    }

    /// Rewrites base-URL and proxy variables to name decoy hosts (which resolve to the
    /// inspector through the sandbox's /etc/hosts). Returns the names to add there.
    public static func applyNetwork(_ decoys: [Decoy], to environment: inout [String: String], port: Int) -> [String] {
        var hosts: [String] = []
        let local = "http://127.0.0.1:\(port)"
        for d in decoys {
            switch d.dimension {
            case .baseHost:
                let host = hostOnly(d.value)
                hosts.append(host)
                for (k, v) in environment where v.hasPrefix(local) && !LaunchWiring.proxyVariables.contains(k) {
                    environment[k] = "http://\(host):\(port)" + v.dropFirst(local.count)
                }
                // Reached directly, like 127.0.0.1 itself: not through the proxy variables.
                for k in ["NO_PROXY", "no_proxy"] {
                    environment[k] = (environment[k].map { $0 + "," } ?? "") + host
                }
            case .proxy:
                let host = hostOnly(d.value)
                hosts.append(host)
                for k in LaunchWiring.proxyVariables { environment[k] = "http://\(host):\(port)" }
            default: break
            }
        }
        return hosts
    }

    /// A URL's or `host:port`'s host (`veil probe` looks for the same one in the prompt).
    static func hostOnly(_ v: String) -> String { Authority.hostName(in: v) ?? "" }
}
