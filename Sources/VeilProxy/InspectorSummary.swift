import Foundation
import VeilScan
import VeilProfile

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
    /// `typography`, `marker`, `block` (VeilProfile.Severity): what a `--fail-on` gate reads.
    public var findingsBySeverity: [String: Int] = [:]
    /// Each finding: its kind, where, the code points and the request (a canary by its label
    /// alone: the report may travel further than the record). The first `listLimit`.
    public var findingList: [ReportedFinding] = []
    /// Each exchange refused or blocked: when, what, the status and why. The first `listLimit`.
    public var refusals: [Refusal] = []
    static let listLimit = 1000
    /// The sandbox's [limits] the agent ran into, where veil could see them (absent: none).
    public var limitsHit: LimitsHit?
    public init() {}

    /// The `--report` file's bytes, as `veil run`, `veil inspect` and `veil report --format
    /// json` write them: one writer, so a merged summary reads back like any run's.
    public func reportJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Findings at `level` or above: a gate at that level fails the run when this is not 0.
    public func findings(atLeast level: Severity) -> Int {
        Severity.allCases.filter { $0 >= level }.reduce(0) { $0 + findingsBySeverity[$1.rawValue, default: 0] }
    }

    public struct ReportedFinding: Sendable, Codable, Equatable {
        public var kind: String
        public var severity: String
        /// A JSON path, `uri`, `header:NAME` or `header-name`.
        public var at: String
        public var offset: Int
        public var codePoints: [String]
        /// `canary (time zone)`, `U+02BC`, a rule's name.
        public var what: String
        /// `POST /v1/messages`, `WS /v1/responses`.
        public var request: String
        /// For look-alikes, the word holding one (`Don’t`): what `own_typography` lists. A
        /// canary in it shows as its label, as in `at`.
        public var word: String?
    }

    public struct Refusal: Sendable, Codable, Equatable {
        public var time: String
        /// `CONNECT example.com:443`, `POST /v1/messages`.
        public var request: String
        public var status: Int
        public var reason: String
    }

    public struct LimitsHit: Sendable, Codable, Equatable {
        public var pidsRefused: Int
        public var oomKills: Int
        public var cpuTime: Bool
        public init(pidsRefused: Int, oomKills: Int, cpuTime: Bool) {
            (self.pidsRefused, self.oomKills, self.cpuTime) = (pidsRefused, oomKills, cpuTime)
        }
    }
}
