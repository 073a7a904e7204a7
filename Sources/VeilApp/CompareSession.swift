import VeilLaunch
import Foundation
import VeilCompare
import VeilProfile
import VeilProxy
import VeilScan

/// `veil compare`: the same command on the host as it is (every variable unchanged; its network
/// leads to a recorder here, see HostArm) and under `veil run`, each on its own copy of the
/// workdir, against the same upstream; then the difference, byte for byte.
public struct CompareOptions: Sendable {
    public var profile: String?
    public var upstream = "stub"
    public var workdir: String?
    public var jsonPath: String?
    public var htmlPath: String?
    public var raw = false
    public var timeout: Double = 600
    public var keepTemp = false
    public var command: [String]
    public init(command: [String]) { self.command = command }
}

public enum CompareSession {
    public static func run(_ o: CompareOptions) -> Int32 {
        do {
            let report = try compare(o)
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            FileHandle.standardOutput.write(Data(TerminalReport.compare(report, style: TerminalStyle(color: color)).utf8))
            if let p = o.jsonPath { try JSONReport.compare(report).write(toFile: p, atomically: true, encoding: .utf8) }
            if let p = o.htmlPath { try HTMLReport.compare(report).write(toFile: p, atomically: true, encoding: .utf8) }
            return report.exitStatus
        } catch let e as NothingToCompare {
            stderrLine(e.description)
            return NothingToCompare.exitStatus
        } catch {
            stderrLine("\(error)")
            return 125
        }
    }

    static func compare(_ o: CompareOptions) throws -> CompareReport {
        let env = ProcessInfo.processInfo.environment
        let profile = try ProfileSelection.load(o.profile, command: o.command[0]).profile
        if profile.inspector.baseURLs.isEmpty {
            stderrLine("veil: profile \(profile.name) routes no base-URL variable: the agent will not reach the inspector; pick one with --profile (e.g. claude-code)")
        }
        let workdir = try RunWorkspace.resolveWorkdir(o.workdir)
        let space = try RunWorkspace(prefix: "veil-compare", keep: o.keepTemp)
        defer { space.cleanUp() }
        let hostCopy = try CompareWorkdir.copy(workdir, into: space.path("host"))
        let veilCopy = try CompareWorkdir.copy(workdir, into: space.path("veil"))
        let facts = HostFacts.capture(environment: env, workdir: workdir)

        // Host arm: the agent as the host runs it, every variable unchanged, in a network of its
        // own where its base URLs and proxies lead to a recorder (HostArm).
        let host = try HostArm(profile: profile, environment: env, upstream: o.upstream, command: o.command,
                               workdir: workdir, copy: hostCopy, space: space)
        defer { host.shutdown() }
        let (hostChild, hostRecord) = (host.child, host.record)

        // Veil arm: `veil run` as a user would run it, with a private state directory so that
        // the run starts like every other and leaves the user's profile state alone.
        let veilRecord = space.path("veil.jsonl")
        var veilArgs = [ChildProcess.veilBinary(), "run", "--upstream", o.upstream, "--record", veilRecord, "--workdir", veilCopy]
        if let p = o.profile { veilArgs += ["--profile", p] }
        var veilEnv = env
        veilEnv["XDG_STATE_HOME"] = space.path("state")
        let veilChild = try ChildProcess(argv: veilArgs + ["--"] + o.command, environment: veilEnv, cwd: veilCopy, logPrefix: space.path("veil"))

        Verbosity.say(1, "compare: veil arm: " + (veilArgs + ["--"] + o.command).joined(separator: " "))
        Verbosity.say(2, "compare: workspace \(space.root) (records host.jsonl, veil.jsonl; logs host.*, veil.*)")
        try veilChild.start()
        do { try host.start() } catch {
            _ = veilChild.wait(timeout: 0)
            throw error
        }
        let statuses = CompareProgress.await([("host", hostChild, hostRecord), ("veil", veilChild, veilRecord)], timeout: o.timeout)
        let (hostStatus, veilStatus) = (statuses[0], statuses[1])
        host.shutdown()
        return try assemble(o, profile: profile.name, facts: facts, workdir: workdir, copies: (hostCopy, veilCopy),
                            records: (hostRecord, veilRecord), children: (hostChild, veilChild), statuses: (hostStatus, veilStatus))
    }

