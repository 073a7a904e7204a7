import Foundation
import NIOConcurrencyHelpers
import VeilProfile
import VeilScan

/// The run's InspectorSummary as it grows: counters shared by all connections, behind one
/// lock touched once per exchange; `snapshot()` is the summary the report shows.
final class LiveSummary: Sendable {
    private let summary = NIOLockedValueBox(InspectorSummary())

    func update(_ body: (inout InspectorSummary) -> Void) {
        summary.withLockedValue(body)
    }

    /// Counted by kind; listed with the request as the block notice shows it (no canary value
    /// in the path or the target).
    func record(findings: [Finding], method: String, target: String, config: InspectorConfig) {
        guard !findings.isEmpty else { return }
        let canaries = config.canaries
        let request = method + " " + BlockNotice.shownTarget(target, findings: findings, canaries: canaries)
        let severities = findings.map { severity(of: $0, modes: config.modes, rules: config.rules) }
        update { s in
            s.findings += findings.count
            for (f, level) in zip(findings, severities) {
                s.findingsByKind[f.kind.rawValue, default: 0] += 1
                s.findingsBySeverity[level.rawValue, default: 0] += 1
                guard s.findingList.count < InspectorSummary.listLimit else { continue }
                s.findingList.append(.init(kind: f.kind.rawValue, severity: level.rawValue,
                                           at: BlockNotice.hideCanaries(f.path, canaries), offset: f.offset,
                                           codePoints: f.codePoints.map { String(format: "U+%04X", $0) },
                                           what: BlockNotice.describe(f), request: request,
                                           word: f.word.map { BlockNotice.hideCanaries($0, canaries) }))
            }
        }
    }

    /// A refused or blocked exchange, counted by the caller as rejected or blocked.
    func refused(_ request: String, status: Int, reason: String) {
        let time = Date().formatted(.iso8601)
        update { s in
            guard s.refusals.count < InspectorSummary.listLimit else { return }
            s.refusals.append(.init(time: time, request: request, status: status, reason: reason))
        }
    }

    func snapshot() -> InspectorSummary { summary.withLockedValue { $0 } }
}
