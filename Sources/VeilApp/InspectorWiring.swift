import VeilLaunch
import VeilProfile
import VeilProxy
import VeilScan

/// The inspector's side of the wiring: where each base-URL variable really goes, and which
/// real key each placeholder stands for. (What the agent sees is `LaunchWiring`.)
/// Pure: the same inputs give the same wiring.
public struct InspectorWiring: Sendable {
    public var routes: [Route] = []
    public var credentials: [CredentialMask.Entry] = []

    /// `upstreamOverride`: "stub", a URL, or nil for the host's value or the profile default.
    /// `placeholders`: variable → the placeholder the agent was given (`LaunchWiring`);
    /// `earlier`: those earlier runs of the profile gave, which the agent may have kept.
    public static func make(profile: Profile, hostEnvironment: [String: String], upstreamOverride: String?,
                            placeholders: [String: String] = [:], earlier: [String: [String]] = [:]) -> InspectorWiring {
        var w = InspectorWiring()
        var claimed: Set<APIKind> = []
        for base in profile.inspector.baseURLs {
            let hostValue = hostEnvironment[base.variable].flatMap { $0.isEmpty ? nil : $0 }
            let effective = hostValue ?? base.upstream
            let upstream: Upstream
            switch upstreamOverride {
            case "stub"?: upstream = .stub
            case let url?: upstream = .url(LaunchWiring.urlPath(url).isEmpty ? url + LaunchWiring.urlPath(effective) : url)
            case nil: upstream = .url(effective)
            }
            let api = apiKind(ofVariable: base.variable)
            if api == .unknown, hostValue != nil {
                // The user's own endpoint for an agent that speaks whatever API its model does
                // (OpenHands' LLM_BASE_URL): it takes every API no route before it took, ahead of
                // the vendors' defaults the profile inherits, which would otherwise get its key.
                for kind in [APIKind.anthropic, .openai, .gemini] where claimed.insert(kind).inserted {
                    w.routes.append(Route(api: kind, upstream: upstream))
                }
            }
            claimed.insert(api)
            w.routes.append(Route(api: api, upstream: upstream))
        }
        // Requests no route claims go to the first upstream (or the override).
        if let first = w.routes.first {
            w.routes.append(Route(api: .unknown, upstream: first.upstream))
        } else if let o = upstreamOverride {
            w.routes.append(Route(api: .unknown, upstream: o == "stub" ? .stub : .url(o)))
        }
        w.credentials = profile.inspector.keys.flatMap { name -> [CredentialMask.Entry] in
            guard let placeholder = placeholders[name], let real = hostEnvironment[name], !real.isEmpty else { return [] }
            return ([placeholder] + (earlier[name] ?? [])).map { CredentialMask.Entry(variable: name, placeholder: $0, real: real) }
        }
        return w
    }

    public static func apiKind(ofVariable name: String) -> APIKind { APIKind.of(variable: name) }
}
