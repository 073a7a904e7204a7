import CVeilShim
import Glibc

/// The sandbox's side of a launch. `run` executes in the child made by clone(): PID 1 of the
/// new PID namespace, single-threaded, already inside every new namespace. The steps are the
/// architecture; read them top to bottom.
enum InitSequence {
    struct Channels {
        /// Where the plan comes from: its basics, then the rest (InitPlan).
        var plan: Int32
        /// Where setup errors go (close-on-exec: EOF tells veil the agent started).
        var errors: Int32
        /// Where the inspector's listening socket and the staging root go to veil, and veil's
        /// word that the root's files are written comes back.
        var sockets: Int32
        /// Where the seccomp filter, compiled by veil meanwhile, comes from.
        var filter: Int32
        /// Where the agent's status goes once nothing of the sandbox runs any more.
        var status: Int32
    }

    static func run(outsideUID: uid_t, outsideGID: gid_t, _ ch: Channels) -> Never {
        do {
            InitProcess.dieWithVeil()
            // While veil plans: what needs neither the plan nor mapped ids.
            try NetworkNamespace.bringUpLoopback()
            // Private first, so no mount below reaches the host.
            try Mounts.makePrivate()
            // End of file instead of a plan: veil gave up (a bad profile, say) and said why.
            guard let basics = try PlanMessage.receive(from: ch.plan).map(LaunchPlan.Basics.init(decoding:)) else { _exit(125) }
            // No file can be made before the ids are mapped.
            try UserNamespace.mapIDs(insideUID: basics.uid, insideGID: basics.gid, outsideUID: outsideUID, outsideGID: outsideGID)
            try Mounts.enterStaging()
            // The inspector's socket and the staging root go to veil back to back: it takes
            // both once it has planned, and writes the root's plain files while we mount.
            if let port = basics.inspectorPort {
                let fd = try NetworkNamespace.inspectorSocket(port: port)
                try NetworkNamespace.send(fd, over: ch.sockets)
                close(fd)
            }
            try RootHandoff.sendRoot(over: ch.sockets)
            guard let plan = try PlanMessage.receive(from: ch.plan).map(InitPlan.init(decoding:)) else { _exit(125) }
            close(ch.plan)
            let image = AgentImage(plan)
            try Mounts.stageMasks(plan.mounts)
            // veil makes the directories to mount on meanwhile, then writes the root's files
            // while we mount (RootFiles). Where it is late, we make the directories too.
            let made = RootHandoff.done(.mountPoints, over: ch.sockets) ? plan.madeByVeil : []
            try Mounts.apply(plan.mounts, madeByVeil: made)
            try RootHandoff.await(.files, over: ch.sockets)
            close(ch.sockets)
            try Mounts.switchRoot()
            try UTSNamespace.setHostname(plan.hostname)

            // PID 1 is a copy of veil: its argv names veil's path, its memory holds the host's
            // environment. Non-dumpable hides environ, exe and maps from the agent; the
            // argv area (world-readable as /proc/1/cmdline) is overwritten.
            _ = veil_set_dumpable(0)
            InitProcess.disguise()
            let filter = try SeccompFilter.receive(from: ch.filter)
            close(ch.filter)

            // PID 1 keeps nothing it does not need to reap and forward signals, and the agent,
            // made next, inherits the empty sets.
            try Capabilities.dropAll()
            // The profile's limits, which the agent inherits. No core files unless it asks: a
            // crash's memory stays inside, and the host's core handler is asked for nothing.
            try ResourceLimits.apply(plan.limits)
            var answer = plan.kernel.answer()
            let agent = try AgentExec.spawn(image, filter: filter, errors: ch.errors)
            close(ch.errors)
            // PID 1 answers the agent's uname calls until the agent and its descendants are gone.
            let status = withUnsafePointer(to: &answer) { reply in
                SignalForwarding.wait(for: agent.pid, reapAll: true, terminal: image.terminal.fd,
                                      service: (agent.unameListener, { KernelIdentity.serve(agent.unameListener, answer: reply) }))
            }
            // Nothing outlives the agent: then veil may return before the kernel has torn
            // the namespaces down.
            InitProcess.endAll()
            SignalForwarding.report(status, to: ch.status)
            _exit(status)
        } catch {
            report(error, to: ch.errors)
            _exit(125)
        }
    }

    /// Writes `stage<TAB>errno<TAB>detail` in one write, which the pipe keeps whole.
    static func report(_ error: Error, to fd: Int32) {
        let e = error as? SandboxError ?? SandboxError(.plan, errno: 0, "\(error)")
        let line = Array("\(e.stage.rawValue)\t\(e.errno)\t\(e.detail)".utf8.prefix(4000))
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static func parseReport(_ bytes: [UInt8]) -> SandboxError? {
        guard !bytes.isEmpty else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let stage = SandboxError.Stage(rawValue: String(parts[0])) else {
            return SandboxError(.plan, errno: 0, String(decoding: bytes, as: UTF8.self))
        }
        return SandboxError(stage, errno: Int32(parts[1]) ?? 0, String(parts[2]))
    }
}
