import Foundation
import VeilScan

/// The `--report` JSON: what the inspector saw over a run.
public struct InspectorSummary: Sendable, Codable, Equatable {
    public var requests = 0
    public var forwarded = 0
    public var blocked = 0
    /// Requests refused before inspection (413, CONNECT denied, unknown host).
    public var rejected = 0
    /// Upstream failures answered with 502/504.
    public var errors = 0
    public var tunnels = 0
    public var findings = 0
    public var findingsByKind: [String: Int] = [:]
    public init() {}
}

/// Counters shared by all connections; one lock, touched once per exchange.
final class InspectorStats: @unchecked Sendable {
    private let lock = NSLock()
    private var summary = InspectorSummary()

    func update(_ body: (inout InspectorSummary) -> Void) {
        lock.lock()
        body(&summary)
        lock.unlock()
    }

    func record(findings: [Finding]) {
        guard !findings.isEmpty else { return }
        update { s in
            s.findings += findings.count
            for f in findings { s.findingsByKind[f.kind.rawValue, default: 0] += 1 }
        }
    }

    func snapshot() -> InspectorSummary {
        lock.lock()
        defer { lock.unlock() }
        return summary
    }
}
