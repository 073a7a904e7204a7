import CVeilShim
import Glibc

/// veil's side of a launch: one clone() into every namespace at once, then the sandbox runs
/// InitSequence as its PID 1 while veil serves the inspector and waits.
///
/// clone() here is a fork, and Swift code runs in the child. That is only safe while this
/// process has a single thread, so `start` checks it: call it before any NIO event loop or
/// Swift task exists.
public final class Sandbox {
    public let pid: pid_t
    /// The inspector's listening socket, made inside the sandbox's network namespace.
    public let inspectorSocket: Int32?
    private var errors: Int32
    /// Where PID 1 reports the agent's status once every process in the sandbox is gone.
    private var status: Int32

    private init(pid: pid_t, inspectorSocket: Int32?, errors: Int32, status: Int32) {
        self.pid = pid
        self.inspectorSocket = inspectorSocket
        self.errors = errors
        self.status = status
    }

    public static func start(_ plan: LaunchPlan) throws -> Sandbox {
        try requireSingleThread()
        let plan = canonicalSources(plan)
        SignalForwarding.block()
        var errPipe: [Int32] = [-1, -1]
        try check(.clone, "pipe", veil_pipe_cloexec(&errPipe))
        var sockPair: [Int32] = [-1, -1]
        try check(.clone, "socketpair", socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockPair))
        var filterPipe: [Int32] = [-1, -1]
        try check(.clone, "pipe", veil_pipe_cloexec(&filterPipe))
        var statusPipe: [Int32] = [-1, -1]
        try check(.clone, "pipe", veil_pipe_cloexec(&statusPipe))
        let uid = getuid(), gid = getgid()
        let image = AgentImage(plan)
        // Which of the root's ops the sandbox makes and which veil writes, decided once.
        let (outside, inside) = RootFiles.split(plan.mounts)

        let pid = veil_clone(veil_sandbox_namespaces())
        if pid < 0 {
            let e = errno
            (errPipe + sockPair + filterPipe + statusPipe).forEach { close($0) }
            throw SandboxError(.clone, errno: e, "clone(CLONE_NEWUSER|NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET|NEWCGROUP)")
        }
        if pid == 0 {
            [errPipe[0], sockPair[0], filterPipe[1], statusPipe[0]].forEach { close($0) }
            InitSequence.run(plan, mounts: inside, agent: image, outsideUID: uid, outsideGID: gid,
                             .init(errors: errPipe[1], sockets: sockPair[1], filter: filterPipe[0], status: statusPipe[1]))
        }
        [errPipe[1], sockPair[1], filterPipe[0], statusPipe[1]].forEach { close($0) }
        defer { close(sockPair[0]) }
        let sandbox = Sandbox(pid: pid, inspectorSocket: nil, errors: errPipe[0], status: statusPipe[0])
        // While the sandbox enters its namespaces, veil compiles the filter, and hands it over
        // at once when the pipe can hold all of it (about 2 KiB; it nearly always can), else
        // after the root's files, when the sandbox is about to read it. By then the staging
        // root is usually waiting.
        var filterLater: Int32? = filterPipe[1]
        defer { if let fd = filterLater { close(fd) } }
        let program = try sandbox.compileFilter(plan.seccomp)
        if program.count <= Int(veil_pipe_capacity(filterPipe[1])) {
            filterLater = nil
            try sandbox.sendFilter(program, to: filterPipe[1])
        }
        var inspector: Int32?
        if plan.inspectorPort != nil {
            let fd = veil_recv_fd(sockPair[0])
            if fd < 0 {
                try sandbox.awaitExec()  // the sandbox failed before handing over the socket: say why
                throw SandboxError(.inspector, errno: errno, "no inspector socket from the sandbox")
            }
            inspector = fd
        }
        do {
            try sandbox.writeRootFiles(outside, socket: sockPair[0])
            if let fd = filterLater {
                filterLater = nil
                try sandbox.sendFilter(program, to: fd)
            }
        } catch {
            if let fd = inspector { close(fd) }
            throw error
        }
        return Sandbox(pid: pid, inspectorSocket: inspector, errors: sandbox.takeErrors(), status: sandbox.takeStatus())
    }

    /// While the sandbox makes its mounts, veil writes the root's plain files through the
    /// staging root's descriptor, then tells the sandbox they are there.
    private func writeRootFiles(_ ops: [MountOp], socket: Int32) throws {
        let root = veil_recv_fd(socket)
        if root < 0 {
            let e = errno
            try awaitExec()  // the sandbox failed before sending its root: its own error says why
            throw SandboxError(.mount, errno: e, "no staging root from the sandbox")
        }
        do {
            defer { close(root) }
            try RootFiles.write(ops, under: root)
            var done: UInt8 = 1
            if send(socket, &done, 1, Int32(MSG_NOSIGNAL)) != 1 { throw SandboxError(.mount, errno: errno, "tell the sandbox its files are written") }
        } catch {
            try abort(error)
        }
    }

    /// The seccomp filter, compiled by veil and read by the sandbox as its last step.
    private func compileFilter(_ policy: SeccompPolicy) throws -> [UInt8] {
        do { return try SeccompFilter.compile(policy) } catch { try abort(error) }
    }

    private func sendFilter(_ program: [UInt8], to fd: Int32) throws {
        let pipeAction = signal(SIGPIPE, SIG_IGN)  // a sandbox that failed early has no reader
        defer { signal(SIGPIPE, pipeAction) }
        defer { close(fd) }
        var sent = 0
        while sent < program.count {
            let n = program.withUnsafeBytes { write(fd, $0.baseAddress! + sent, program.count - sent) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { try abort(SandboxError(.seccomp, errno: errno, "hand the filter to the sandbox")) }
            sent += n
        }
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
        SignalForwarding.wait(for: pid, reapAll: false, report: status,
                              watch: onFirstConnection == nil ? nil : inspectorSocket, onReadable: onFirstConnection)
    }

    deinit {
        if errors >= 0 { close(errors) }
        if status >= 0 { close(status) }
    }

    static func requireSingleThread() throws {
        let n = veil_thread_count()
        if n > 1 { throw SandboxError(.threads, errno: 0, "veil has \(n) threads before clone(); this is a bug in veil") }
    }

    /// Bind sources are resolved on the host: inside the staging root an absolute symlink
    /// would point at nothing.
    static func canonicalSources(_ plan: LaunchPlan) -> LaunchPlan {
        var p = plan
        p.mounts = plan.mounts.map { op in
            guard case .bind(let source, let target, let ro, let optional) = op,
                  let real = CommandResolver.realpath(source) else { return op }
            return .bind(source: real, target: target, readOnly: ro, optional: optional)
        }
        return p
    }
}
