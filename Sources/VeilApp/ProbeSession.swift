import VeilLaunch
import Foundation
import VeilCompare
import VeilProfile

/// `veil probe`: the command under `veil run` against the stub, twice as a neutral baseline
/// (what differs between those two is volatile), then once per decoy value of each dimension,
/// several at a time; then which dimensions change the outbound prompt, and how.
public struct ProbeOptions: Sendable {
    public var profile: String?
    public var vary: String?
    public var decoysFile: String?
    public var workdir: String?
    public var jsonPath: String?
    public var htmlPath: String?
    public var jobs: Int?
    public var timeout: Double = 600
    public var keepTemp = false
    public var command: [String]
    public init(command: [String]) { self.command = command }
}

public enum ProbeSession {
    public static func run(_ o: ProbeOptions) -> Int32 {
        do {
            let report = try probe(o)
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            FileHandle.standardOutput.write(Data(TerminalReport.probe(report, style: TerminalStyle(color: color)).utf8))
            if let p = o.jsonPath { try JSONReport.probe(report).write(toFile: p, atomically: true, encoding: .utf8) }
            if let p = o.htmlPath { try HTMLReport.probe(report).write(toFile: p, atomically: true, encoding: .utf8) }
            return report.exitStatus
        } catch let e as NothingToCompare {
            stderrLine(e.description)
            return NothingToCompare.exitStatus
        } catch {
            stderrLine("\(error)")
            return 125
        }
    }

    static func probe(_ o: ProbeOptions) throws -> ProbeReport {
        let started = Date()
        let dims = try ProbeDecoys.select(o.vary, from: ProbeDecoys.load(file: o.decoysFile))
        let profile = try ProfileSelection.load(o.profile, command: o.command[0]).profile
        if profile.inspector.baseURLs.isEmpty {
            stderrLine("veil: profile \(profile.name) routes no base-URL variable: the agent will not reach the inspector; pick one with --profile (e.g. claude-code)")
        }
        let workdir = try RunWorkspace.resolveWorkdir(o.workdir)
        let space = try RunWorkspace(prefix: "veil-probe", keep: o.keepTemp)
        defer { space.cleanUp() }

        var specs = [ProbeRunSpec(name: "baseline", decoy: nil), ProbeRunSpec(name: "baseline (again)", decoy: nil)]
        for (dim, values) in dims {
            for v in values { specs.append(ProbeRunSpec(name: "\(dim)=\(v)", decoy: Decoy(dimension: Decoy.Dimension(rawValue: dim)!, value: v))) }
        }
        let jobs = max(1, o.jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        let outcomes = try ProbeScheduler(options: o, workdir: workdir, space: space, jobs: jobs).run(specs)

        let baseline = outcomes[0], again = outcomes[1]
        // The verdict is about the prompt; an agent that exits otherwise under a decoy is
        // noted, and one that sends nothing at all counts as changed (ProbeAnalysis).
        var notes: [String] = []
        for (i, out) in outcomes.enumerated() where out.status != baseline.status || (i < 2 && out.status != 0) {
            let refused = out.requests.compactMap(\.refusal).first.map { "; the inspector refused a request: " + $0 } ?? ""
            notes.append("\(specs[i].name): exited \(out.status)" + (i < 2 ? "" : " (baseline \(baseline.status))") + refused
                         + (out.stderrTail.isEmpty ? "" : ": " + out.stderrTail))
        }
        // Without a baseline request there is nothing to compare: an error, not "no dependence".
        guard !baseline.requests.isEmpty else {
            throw NothingToCompare(arm: "baseline run", status: baseline.status, timedOut: false, profile: profile.name,
                                   stderrTail: baseline.stderrTail)
        }
        var variations: [(dimension: String, value: String, run: ProbeRun)] = []
        for (i, spec) in specs.enumerated().dropFirst(2) {
            let out = outcomes[i]
            // 125: veil itself failed (the sandbox did not start), not the agent.
            let error: String? = out.status >= 125 && baseline.status < 125 && out.requests.isEmpty
                ? "veil run failed (exit \(out.status)): " + out.stderrTail : nil
            variations.append((spec.decoy!.dimension.rawValue, spec.decoy!.value, ProbeRun(requests: out.requests, error: error)))
        }
        let result = ProbeAnalysis.analyze(baseline: ProbeRun(requests: baseline.requests), repeat: ProbeRun(requests: again.requests),
                                           variations: variations, normalizer: Normalizer())
        var report = ProbeReport(command: o.command, result: result, wallSeconds: Date().timeIntervalSince(started),
                                 runs: specs.count, parallel: jobs, notes: notes)
        report.ownTypography = Array(Set((baseline.requests + again.requests).flatMap(\.typographyWords))).sorted()
        return report
    }
}

struct ProbeRunSpec {
    var name: String
    var decoy: Decoy?
}

struct ProbeOutcome {
    var status: Int32
    var requests: [RecordedRequest]
    var stderrTail: String
}
