import Foundation
import VeilProfile
import VeilScan

/// The line veil writes to the terminal when it blocks a request, so the user learns of it
/// whatever the agent makes of the error: what was blocked, what kind of finding and where,
/// and where to read more. It names no host value: a canary by its label (`time zone`), a rule
/// by its name, hidden tag text by its length (its code points spell the text), and the
/// request target is left out when anything was found in it.
public enum BlockNotice {
    /// `blocking`: the findings in block mode, first the one that decided.
    public static func line(method: String, target: String, findings: [Finding], blocking: [Finding],
                            canaries: [Canary], recordPath: String?) -> String {
        let shown = blocking.first ?? findings.first
        var what = shown.map { describe($0) + " at " + clip(hideCanaries($0.path, canaries), 60) } ?? "a finding"
        let others = (blocking.isEmpty ? findings.count : blocking.count) - 1
        if others > 0 { what += " and \(others) more" }
        let see = recordPath.map { "see the record \($0)" } ?? "rerun with --record FILE to see it"
        return "veil: blocked \(method) \(shownTarget(target, findings: findings, canaries: canaries)): \(what) — \(see)"
    }

    static func describe(_ f: Finding) -> String {
        switch f.kind {
        case .canary:
            // The scanner writes `LABEL "matched text"`; only the label is shown.
            let label = f.detail.components(separatedBy: " \"").first ?? ""
            return label.isEmpty ? "canary" : "canary (\(label))"
        case .rule:
            return f.rule.map { "rule \"\($0)\"" } ?? "rule"
        case .tag:
            return "tag (\(f.codePoints.count) hidden characters)"
        default:
            let cps = f.codePoints.prefix(2).map { String(format: "U+%04X", $0) }
            return ([f.kind.rawValue] + cps).joined(separator: " ")
        }
    }

    /// The path without its query (keys travel there), unless a finding is in the target.
    static func shownTarget(_ target: String, findings: [Finding], canaries: [Canary]) -> String {
        if findings.contains(where: { $0.path == "uri" }) { return "‹request target›" }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return TerminalText.line(clip(hideCanaries(path, canaries), 80))
    }

    static func hideCanaries(_ text: String, _ canaries: [Canary]) -> String {
        var t = text
        for c in canaries where c.value.count >= 2 {
            t = t.replacingOccurrences(of: c.value, with: "‹\(c.label)›", options: .caseInsensitive)
        }
        return t
    }

    static func clip(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n)) + "…"
    }
}
