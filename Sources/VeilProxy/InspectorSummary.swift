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
    /// The sandbox's [limits] the agent ran into, where veil could see them (absent: none).
    public var limitsHit: LimitsHit?
    public init() {}

    public struct LimitsHit: Sendable, Codable, Equatable {
        public var pidsRefused: Int
        public var oomKills: Int
        public var cpuTime: Bool
        public init(pidsRefused: Int, oomKills: Int, cpuTime: Bool) {
            (self.pidsRefused, self.oomKills, self.cpuTime) = (pidsRefused, oomKills, cpuTime)
        }
    }
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
