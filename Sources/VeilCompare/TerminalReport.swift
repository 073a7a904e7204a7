import VeilProfile

// The terminal view: colour only on a TTY; without one, changes are marked [-removed-] and
// {+added+} (wdiff style), so a log or a CI page shows them just as clearly. The agent's text
// in it (its output, the tail of its standard error in a note) is shown, never obeyed.

public struct TerminalStyle: Sendable {
    public var color: Bool
    public init(color: Bool) { self.color = color }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m" + s + "\u{1B}[0m" : s }
    func removed(_ s: String) -> String { color ? paint(s, "1;37;41") : "[-" + s + "-]" }
    func added(_ s: String) -> String { color ? paint(s, "1;30;42") : "{+" + s + "+}" }
    func dim(_ s: String) -> String { paint(s, "2") }
    func bold(_ s: String) -> String { paint(s, "1") }
    func kind(_ k: DifferenceKind) -> String {
        let code: String
        switch k {
        case .canary: code = "1;31"
        case .covertChar: code = "1;35"
        case .format: code = "1;33"
        case .unexplained: code = "1;36"
        }
        return paint(k.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0), code)
    }
}

public enum TerminalReport {
    public static func compare(_ r: CompareReport, style: TerminalStyle) -> String {
        var out: [String] = []
        let ds = r.requests.differences
        let head = ds.isEmpty
            ? "veil compare: no difference in the outbound requests (\(r.requests.pairs) request(s) compared)"
            : "veil compare: \(ds.count) difference(s) in the outbound requests: " + kinds(ds)
        out.append(style.bold(head))
        out.append("  requests: host \(r.hostRequests), veil \(r.veilRequests)" + (r.raw ? "  (raw: nothing normalised)" : ""))
        out += differences(ds, sides: ("host", "veil"), style: style, indent: "  ")
        if !r.output.isEmpty {
            out.append(style.bold("the agent's own output differs (shown, not gating):"))
            out += differences(r.output, sides: ("host", "veil"), style: style, indent: "  ")
        }
        out += volatileLines(r.requests.volatile + r.outputVolatile, style: style)
        out += r.notes.map { "note: " + TerminalText.lines($0) }
        return out.joined(separator: "\n") + "\n"
    }

    public static func probe(_ r: ProbeReport, style: TerminalStyle) -> String {
        var out: [String] = []
        let changed = r.result.dimensions.filter(\.changed).map(\.name)
        out.append(style.bold(changed.isEmpty
            ? "veil probe: the outbound prompt does not depend on any dimension probed"
            : "veil probe: the outbound prompt depends on: " + changed.joined(separator: ", ")))
        out.append("  \(r.runs) runs (2 baselines + variations), up to \(r.parallel) at a time, \(JSONReport.format2(r.wallSeconds)) s")
        let width = max(12, (r.result.dimensions.flatMap { $0.variations.map(\.value.count) }.max() ?? 0) + 2)
        out.append("  " + "dimension".padding(toLength: 12, withPad: " ", startingAt: 0)
                   + "value".padding(toLength: width, withPad: " ", startingAt: 0) + "result")
        for d in r.result.dimensions {
            for v in d.variations {
                let result: String
                if let e = v.error { result = style.paint("CHANGED (run failed: \(TerminalText.line(e)))", "1;31") } else if v.changed {
                    result = style.paint("CHANGED", "1;31") + " " + kinds(v.differences)
                } else {
                    result = style.paint("unchanged", "32")
                }
                out.append("  " + d.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                           + v.value.padding(toLength: width, withPad: " ", startingAt: 0) + result)
            }
        }
        // Variations that change the prompt in the same way are shown once.
        let folding = ProbeFolding(r.result)
        for (di, d) in r.result.dimensions.enumerated() {
            for (vi, v) in d.variations.enumerated() where !v.differences.isEmpty {
                if let same = folding.sameAs[di][vi] {
                    out.append(style.bold("\(d.name) = \(v.value):") + " the same differences as " + ProbeFolding.name(r.result, same))
                    continue
                }
                out.append(style.bold("\(d.name) = \(v.value):"))
                out += differences(v.differences, sides: ("baseline", "variation"), style: style, indent: "  ")
            }
        }
        out += volatileLines(r.result.volatile, style: style)
        out += ownTypographyLines(r.ownTypography, style: style)
        out += r.notes.map { "note: " + TerminalText.lines($0) }
        return out.joined(separator: "\n") + "\n"
    }

    /// The agent's own curly quotes and dashes, as the TOML a profile takes: listed there,
    /// they stay below the default gate (`--fail-on marker`).
    static func ownTypographyLines(_ words: [String], style: TerminalStyle) -> [String] {
        guard !words.isEmpty else { return [] }
        let quoted = words.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return [style.bold("The agent's own typography") + " (words it wrote with curly quotes or dashes in its neutral runs;"
                + " listed in its profile they are severity typography, below the default gate):",
                "  [inspector]", "  own_typography = [" + quoted.joined(separator: ", ") + "]"]
    }

    static func kinds(_ ds: [Difference]) -> String {
        countByKind(ds).map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
    }

    static func differences(_ ds: [Difference], sides: (String, String), style: TerminalStyle, indent: String) -> [String] {
        var out: [String] = []
        let shownMax = 60
        for d in ds.prefix(shownMax) {
            let where_ = d.request > 0 ? "request \(d.request) \(d.endpoint) " : ""
            out.append(indent + style.kind(d.kind) + " " + where_ + d.path + (d.detail.isEmpty ? "" : "  — " + d.detail))
            let w = max(sides.0.count, sides.1.count)
            out.append(indent + "    " + style.dim(sides.0.padding(toLength: w, withPad: " ", startingAt: 0)) + "  "
                       + line(d.leftSide, style.removed))
            out.append(indent + "    " + style.dim(sides.1.padding(toLength: w, withPad: " ", startingAt: 0)) + "  "
                       + line(d.rightSide, style.added))
        }
        if ds.count > shownMax { out.append(indent + "… \(ds.count - shownMax) more (see --json or --html)") }
        return out
    }

    /// The side's text made visible ([U+XXXX]), at most 40 scalars of context each way.
    static func line(_ s: DiffSide, _ mark: (String) -> String) -> String {
        let before = Array(s.before.unicodeScalars).suffix(40), after = Array(s.after.unicodeScalars).prefix(40)
        let cut = s.changedLength - s.changed.unicodeScalars.count
        let changed = shown(s.changed) + (cut > 0 ? " … [\(cut) more]" : "")
        return "…" + shown(before) + (s.bytes == .unknown(.absent) ? mark(absentText) : mark(changed)) + shown(after) + "…"
    }

    static func volatileLines(_ v: [VolatileHit], style: TerminalStyle) -> [String] {
        guard !v.isEmpty else { return [] }
        var seen = Set<String>()
        let items = v.compactMap { h -> String? in
            let s = (h.request > 0 ? "#\(h.request) " : "") + h.path + " (" + h.rule + ")"
            return seen.insert(s).inserted ? s : nil
        }
        let head = items.prefix(12).joined(separator: ", ")
        return [style.dim("volatile, set aside: " + head + (items.count > 12 ? ", … \(items.count - 12) more" : ""))]
    }
}
