import CVeilShim
import Foundation
import VeilLaunch
import VeilProfile
import VeilProxy
import VeilSandbox
import VeilScan

/// `veil-core __inspector`: a run's inspector, started by `veil run` (see `InspectorProcess`).
/// It serves the listening socket made inside the sandbox (descriptor 3) until the run sends
/// SIGTERM, then writes the report and exits: 0, or `markerStatus` when it found anything at
/// the run's gate (`--fail-on`, else `marker`).
public enum InspectorService {
    public static func serve(_ h: InspectorHandoff) -> Int32 {
        // Taken with sigwait below, and blocked before NIO starts so its threads never see them.
        var stop = sigset_t()
        sigemptyset(&stop)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&stop, s) }
        sigprocmask(SIG_BLOCK, &stop, nil)
        // A run killed outright takes its inspector with it.
        _ = veil_set_pdeathsig(SIGTERM)

        let o = h.options
        Verbosity.set(o.verbosity)
        var runCA: RunCA?
        var listening = InspectorHandoff.socketFD
        if h.awaitsSocket {
            // Started before the sandbox: the CA first (veil waits for its certificate), then
            // the listening socket, once the sandbox has made it. No socket: the run failed.
            guard let (ca, fd) = receiveSocket(after: makeCA()) else { return 125 }
            (runCA, listening) = (ca, fd)
        }
        let inspector: Inspector
        do {
            var configuration = try config(h)
            configuration.runCA = runCA
            inspector = try Inspector.start(boundSocket: listening, config: configuration)
            for warning in inspector.startWarnings { stderrLine(warning) }
        } catch {
            // Fail closed: the agent's connection goes unanswered, and the run says why.
            stderrLine("veil: the inspector did not start: \(error)")
            if let path = o.reportPath { try? writeReport(InspectorSummary(), to: path, agentTrees: agentTrees(h)) }
            return 125
        }
        var info = siginfo_t()
        while sigwaitinfo(&stop, &info) < 0 && errno == EINTR {}
        inspector.shutdown()

        var summary = inspector.summary()
        let hits = InspectorHandoff.LimitHits(packed: Int32(veil_siginfo_value(&info)))
        if !hits.isEmpty {
            summary.limitsHit = .init(pidsRefused: hits.pidsRefused, oomKills: hits.oomKills, cpuTime: hits.cpuTime)
        }
        if let path = o.reportPath {
            do { try writeReport(summary, to: path, agentTrees: agentTrees(h)) } catch {
                stderrLine("veil: cannot write the report \(path): \(error)")
                return 125
            }
        }
        // The default gate is the launcher's to apply or not (only with --fail-on).
        let gate = o.failOn ?? .marker
        let failing = summary.findings(atLeast: gate)
        guard failing > 0 else { return 0 }
        if o.failOn != nil {
            stderrLine("veil: the inspector found \(failing) finding(s) at severity \(gate.rawValue) or above; "
                       + "see the record or report for details")
        }
        return InspectorHandoff.markerStatus
    }

    static func makeCA() -> RunCA? {
        do { return try RunCA() } catch {
            stderrLine("veil: cannot make the run's CA: \(error)")
            return nil
        }
    }

    /// Sends the CA's certificate on the early channel (descriptor 3) and takes the listening
    /// socket from it.
    static func receiveSocket(after ca: RunCA?) -> (RunCA, Int32)? {
        let channel = InspectorHandoff.socketFD
        defer { close(channel) }
        guard let ca else { return nil }
        let pem = Array(ca.certificatePEM.utf8)
        guard pem.withUnsafeBytes({ send(channel, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == pem.count else { return nil }
        let fd = veil_recv_fd(channel)
        return fd < 0 ? nil : (ca, fd)
    }

    /// The same profile the run chose, the host's real upstreams and keys, and the host's own
    /// values as canaries.
    static func config(_ h: InspectorHandoff) throws -> InspectorConfig {
        let o = h.options
        let env = ProcessInfo.processInfo.environment
        let profile = try ProfileSelection.load(o.profile, command: o.command.first ?? "", trustProject: o.trustProject).profile
        let wiring = InspectorWiring.make(profile: profile, hostEnvironment: env, upstreamOverride: o.upstream,
                                          placeholders: h.placeholders, earlier: h.earlier)
        let facts = HostFacts.capture(environment: env, workdir: h.workdir)
        var config = InspectorConfig(
            routes: wiring.routes, canaries: facts.canaries(), rules: profile.inspector.rules,
            modes: profile.inspector.modes, maxBodyBytes: profile.inspector.maxBodyBytes,
            recordPath: o.recordPath, credentials: wiring.credentials,
            connectAllow: profile.inspector.connectAllow, hostEnvironment: env)
        // With --upstream (the stub or a chosen server) a run makes no other outbound
        // connection at all: what the agent sends inside a tunnel, or to an allowed host it
        // names, goes there too.
        config.routesOnly = o.upstream != nil
        config.maxBufferedBytes = profile.inspector.maxBufferedBytes
        config.maxConnections = profile.inspector.maxConnections
        config.maxRecordBytes = profile.inspector.maxRecordBytes
        config.ownTypography = profile.inspector.ownTypography
        config.requestTimeoutSeconds = Int64(profile.inspector.requestTimeoutSeconds)
        config.idleTimeoutSeconds = Int64(profile.inspector.idleTimeoutSeconds)
        config.agentTrees = agentTrees(h)
        config.onBlock = { stderrNotice($0) }
        config.onNotice = { stderrNotice($0) }
        // `veil run -vv`: the run's inspector says each exchange (-v keeps the terminal to the agent).
        if h.options.verbosity >= 2 { config.onExchange = { Verbosity.say(2, "inspector: " + $0) } }
        return config
    }

    /// What the agent could write: a record or report below these never follows its links.
    static func agentTrees(_ h: InspectorHandoff) -> [String] {
        let env = ProcessInfo.processInfo.environment
        return [h.workdir, StateDirs(environment: env, home: env["HOME"] ?? HostAccount.current().home).root]
    }

    static func writeReport(_ summary: InspectorSummary, to path: String, agentTrees: [String]) throws {
        let data = try summary.reportJSON()
        let fd = try ConfinedPath.openForWriting(path, append: false, confinedTo: agentTrees, cwd: HostFiles.currentDirectory())
        defer { close(fd) }
        try ConfinedPath.writeAll(fd, Array(data), path: path)
    }
}
