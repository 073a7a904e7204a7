// Turning hits into findings: paths (one lazy walk for all of them), and dropping a canary
// already covered by a longer one (`/home/alice/src` need not also report `alice`).

extension HitSink {
    func finish(json: Bool) -> [Finding] {
        guard !findings.isEmpty else { return [] }
        var out = findings
        if json {
            let paths = JSONPath.resolve(body, stringStarts: Set(meta.map(\.stringStart)))
            for k in out.indices { out[k].path = paths[meta[k].stringStart] ?? "$" }
        }
        var keep = [Bool](repeating: true, count: out.count)
        for a in out.indices where out[a].kind == .canary {
            for b in out.indices where b != a && keep[b] && out[b].kind == .canary
                && meta[b].stringStart == meta[a].stringStart
                && meta[b].start <= meta[a].start && meta[a].end <= meta[b].end
                && (meta[b].end - meta[b].start > meta[a].end - meta[a].start || b < a) {
                keep[a] = false
                break
            }
        }
        return out.indices.filter { keep[$0] }.map { out[$0] }
    }
}
