import CVeilShim
import Glibc

/// veil's side of a launch, in three steps: `clonePID1()` makes the sandbox's PID 1 in every
/// new namespace at once, before veil plans; `Pending.sendBasics(_:)` lets it map its ids and
/// stage its root once the profile is known; `Pending.completeSetup(_:)` hands it the rest and
/// builds the root with it. The sandbox runs InitSequence meanwhile, and veil then serves the
/// inspector and waits.
///
/// The clone is a fork, and Swift code runs in the child. That is only safe while this
/// process has a single thread, so `clonePID1` checks it: call it before any NIO event loop or
/// Swift task exists.
public final class Sandbox {
    public let pid: pid_t
    /// The inspector's listening socket, made inside the sandbox's network namespace.
    public let inspectorSocket: Int32?
    /// veil's end of the launch channel (LaunchHandshake): the agent's start, then its status.
    private var channel: LaunchChannel?
    /// The terminal whose job control veil relays (TerminalControl), or -1.
    var terminal: Int32 = -1
    /// The sandbox's own cgroup, where the host allowed one (Cgroup).
    public internal(set) var cgroup: Cgroup?

    private init(pid: pid_t, inspectorSocket: Int32?, channel: LaunchChannel) {
        self.pid = pid
        self.inspectorSocket = inspectorSocket
        self.channel = channel
    }

    /// Step one of a launch, before veil plans: PID 1 of the sandbox is made now, by a helper
    /// (on another CPU when the machine is idle: CPUPlacement), and waits for its plan. The
    /// kernel needs about a millisecond to make a full set of namespaces; veil spends it
    /// planning. Call it before any NIO event loop or Swift task exists.
    public static func clonePID1() throws -> Pending {
        try requireSingleThread()
        SignalForwarding.block()
        let (ours, theirs) = try LaunchChannel.pair()
        let uid = getuid(), gid = getgid()
        var report: Int32 = -1
        let othersIdle = CPUPlacement.moveAside()
        let helper = veil_clone_aside(veil_sandbox_namespaces(), othersIdle ? 1 : 0, &report)
        if helper < 0 {
            let e = errno
            ours.close()
            theirs.close()
            throw SandboxError(.clone, errno: e, "fork")
        }
        if helper == 0 {
            ours.close()
            InitSequence.run(outsideUID: uid, outsideGID: gid, channel: theirs)
        }
        theirs.close()
        return Pending(helper: helper, report: report, channel: ours, othersIdle: othersIdle)
    }

    /// A sandbox whose PID 1 waits for its plan.
    public final class Pending {
        private let helper: pid_t
        private var report: Int32
        private var channel: LaunchChannel?
        private var pid: pid_t = 0
        private var basics: LaunchPlan.Basics?
        /// Nothing else was runnable when PID 1 was made (CPUPlacement).
        private let othersIdle: Bool

        fileprivate init(helper: pid_t, report: Int32, channel: LaunchChannel, othersIdle: Bool) {
            (self.helper, self.report, self.channel, self.othersIdle) = (helper, report, channel, othersIdle)
        }

        /// Step two, as soon as the profile is known: PID 1 maps its ids and enters the staging
        /// root while veil plans the rest. The socket's buffer holds these few bytes: veil
        /// does not wait.
        public func sendBasics(_ basics: LaunchPlan.Basics) throws {
            guard self.basics == nil else { return }
            self.basics = basics
            try send(.basics(basics), stage: .plan, what: "the plan's basics")
        }