    static func assemble(_ o: CompareOptions, profile: String, facts: HostFacts, workdir: String, copies: (String, String),
                         records: (String, String), children: (ChildProcess, ChildProcess),
                         statuses: (Int32, Int32)) throws -> CompareReport {
        var notes: [String] = []
        // The host arm's agent works in a copy laid over the real directory, so it sees the real
        // path; should the copy's path show anyway (in /proc/self/mountinfo, say), it is put back
        // before comparing (and then it is the workdir canary it really is).
        let hostLoaded = RecordLoader.parse(mapPath(read(records.0), from: copies.0, to: workdir))
        let veilLoaded = RecordLoader.parse(read(records.1))
        // veil itself failed (125: no sandbox, 126/127: command not runnable inside): no comparison.
        if statuses.1 >= 125, statuses.1 < 128, veilLoaded.requests.isEmpty {
            throw CompareError("the veil arm failed (exit \(statuses.1)):\n" + ChildProcess.tail(children.1.stderr, lines: 4))
        }
        for (arm, loaded, child, status) in [("host arm", hostLoaded, children.0, statuses.0), ("veil arm", veilLoaded, children.1, statuses.1)]
            where loaded.requests.isEmpty {
            throw NothingToCompare(arm: arm, status: status, timedOut: child.timedOut, profile: profile,
                                   stderrTail: ChildProcess.tail(child.stderr, lines: 4))
        }
        if hostLoaded.skipped + veilLoaded.skipped > 0 { notes.append("\(hostLoaded.skipped + veilLoaded.skipped) record line(s) could not be read") }
        for (name, child, status) in [("host", children.0, statuses.0), ("veil", children.1, statuses.1)] {
            if child.timedOut { notes.append("the \(name) arm did not finish in \(Int(o.timeout)) s and was stopped") }
            if status != 0 { notes.append("the \(name) arm exited \(status): " + ChildProcess.tail(child.stderr, lines: 3)) }
        }
        if let why = veilLoaded.requests.compactMap(\.refusal).first {
            notes.append("the veil arm's inspector did not forward a request: " + why)
        }
        // The host's user, host name and home are canaries here at any length (CompareCanaries).
        let neutral = Profile.Identity()
        let canaries = CompareCanaries.make(facts: facts, workdir: workdir, sandbox: (neutral.user, neutral.hostname))
        let normalizer = Normalizer(enabled: !o.raw, protected: canaries.protected)
        let attributor = canaries.attributor
        let requests = CompareEngine.compare(hostLoaded.requests, veilLoaded.requests, normalizer: normalizer, attributor: attributor)
        let hostOut = ArmOutput(stdout: mapPath(children.0.stdout, from: copies.0, to: workdir), exitStatus: statuses.0,
                                changedFiles: CompareWorkdir.changes(original: workdir, copy: copies.0))
        let veilOut = ArmOutput(stdout: children.1.stdout, exitStatus: statuses.1,
                                changedFiles: CompareWorkdir.changes(original: workdir, copy: copies.1))
        let output = OutputCompare.compare(hostOut, veilOut, normalizer: normalizer, attributor: attributor)
        return CompareReport(command: o.command, hostRequests: hostLoaded.requests.count, veilRequests: veilLoaded.requests.count,
                             requests: requests, output: output.differences, outputVolatile: output.volatile, raw: o.raw, notes: notes)
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The copy's path back to the real one, also in its dash-encoded form.
    static func mapPath(_ s: String, from copy: String, to real: String) -> String {
        guard copy != real else { return s }
        return s.replacingOccurrences(of: copy, with: real)
            .replacingOccurrences(of: copy.replacingOccurrences(of: "/", with: "-"), with: real.replacingOccurrences(of: "/", with: "-"))
    }
}
