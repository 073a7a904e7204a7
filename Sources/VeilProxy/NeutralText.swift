import Foundation
import VeilScan

/// veil's own words to the agent (its error messages) carry no host fact: an upstream
/// gateway's name, a path under the host's home, are replaced by what they are
/// (`‹base-URL host›`). Otherwise an error about the upstream would tell the sandbox what the
/// sandbox hides, and the agent's next request would carry it out. The record, on the host,
/// keeps the message whole.
struct NeutralText: Sendable {
    /// Longest value first, so that a canary containing a shorter one is replaced whole.
    let canaries: [Canary]

    init(canaries: [Canary]) {
        self.canaries = canaries.filter { !$0.value.isEmpty }.sorted { $0.value.count > $1.value.count }
    }

    func apply(_ text: String) -> String {
        var out = text
        for c in canaries where out.range(of: c.value, options: .caseInsensitive) != nil {
            out = out.replacingOccurrences(of: c.value, with: "‹\(c.label)›", options: .caseInsensitive)
        }
        return out
    }
}
