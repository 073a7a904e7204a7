// The results as the reports see them: compare's two arms, probe's sensitivity table.

public struct CompareReport: Sendable {
    public var command: [String]
    public var hostRequests: Int
    public var veilRequests: Int
    public var requests: RequestsComparison
    /// stdout, exit status and workdir files (request 0).
    public var output: [Difference]
    public var outputVolatile: [VolatileHit]
    public var raw: Bool
    /// Things the reader should know (an arm that failed, a record line skipped).
    public var notes: [String]

    public init(command: [String], hostRequests: Int, veilRequests: Int, requests: RequestsComparison,
                output: [Difference] = [], outputVolatile: [VolatileHit] = [], raw: Bool = false, notes: [String] = []) {
        self.command = command
        self.hostRequests = hostRequests
        self.veilRequests = veilRequests
        self.requests = requests
        self.output = output
        self.outputVolatile = outputVolatile
        self.raw = raw
        self.notes = notes
    }

    /// Exit status 4 when the prompt differs beyond volatile values; the agent's own output
    /// is shown but does not gate (outside the sandbox it is expected to differ).
    public var exitStatus: Int32 { requests.differences.isEmpty ? 0 : 4 }
}

public struct ProbeReport: Sendable {
    public var command: [String]
    public var result: ProbeResult
    public var wallSeconds: Double
    public var runs: Int
    public var parallel: Int
    public var notes: [String]
    /// The words the agent wrote with curly quotes or dashes in its neutral runs: what its
    /// profile's `own_typography` should list (sorted, once each).
    public var ownTypography: [String] = []

    public init(command: [String], result: ProbeResult, wallSeconds: Double, runs: Int, parallel: Int, notes: [String] = []) {
        self.command = command
        self.result = result
        self.wallSeconds = wallSeconds
        self.runs = runs
        self.parallel = parallel
        self.notes = notes
    }

    public var exitStatus: Int32 { result.changed ? 4 : 0 }
}

/// Exit status of compare and probe when a difference (beyond volatile values) was found.
public let differenceExitStatus: Int32 = 4

func countByKind(_ ds: [Difference]) -> [(DifferenceKind, Int)] {
    DifferenceKind.allCases.compactMap { k in
        let n = ds.filter { $0.kind == k }.count
        return n > 0 ? (k, n) : nil
    }
}
