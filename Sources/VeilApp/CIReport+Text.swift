import VeilProfile
import VeilProxy

extension CIReport {
    /// For people: each file's counts, its findings one a line, its refusals and limits; the
    /// total when there are several; the gate's verdict when one is set.
    static func text(_ inputs: [Input], gate: Severity?) -> String {
        var out: [String] = []
        for input in inputs {
            out += textSection(input)
        }
        if inputs.count > 1 {
            let all = InspectorSummary.merged(inputs.map(\.summary))
            out.append("total (\(inputs.count) reports): \(counts(all))")
            out.append("  findings: \(all.findings) (\(bySeverity(all)))")
        }
        if let gate {
            let n = failing(inputs, gate: gate)
            out.append("gate --fail-on \(gate.rawValue): " + (n > 0 ? "FAILED, \(n) finding(s) at \(gate.rawValue) or above"
                                                                   : "passed, no finding at \(gate.rawValue) or above"))
        }
        return out.map { $0 + "\n" }.joined()
    }

    /// An agent's text (a JSON key in a path, a refusal's request) goes to a terminal: shown
    /// through TerminalText, never obeyed.
    private static func textSection(_ input: Input) -> [String] {
        let s = input.summary
        var out = ["\(TerminalText.line(input.path)): \(counts(s))", "  findings: \(s.findings) (\(bySeverity(s)))"]
        let width = s.findingList.map(\.kind.count).max() ?? 0
        for f in s.findingList {
            let kind = f.kind + String(repeating: " ", count: width - f.kind.count)
            let level = f.severity + String(repeating: " ", count: max(0, 10 - f.severity.count))
            out.append("    \(level) \(TerminalText.line(kind))  \(TerminalText.line(f.what))  \(TerminalText.line(place(f)))")
        }
        for (level, n) in unlisted(s) {
            out.append("    \(n) more \(level.rawValue) finding(s) not listed (a report lists the first 1000)")
        }
        if !s.refusals.isEmpty {
            out.append("  refusals: \(s.refusals.count)")
            out += s.refusals.map { "    \($0.time)  \($0.status)  \(TerminalText.line($0.request))  \(TerminalText.line($0.reason))" }
        }
        if let l = s.limitsHit {
            out.append("  limits hit: \(l.pidsRefused) process(es) refused, \(l.oomKills) OOM kill(s)"
                       + (l.cpuTime ? ", CPU time" : ""))
        }
        return out
    }

    private static func counts(_ s: InspectorSummary) -> String {
        "\(s.requests) request(s): \(s.forwarded) forwarded, \(s.blocked) blocked, \(s.rejected) rejected, "
            + "\(s.errors) upstream error(s), \(s.tunnels) tunnel(s)"
    }
}
