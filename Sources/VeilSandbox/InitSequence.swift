import CVeilShim
import Glibc

/// The sandbox's side of a launch. `run` executes in the child made by clone(): PID 1 of the
/// new PID namespace, single-threaded, already inside every new namespace. The steps are the
/// architecture; read them top to bottom.
enum InitSequence {
    /// `channel`: PID 1's end of the launch's socket pair (LaunchHandshake).
    static func run(outsideUID: uid_t, outsideGID: gid_t, channel: LaunchChannel) -> Never {
        do {
            InitProcess.dieWithVeil()
            // While veil plans: what needs neither the plan nor mapped ids.
            try NetworkNamespace.bringUpLoopback()
            // Private first, so no mount below reaches the host.
            try Mounts.makePrivate()
            // End of file instead of a plan: veil gave up (a bad profile, say) and said why.
            guard case .basics(let basics)? = try channel.receive()?.0 else { _exit(125) }
            // No file can be made before the ids are mapped.
            try UserNamespace.mapIDs(insideUID: basics.uid, insideGID: basics.gid, outsideUID: outsideUID, outsideGID: outsideGID)
            try Mounts.enterStaging()
            // The inspector's socket and the staging root go to veil back to back: it takes
            // both once it has planned, and writes the root's plain files while we mount.
            if let port = basics.inspectorPort {
                let fd = try NetworkNamespace.inspectorSocket(port: port)
                defer { close(fd) }
                if let e = channel.send(.inspectorSocket, attaching: fd) { throw SandboxError(.inspector, errno: e, "pass the socket to veil") }
            }
            try RootHandoff.sendRoot(over: channel)
            guard case .plan(let plan)? = try channel.receive()?.0 else { _exit(125) }
            let image = AgentImage(plan)
            try Mounts.stageMasks(plan.mounts)
            try Mounts.stageScratch(plan.mounts, memoryMB: plan.limits.memoryMB)
            // veil makes the directories to mount on meanwhile, then writes the root's files
            // while we mount (RootFiles). Where it is late, we make the directories too.
            let made = try RootHandoff.done(.mountPoints, over: channel) ? plan.madeByVeil : []
            try Mounts.apply(plan.mounts, madeByVeil: made)
            try RootHandoff.await(.files, over: channel)
            try Mounts.switchRoot()
            try UTSNamespace.setHostname(plan.hostname)

            // PID 1 is a copy of veil: its argv names veil's path, its memory holds the host's
            // environment. Non-dumpable hides environ, exe and maps from the agent; the
            // argv area (world-readable as /proc/1/cmdline) is overwritten.
            _ = veil_set_dumpable(0)
            InitProcess.disguise()
            guard case .filter(let filter)? = try channel.receive()?.0 else {
                throw SandboxError(.seccomp, errno: EPIPE, "no filter program from veil")
            }

            // PID 1 keeps nothing it does not need to reap and forward signals, and the agent,
            // made next, inherits the empty sets.
            try Capabilities.dropAll()
            // The profile's limits, which the agent inherits. No core files unless it asks: a
            // crash's memory stays inside, and the host's core handler is asked for nothing.
            try ResourceLimits.apply(plan.limits)
            var answer = plan.kernel.answer()
            let agent = try AgentExec.spawn(image, filter: filter)
            _ = channel.send(.agentStarted)
            // PID 1 answers the agent's uname calls, and decides its TIOCSPGRP at a terminal
            // (not while the foreground is outside), until the agent and its descendants are gone.
            let terminal = image.terminal.fd
            let status = withUnsafePointer(to: &answer) { reply in
                SignalForwarding.wait(for: agent.pid, reapAll: true, terminal: terminal,
                                      service: (agent.notifyListener, { _ = veil_notify_answer(agent.notifyListener, reply, terminal) }))
            }
            // Nothing outlives the agent: then veil may return before the kernel has torn
            // the namespaces down.
            InitProcess.endAll()
            _ = channel.send(.agentStatus(status))
            _exit(status)
        } catch {
            _ = channel.send(.failed(error as? SandboxError ?? SandboxError(.plan, errno: 0, "\(error)")))
            _exit(125)
        }
    }
}
