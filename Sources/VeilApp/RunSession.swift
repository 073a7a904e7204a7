import Foundation
import VeilProfile
import VeilProxy
import VeilSandbox
import VeilScan

/// `veil run`: plan the sandbox from the profile and the host, start it, serve its inspector,
/// and return the agent's exit status.
public struct RunOptions: Sendable {
    public var profile: String?
    public var workdir: String?
    public var verbose = false
    public var upstream: String?
    public var recordPath: String?
    public var reportPath: String?
    public var failOnMarker = false
    /// Dimensions set to decoy values (`veil probe`).
    public var decoys: [Decoy] = []
    /// Profiles from ./.veil/profiles may be used.
    public var trustProject = false
    public var command: [String]

    public init(command: [String]) { self.command = command }
}

public enum RunSession {
    /// Exit status when `--fail-on-marker` is set and the inspector found something.
    public static let markerStatus: Int32 = 3

    public static func run(_ o: RunOptions) -> Int32 {
        let env = ProcessInfo.processInfo.environment
        do {
            let prepared = try prepare(o, environment: env)
            if o.verbose { describe(prepared.plan, profile: prepared.profile) }
            return try launch(prepared, o)
        } catch let e as SandboxError {
            stderrLine(e.description)
            return e.exitStatus
        } catch let e as CustomStringConvertible where !(e is SandboxError) {
            stderrLine(e.description.hasPrefix("veil") ? e.description : "veil: \(e.description)")
            return 125
        } catch {
            stderrLine("veil: \(error)")
            return 125
        }
    }

    struct Prepared {
        var profile: Profile
        var plan: LaunchPlan
        var inspector: InspectorConfig
    }

    static func prepare(_ o: RunOptions, environment env: [String: String]) throws -> Prepared {
        guard let name = o.command.first else { throw SandboxError(.resolve, errno: ENOENT, "no command given") }
        var profile = try ProfileSelection.load(o.profile, command: name, trustProject: o.trustProject)
        Decoy.apply(o.decoys, to: &profile)
        let hostHome = env["HOME"] ?? NSHomeDirectory()
        let cwd = FileManager.default.currentDirectoryPath
        let workdirArg = o.workdir.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd
        guard let workdir = CommandResolver.realpath(workdirArg) else {
            throw SandboxError(.chdir, errno: ENOENT, "workdir \(workdirArg) does not exist")
        }
        let facts = HostFacts.capture(environment: env, workdir: workdir)
        let command = try CommandResolver.resolve(name, searchPath: env["PATH"] ?? "/usr/bin:/bin", cwd: cwd, home: hostHome)

        let state = StateDirs(environment: env, home: hostHome)
        let machineID = try state.prepare(profile: profile.name)
        state.carryIn(profile.filesystem.homeFiles, from: hostHome, profile: profile.name)
        let avoid = [facts.userName, facts.hostname] + facts.fullName.split(separator: " ").map(String.init)
        let workdirName = try WorkdirRegistry.neutralName(for: workdir, stateRoot: state.root, avoid: avoid)

        let port = profile.inspector.port
        var wiring = InspectorWiring.make(profile: profile, hostEnvironment: env, port: port, upstreamOverride: o.upstream)
        let decoyHosts = Decoy.applyNetwork(o.decoys, to: &wiring, port: port)
        var inputs = PlanInputs(
            profile: profile, hostEnvironment: env, hostHome: hostHome, command: command,
            arguments: Array(o.command.dropFirst()), hostWorkdir: workdir, workdirName: workdirName,
            profileHome: state.home(profile.name), machineID: machineID, bootID: uuidString(), layout: .probe())
        inputs.environmentOverrides = wiring.environment
        inputs.inspectorPort = port
        inputs.extraHosts = decoyHosts
        if let locale = o.decoys.last(where: { $0.dimension == .locale }) { inputs.forcedLocale = locale.value }
        let plan = Planner.plan(inputs)

        let config = InspectorConfig(
            routes: wiring.routes, canaries: canaries(facts), rules: profile.inspector.rules,
            modes: profile.inspector.modes, maxBodyBytes: profile.inspector.maxBodyBytes,
            recordPath: o.recordPath, credentials: wiring.credentials,
            // With --upstream (the stub or a chosen server) a run makes no other outbound
            // connection at all: tunnels to the profile's hosts are refused too.
            connectAllow: o.upstream == nil ? profile.inspector.connectAllow : [], hostEnvironment: env)
        return Prepared(profile: profile, plan: plan, inspector: config)
    }

    static func launch(_ p: Prepared, _ o: RunOptions) throws -> Int32 {
        // Fork first, while veil is single-threaded; NIO's threads start after, and only when
        // the agent first connects to the inspector: a run that never does pays nothing.
        let sandbox = try Sandbox.start(p.plan)
        var inspector: Inspector?
        var startError: Error?
        defer { inspector?.shutdown() }
        try sandbox.awaitExec()
        var status = sandbox.wait(onFirstConnection: sandbox.inspectorSocket.map { fd in
            {
                do { inspector = try Inspector.start(boundSocket: fd, config: p.inspector) } catch {
                    // Fail closed: the agent's connection goes unanswered, and the run says why.
                    startError = error
                    stderrLine("veil: the inspector did not start: \(error)")
                }
            }
        })
        if startError != nil && status == 0 { status = 125 }
        if let path = o.reportPath { try writeReport(inspector?.summary() ?? InspectorSummary(), to: path) }
        if let summary = inspector?.summary(), o.failOnMarker && summary.findings > 0 {
            stderrLine("veil: the inspector found \(summary.findings) marker(s); see the record for details")
            status = markerStatus
        }
        return status
    }

    static func canaries(_ facts: HostFacts) -> [Canary] { facts.canaries() }

    static func writeReport(_ summary: InspectorSummary, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: path))
    }

    static func uuidString() -> String { UUID().uuidString.lowercased() }

    static func describe(_ plan: LaunchPlan, profile: Profile) {
        stderrLine("veil: profile \(profile.name); workdir \(plan.cwd); exec \(plan.argv.joined(separator: " "))")
        let r = plan.environmentReport
        if !r.dropped.isEmpty { stderrLine("veil: dropped from the environment: \(r.dropped.joined(separator: " "))") }
        if !r.rewritten.isEmpty { stderrLine("veil: rewritten: \(r.rewritten.joined(separator: " "))") }
        if !r.passed.isEmpty { stderrLine("veil: passed through: \(r.passed.joined(separator: " "))") }
        for op in plan.mounts { stderrLine("veil: mount \(op)") }
    }
}

func stderrLine(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
