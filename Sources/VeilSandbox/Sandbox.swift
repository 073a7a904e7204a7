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
    private var errors: Int32
    /// Where PID 1 reports the agent's status once every process in the sandbox is gone.
    private var status: Int32
    /// The terminal whose job control veil relays (TerminalControl), or -1.
    var terminal: Int32 = -1
    /// The sandbox's own cgroup, where the host allowed one (Cgroup).
    public internal(set) var cgroup: Cgroup?

    private init(pid: pid_t, inspectorSocket: Int32?, errors: Int32, status: Int32) {
        self.pid = pid
        self.inspectorSocket = inspectorSocket
        self.errors = errors
        self.status = status
    }

    /// Step one of a launch, before veil plans: PID 1 of the sandbox is made now, by a helper
    /// on another CPU, and waits for its plan. The kernel needs about a millisecond to make a
    /// full set of namespaces; veil spends it planning. Call it before any NIO event loop or
    /// Swift task exists.
    public static func clonePID1() throws -> Pending {
        try requireSingleThread()
        SignalForwarding.block()
        var fds: [Int32] = []
        func pipe() throws -> (Int32, Int32) {
            var p: [Int32] = [-1, -1]
            if veil_pipe_cloexec(&p) < 0 {
                let e = errno
                fds.forEach { close($0) }
                throw SandboxError(.clone, errno: e, "pipe")
            }
            fds += p
            return (p[0], p[1])
        }
        let errors = try pipe(), filter = try pipe(), status = try pipe(), plan = try pipe()
        var sockets: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) < 0 {
            let e = errno
            fds.forEach { close($0) }
            throw SandboxError(.clone, errno: e, "socketpair")
        }
        let uid = getuid(), gid = getgid()
        var report: Int32 = -1
        let helper = veil_clone_aside(veil_sandbox_namespaces(), &report)
        if helper < 0 {
            let e = errno
            (fds + sockets).forEach { close($0) }
            throw SandboxError(.clone, errno: e, "fork")
        }
        if helper == 0 {
            [errors.0, sockets[0], filter.1, status.0, plan.1].forEach { close($0) }
            InitSequence.run(outsideUID: uid, outsideGID: gid,
                             .init(plan: plan.0, errors: errors.1, sockets: sockets[1], filter: filter.0, status: status.1))
        }
        [errors.1, sockets[1], filter.0, status.1, plan.0].forEach { close($0) }
        return Pending(helper: helper, report: report, plan: plan.1, errors: errors.0, sockets: sockets[0],
                       filter: filter.1, status: status.0)
    }

    /// A sandbox whose PID 1 waits for its plan.
    public final class Pending {
        private let helper: pid_t
        private var report: Int32, plan: Int32, errors: Int32, sockets: Int32, filter: Int32, status: Int32
        private var pid: pid_t = 0
        private var basics: LaunchPlan.Basics?

        fileprivate init(helper: pid_t, report: Int32, plan: Int32, errors: Int32, sockets: Int32, filter: Int32, status: Int32) {
            (self.helper, self.report, self.plan, self.errors, self.sockets, self.filter, self.status) =
                (helper, report, plan, errors, sockets, filter, status)
        }

        /// Step two, as soon as the profile is known: PID 1 maps its ids and enters the staging
        /// root while veil plans the rest. The pipe holds these few bytes: veil does not wait.
        public func sendBasics(_ basics: LaunchPlan.Basics) throws {
            guard self.basics == nil else { return }
            self.basics = basics
            try write(basics.encoded(), stage: .plan, what: "the plan's basics")
        }

        /// Step three: the rest of the plan goes to PID 1, which makes its mounts while veil
        /// compiles the seccomp filter and writes the root's plain files.
        public func completeSetup(_ plan: LaunchPlan) throws -> Sandbox {
            let plan = plan.withCanonicalSources
            try sendBasics(plan.basics)
            guard basics == plan.basics else { throw SandboxError(.plan, errno: EINVAL, "the plan's basics changed after they were sent") }
            // Which of the root's ops the sandbox makes and which veil writes, decided once:
            // veil makes the mount points on the new root's own tmpfs, then the plain files.
            let (outside, inside) = RootFiles.split(plan.mounts)
            let mountPoints = RootFiles.mountPoints(plan.mounts, isDirectory: Sandbox.isDirectory)
            try write(InitPlan(plan, mounts: inside, madeByVeil: mountPoints.compactMap { $0.mountPointPath }).encoded(),
                      stage: .plan, what: "the plan")
            close(take(&self.plan))
            let cgroup = Cgroup.create(limits: plan.limits)
            let pid = try awaitPID1()
            // PID 1 goes into the cgroup before the agent exists: it makes the agent only once
            // veil says the root's files are written, which waits for this (below).
            let admission = cgroup?.admit(pid)
            let sandbox = Sandbox(pid: pid, inspectorSocket: nil, errors: take(&errors), status: take(&status))
            sandbox.cgroup = cgroup
            let sockets = take(&self.sockets)
            defer { close(sockets) }
            var filterPipe = take(&filter)
            defer { if filterPipe >= 0 { close(filterPipe) } }
            var inspector: Int32?
            if plan.inspectorPort != nil {
                let fd = veil_recv_fd(sockets)
                if fd < 0 {
                    try sandbox.awaitExec()  // the sandbox failed before handing over the socket: say why
                    throw SandboxError(.inspector, errno: errno, "no inspector socket from the sandbox")
                }
                inspector = fd
            }
            do {
                let root = try sandbox.receiveRoot(over: sockets)
                defer { close(root) }
                // In the order the sandbox needs them: the mount points (its mounts start with
                // them), the files (it switches to the new root once they are there), then the
                // filter, which it reads last and which veil compiles while it switches.
                try sandbox.build(mountPoints, under: root, then: .mountPoints, over: sockets)
                try sandbox.build(outside, under: root, then: .files, over: sockets) {
                    if let a = admission, !a.wait() {
                        throw SandboxError(.limits, errno: EPERM, "move the sandbox into its cgroup \(cgroup!.directories.joined(separator: ", "))")
                    }
                }
                try sandbox.sendFilter(try sandbox.compileFilter(plan.seccomp), to: take(&filterPipe))
            } catch {
                if let fd = inspector { close(fd) }
                throw error
            }
            let started = Sandbox(pid: pid, inspectorSocket: inspector, errors: sandbox.takeErrors(), status: sandbox.takeStatus())
            started.terminal = plan.terminal.fd
            started.cgroup = sandbox.cgroup
            sandbox.cgroup = nil
            return started
        }

        /// Writes a message to PID 1 (which reads it meanwhile). A sandbox that failed has no
        /// reader: its own error, which says more, is thrown instead.
        private func write(_ bytes: [UInt8], stage: SandboxError.Stage, what: String) throws {
            if let e = Sandbox.writeAll(bytes, to: plan) {
                let sandbox = Sandbox(pid: try awaitPID1(), inspectorSocket: nil, errors: take(&errors), status: take(&status))
                try sandbox.abort(SandboxError(stage, errno: e, "hand \(what) to the sandbox"))
            }
        }

        /// veil gives up before the plan (a bad profile, a missing command): PID 1 reads end
        /// of file where its plan should be and exits.
        public func cancel() {
            close(take(&plan))
            if let pid = try? awaitPID1() {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }

        /// The helper's report of PID 1's pid, once its clone() has returned.
        private func awaitPID1() throws -> pid_t {
            if pid > 0 { return pid }
            let fd = take(&report)
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
            [report, plan, errors, sockets, filter, status].filter { $0 >= 0 }.forEach { close($0) }
        }
    }

    private static func take(_ fd: inout Int32) -> Int32 {
        defer { fd = -1 }
        return fd
    }

    /// The staging new root's descriptor, which the sandbox sends once it has made it.
    private func receiveRoot(over socket: Int32) throws -> Int32 {
        let root = veil_recv_fd(socket)
        if root < 0 {
            let e = errno
            try awaitExec()  // the sandbox failed before sending its root: its own error says why
            throw SandboxError(.mount, errno: e, "no staging root from the sandbox")
        }
        return root
    }

    /// While the sandbox makes its mounts, veil writes part of the new root through the
    /// staging root's descriptor (RootFiles), then tells the sandbox that `step` is done.
    /// `beforeSignal` runs between the writing and the word.
    private func build(_ ops: [MountOp], under root: Int32, then step: RootHandoff.Step, over socket: Int32,
                       beforeSignal: () throws -> Void = {}) throws {
        do {
            try RootFiles.write(ops, under: root)
            try beforeSignal()
            try RootHandoff.signal(step, over: socket)
        } catch {
            try abort(error)
        }
    }

    /// Whether a bind source on the host is a directory (RootFiles.mountPoints).
    fileprivate static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The seccomp filter, compiled by veil and read by the sandbox as its last step.
    private func compileFilter(_ policy: SeccompPolicy) throws -> [UInt8] {
        do { return try SeccompFilter.compile(policy) } catch { try abort(error) }
    }

    private func sendFilter(_ program: [UInt8], to fd: Int32) throws {
        defer { close(fd) }
        if let e = Self.writeAll(program, to: fd) { try abort(SandboxError(.seccomp, errno: e, "hand the filter to the sandbox")) }
    }

    /// Writes all of `bytes` to `fd` while the sandbox reads them. The errno of a failed
    /// write (a sandbox that failed early has no reader), nil once everything is written.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        let pipeAction = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, pipeAction) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return errno }
            sent += n
        }
        return nil
    }

    /// Stops a sandbox whose setup veil could not finish. The sandbox's own error, if it
    /// failed first, says more, and is thrown instead.
    private func abort(_ error: Error) throws -> Never {
        kill(pid, SIGKILL)
        try awaitExec()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        throw error
    }

    private func takeErrors() -> Int32 {
        let fd = errors
        errors = -1
        return fd
    }

    private func takeStatus() -> Int32 {
        let fd = status
        status = -1
        return fd
    }

    /// Returns once the agent has been exec'd; throws the sandbox's own error otherwise.
    public func awaitExec() throws {
        guard errors >= 0 else { return }
        defer { close(errors); errors = -1 }
        var buf = [UInt8](repeating: 0, count: 4096)
        var got: [UInt8] = []
        while true {
            let n = read(errors, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got.append(contentsOf: buf[0..<n])
        }
        if let error = InitSequence.parseReport(got) {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            throw error
        }
    }

    /// Waits for the sandbox to end, forwarding signals sent to veil. Returns the agent's
    /// status: its exit code, or 128+N when signal N killed it.
    /// `onFirstConnection` runs once, when the inspector socket first has a connection waiting.
    /// The status arrives from PID 1 once the agent and everything it started are gone, before
    /// the kernel tears the namespaces down (as bubblewrap's monitor does): veil returns
    /// without waiting for dozens of unmounts. If PID 1 dies without a word, its own exit
    /// status is waited for instead.
    public func wait(onFirstConnection: (() -> Void)? = nil) -> Int32 {
        SignalForwarding.wait(for: pid, reapAll: false, terminal: terminal, report: status,
                              watch: onFirstConnection == nil ? nil : inspectorSocket, onReadable: onFirstConnection)
    }

    deinit {
        if errors >= 0 { close(errors) }
        if status >= 0 { close(status) }
        cgroup?.remove()
    }

    static func requireSingleThread() throws {
        let n = veil_thread_count()
        if n > 1 { throw SandboxError(.threads, errno: 0, "veil has \(n) threads before clone(); this is a bug in veil") }
    }
}