        /// Step three: the rest of the plan goes to PID 1, which makes its mounts while veil
        /// writes the root's plain files, then sends the seccomp filter. `beforeTheAgent` runs
        /// meanwhile, before PID 1 may start the agent.
        public func completeSetup(_ plan: LaunchPlan, beforeTheAgent: () throws -> Void = {}) throws -> Sandbox {
            let plan = plan.withCanonicalSources
            try sendBasics(plan.basics)
            guard basics == plan.basics else { throw SandboxError(.plan, errno: EINVAL, "the plan's basics changed after they were sent") }
            // Which of the root's ops the sandbox makes and which veil writes, decided once:
            // veil makes the mount points on the new root's own tmpfs, then the plain files.
            let (outside, inside) = RootFiles.split(plan.mounts)
            let mountPoints = RootFiles.premade(plan.mounts, othersIdle: othersIdle, isDirectory: Sandbox.isDirectory)
            try send(.plan(InitPlan(plan, mounts: inside, madeByVeil: mountPoints.compactMap { $0.mountPointPath })),
                     stage: .plan, what: "the plan")
            let cgroup = Cgroup.create(limits: plan.limits)
            let pid = try awaitPID1()
            // PID 1 goes into the cgroup before the agent exists: it makes the agent only once
            // veil says the root's files are written, which waits for this (below).
            let admission = cgroup?.admit(pid)
            let sandbox = Sandbox(pid: pid, inspectorSocket: nil, channel: take(&channel)!)
            sandbox.cgroup = cgroup
            let inspector = plan.inspectorPort == nil ? nil : try sandbox.expect(.inspectorSocket, stage: .inspector)
            do {
                let root = try sandbox.expect(.stagingRoot, stage: .mount)
                defer { close(root) }
                // In the order the sandbox needs them: the mount points (its mounts start with
                // them), the files (it switches to the new root once they are there), then the
                // filter, which it reads last (built in, or compiled by veil while it switches).
                try sandbox.build(mountPoints, under: root, then: .mountPoints)
                try sandbox.build(outside, under: root, then: .files) {
                    try beforeTheAgent()
                    if let a = admission, !a.wait() {
                        throw SandboxError(.limits, errno: EPERM, "move the sandbox into its cgroup \(cgroup!.directories.joined(separator: ", "))")
                    }
                }
                try sandbox.send(.filter(try sandbox.filterProgram(plan.seccomp)), stage: .seccomp, what: "the filter")
            } catch {
                if let fd = inspector { close(fd) }
                throw error
            }
            let started = Sandbox(pid: pid, inspectorSocket: inspector, channel: sandbox.channel!)
            sandbox.channel = nil
            started.terminal = plan.terminal.fd
            started.cgroup = sandbox.cgroup
            sandbox.cgroup = nil
            return started
        }

        /// Sends a message to PID 1 (which reads it meanwhile). A sandbox that failed has no
        /// reader: its own error, which says more, is thrown instead.
        private func send(_ message: LaunchMessage, stage: SandboxError.Stage, what: String) throws {
            guard let channel, let e = channel.send(message) else { return }
            let sandbox = Sandbox(pid: try awaitPID1(), inspectorSocket: nil, channel: take(&self.channel)!)
            try sandbox.abort(SandboxError(stage, errno: e, "hand \(what) to the sandbox"))
        }

        /// veil gives up before the plan (a bad profile, a missing command): PID 1 reads end
        /// of file where its plan should be and exits.
        public func cancel() {
            take(&channel)?.close()
            if let pid = try? awaitPID1() {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }

        /// The helper's report of PID 1's pid, once its clone() has returned.
        private func awaitPID1() throws -> pid_t {
            if pid > 0 { return pid }
            let fd = report
            report = -1
            guard fd >= 0 else { throw SandboxError(.clone, errno: ECHILD, "no sandbox") }
            defer { close(fd) }
            var value: Int32 = 0
            var n: Int
            repeat { n = read(fd, &value, MemoryLayout<Int32>.size) } while n < 0 && errno == EINTR
            var status: Int32 = 0
            while waitpid(helper, &status, 0) < 0 && errno == EINTR {}
            guard n == MemoryLayout<Int32>.size, value != 0 else {
                throw SandboxError(.clone, errno: EPIPE, "the helper that makes the sandbox died")
            }
            if value < 0 {
                throw SandboxError(.clone, errno: -value, "clone(CLONE_NEWUSER|NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET|NEWCGROUP)")
            }
            pid = value
            return pid
        }

        deinit {
            if report >= 0 { close(report) }
            channel?.close()
        }
    }

    private static func take(_ c: inout LaunchChannel?) -> LaunchChannel? {
        defer { c = nil }
        return c
    }

