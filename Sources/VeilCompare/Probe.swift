import VeilProfile
import VeilScan

// veil probe's judgement: two identical baselines tell what is volatile for this agent; every
// variation is compared with the first baseline, and what differs beyond those spots is the
// agent's sensitivity to that one dimension.

public struct ProbeVariation: Equatable, Sendable {
    public var value: String
    public var changed: Bool
    public var differences: [Difference]
    /// The run failed (no requests recorded, veil error): reported, and counted as a change,
    /// since an agent that stops working under a decoy is sensitive to it.
    public var error: String?
}

public struct ProbeDimension: Equatable, Sendable {
    public var name: String
    public var changed: Bool
    public var variations: [ProbeVariation]
}

public struct ProbeResult: Equatable, Sendable {
    public var dimensions: [ProbeDimension]
    public var volatile: [VolatileHit]
    public var baselineRequests: Int
    public var changed: Bool { dimensions.contains { $0.changed } }
}

/// One run's outcome as orchestration hands it over.
public struct ProbeRun: Sendable {
    public var requests: [RecordedRequest]
    public var error: String?
    public init(requests: [RecordedRequest], error: String? = nil) {
        self.requests = requests
        self.error = error
    }
}

public enum ProbeAnalysis {
    /// `variations`: (dimension, value, run), in the order to report.
    public static func analyze(baseline: ProbeRun, repeat again: ProbeRun,
                               variations: [(dimension: String, value: String, run: ProbeRun)],
                               normalizer: Normalizer) -> ProbeResult {
        let noise = CompareEngine.compare(baseline.requests, again.requests, normalizer: normalizer,
                                          attributor: Attributor(canaries: []))
        let spots = noise.differences
        var volatile = Set(noise.volatile)
        for d in spots { volatile.insert(VolatileHit(request: d.request, path: d.path, rule: "baseline")) }

        var dims: [ProbeDimension] = []
        for v in variations {
            let attributor = Attributor(canaries: DecoyCanaries.canaries(dimension: v.dimension, value: v.value),
                                        sideNames: ("baseline", "variation"))
            let c = CompareEngine.compare(baseline.requests, v.run.requests, normalizer: normalizer, attributor: attributor)
            volatile.formUnion(c.volatile)
            let real = c.differences.filter { d in !spots.contains { isSameSpot($0, d) } }
            let error = v.run.error ?? (v.run.requests.isEmpty && !baseline.requests.isEmpty ? "no request recorded" : nil)
            let variation = ProbeVariation(value: v.value, changed: !real.isEmpty || error != nil, differences: real, error: error)
            if let i = dims.firstIndex(where: { $0.name == v.dimension }) {
                dims[i].variations.append(variation)
                dims[i].changed = dims[i].changed || variation.changed
            } else {
                dims.append(ProbeDimension(name: v.dimension, changed: variation.changed, variations: [variation]))
            }
        }
        let sorted = volatile.sorted { ($0.request, $0.path, $0.rule) < ($1.request, $1.path, $1.rule) }
        return ProbeResult(dimensions: dims, volatile: sorted, baselineRequests: baseline.requests.count)
    }

    /// A variation's difference sits where the two baselines already differ: the same request
    /// and path, and (for text) an overlapping or touching range of the baseline's text.
    static func isSameSpot(_ noise: Difference, _ d: Difference) -> Bool {
        guard noise.request == d.request, noise.path == d.path else { return false }
        guard let a = noise.leftRange, let b = d.leftRange else { return true }
        return a.lowerBound <= b.upperBound && b.lowerBound <= a.upperBound
    }
}

/// What a decoy value looks like in text, as canaries: the same expansion the inspector uses
/// for host facts (a time zone's offsets and abbreviations, a locale's spellings).
public enum DecoyCanaries {
    public static func canaries(dimension: String, value: String) -> [Canary] {
        var f = HostFacts()
        f.timeZone = "UTC"
        switch dimension {
        case "tz": f.timeZone = value
        case "locale": f.locales = [value]
        case "hostname": f.hostname = value
        case "user": f.userName = value
        case "base-host": f.baseURLHosts = [hostOnly(value)]
        case "proxy": f.proxyHosts = [hostOnly(value)]
        default: break
        }
        var out = f.canaries().filter { !($0.label.contains("time zone") && dimension != "tz") }
        if dimension != "tz" || out.isEmpty { out.append(Canary(label: "decoy \(dimension)", value: hostOnly(value))) }
        return out
    }

    /// The decoy's host, as `Decoy` reads it for the sandbox.
    static func hostOnly(_ v: String) -> String { Authority.hostName(in: v) ?? "" }
}
