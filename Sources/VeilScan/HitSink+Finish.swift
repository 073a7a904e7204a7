// The last step: details of merged character runs (written once, not per character), and
// dropping a canary already covered by a longer one (`/home/alice/src` need not also
// report `alice`).

extension HitSink {
    func finish() -> [Finding] {
        guard !findings.isEmpty else { return [] }
        var out = findings
        for k in out.indices where runs[k] > 1 {
            out[k].detail = HitSink.describe(out[k].codePoints)
                + (runs[k] > out[k].codePoints.count ? " (\(runs[k]) in the run)" : "")
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