    /// The next message from PID 1, which must be `expected` with its descriptor; PID 1's own
    /// error when it failed instead.
    private func expect(_ expected: LaunchMessage, stage: SandboxError.Stage) throws -> Int32 {
        let got: (LaunchMessage, Int32?)?
        do { got = try channel!.receive() } catch { try abort(error) }
        switch got {
        case (let message, let fd?)? where message == expected: return fd
        case (.failed(let e), _)?: try abort(e)
        default: try abort(SandboxError(stage, errno: EPROTO, "the sandbox did not send its \(expected)"))
        }
    }

    private func send(_ message: LaunchMessage, stage: SandboxError.Stage, what: String) throws {
        if let e = channel!.send(message) { try abort(SandboxError(stage, errno: e, "hand \(what) to the sandbox")) }
    }

    /// While the sandbox makes its mounts, veil writes part of the new root through the
    /// staging root's descriptor (RootFiles), then tells the sandbox that `step` is done.
    /// `beforeSignal` runs between the writing and the word.
    private func build(_ ops: [MountOp], under root: Int32, then step: RootHandoff.Step,
                       beforeSignal: () throws -> Void = {}) throws {
        do {
            try RootFiles.write(ops, under: root)
            try beforeSignal()
        } catch {
            try abort(error)
        }
        if let e = RootHandoff.signal(step, over: channel!) {
            try abort(SandboxError(.mount, errno: e, "tell the sandbox its \(step) are made"))
        }
    }

    /// Whether a bind source on the host is a directory (RootFiles.mountPoints).
    fileprivate static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The seccomp filter's program (SeccompFilter.program), read by the sandbox as its last step.
    private func filterProgram(_ policy: SeccompPolicy) throws -> [UInt8] {
        do { return try SeccompFilter.program(policy) } catch { try abort(error) }
    }

    /// Stops a sandbox whose setup veil could not finish. The sandbox's own error, if it
    /// failed first, says more, and is thrown instead.
    private func abort(_ error: Error) throws -> Never {
        kill(pid, SIGKILL)
        // The sandbox's own error, if it failed first, is in the channel before its end.
        while let (message, fd) = (try? channel?.receive()) ?? nil {
            if let fd { close(fd) }
            if case .failed(let e) = message {
                reap()
                throw e
            }
        }
        reap()
        throw error
    }

    /// Returns once the agent has been exec'd; throws the sandbox's own error otherwise. At end
    /// of file (PID 1 died without a word) it returns too: `wait` has PID 1's status.
    public func awaitExec() throws {
        guard let channel else { return }
        let got: (LaunchMessage, Int32?)?
        do { got = try channel.receive() } catch {
            reap()
            throw error
        }
        if let fd = got?.1 { close(fd) }
        switch got?.0 {
        case .agentStarted?, nil: return
        case .failed(let e)?:
            reap()
            throw e
        case let other?:
            reap()
            throw SandboxError(.exec, errno: EPROTO, "the sandbox sent \(other) where the agent's start was due")
        }
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Waits for the sandbox to end, forwarding signals sent to veil. Returns the agent's
    /// status: its exit code, or 128+N when signal N killed it.
    /// `onFirstConnection` runs once, when the inspector socket first has a connection waiting.
    /// The status arrives from PID 1 once the agent and everything it started are gone, before
    /// the kernel tears the namespaces down (as bubblewrap's monitor does): veil returns
    /// without waiting for dozens of unmounts. If PID 1 dies without a word, its own exit
    /// status is waited for instead.
    public func wait(onFirstConnection: (() -> Void)? = nil) -> Int32 {
        SignalForwarding.wait(for: pid, reapAll: false, terminal: terminal, report: channel,
                              watch: onFirstConnection == nil ? nil : inspectorSocket, onReadable: onFirstConnection)
    }

    deinit {
        channel?.close()
        cgroup?.remove()
    }

    static func requireSingleThread() throws {
        let n = veil_thread_count()
        if n > 1 { throw SandboxError(.threads, errno: 0, "veil has \(n) threads before clone(); this is a bug in veil") }
    }
}
