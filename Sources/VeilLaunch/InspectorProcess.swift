import CVeilShim
import Glibc
import VeilProfile
import VeilSandbox

/// The inspector's process, started from the run: `veil-core __inspector` serving the
/// listening socket the sandbox handed out. Keeping SwiftNIO and the scanner out of `veil`
/// keeps the launcher small, and a small binary starts and forks several times faster.
///
/// It gets its own process group (Ctrl-C at the terminal is for the agent, not for it), its
/// stop signals blocked, /dev/null as stdin, and the socket as descriptor 3.
public final class InspectorProcess {
    public let pid: pid_t
    /// An early inspector's socket to veil (-1 once the listening socket went over it).
    private var channel: Int32 = -1

    private init(pid: pid_t) { self.pid = pid }

    /// For a run whose profile allows CONNECT: the inspector starts before the sandbox is
    /// planned, makes the run's CA (its key stays in that process) and sends the certificate,
    /// which goes into the sandbox's trust bundle; `hand(socket:)` gives it the listening socket
    /// once the sandbox has made one. Its start overlaps the planning.
    public static func spawnEarly(core: String, handoff: InspectorHandoff) throws -> InspectorProcess {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw SandboxError(.inspectorProcess, errno: errno, "socketpair")
        }
        defer { close(pair[1]) }
        var early = handoff
        early.awaitsSocket = true
        do {
            let p = try spawn(core: core, handoff: early, socket: pair[1])
            p.channel = pair[0]
            return p
        } catch {
            close(pair[0])
            throw error
        }
    }

    /// The run CA's certificate (PEM), as the early inspector sends it.
    public func certificate() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var n: Int
        repeat { n = recv(channel, &buffer, buffer.count, 0) } while n < 0 && errno == EINTR
        guard n > 0 else {
            throw SandboxError(.inspectorProcess, errno: n == 0 ? EPIPE : errno, "the inspector sent no CA certificate")
        }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// Gives an early inspector the sandbox's listening socket (nil: there is none; the
    /// inspector then exits). veil's copy stays veil's to close.
    public func hand(socket: Int32?) {
        guard channel >= 0 else { return }
        if let socket { _ = veil_send_fd(channel, socket) }
        close(channel)
        channel = -1
    }

    /// The run failed before its sandbox started: the early inspector is told there is no
    /// socket, and waited for.
    public func abandon() {
        hand(socket: nil)
        _ = stop()
    }

    public static func spawn(core: String, handoff: InspectorHandoff, socket: Int32) throws -> InspectorProcess {
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attr)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attr)
        }
        // dup2 onto itself would keep close-on-exec set: move the socket out of the way first.
        let fd = socket == InspectorHandoff.socketFD ? fcntl(socket, F_DUPFD_CLOEXEC, 10) : socket
        defer { if fd != socket { close(fd) } }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, InspectorHandoff.socketFD)
        // The stop signals start blocked (pending across exec): a run whose agent is done
        // before the inspector reaches its sigwait still gets its record and report, instead
        // of an inspector killed mid-start.
        var stopSignals = sigset_t(), all = sigset_t()
        sigemptyset(&stopSignals)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&stopSignals, s) }
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &stopSignals)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = (["veil"] + handoff.arguments()).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, core, &actions, &attr, argv, environ)
        guard rc == 0 else { throw SandboxError(.inspectorProcess, errno: rc, core) }
        return InspectorProcess(pid: pid)
    }

    /// How long the inspector may take to finish once asked. Closing its connections and
    /// writing the report take milliseconds; what takes longer is work the agent left behind,
    /// such as a scan of a body built to be slow, which must not keep the run (a CI job) alive
    /// after the agent is gone.
    public static let stopGrace: Int32 = 10_000

    /// Asks the inspector to finish (SIGTERM, carrying the limits hit: it writes its report and
    /// exits) and waits, at most `grace` ms; then it is killed and the run fails.
    /// Its status: 0 nothing found, `InspectorHandoff.markerStatus` findings, else it failed.
    public func stop(hits: InspectorHandoff.LimitHits = .init(), grace: Int32 = InspectorProcess.stopGrace) -> Int32 {
        let exited = veil_pidfd_open(pid)
        defer { if exited >= 0 { close(exited) } }
        var value = sigval()
        value.sival_int = hits.packed
        sigqueue(pid, SIGTERM, value)
        if exited >= 0 {
            var ready = pollfd(fd: exited, events: Int16(POLLIN), revents: 0)
            var rc: Int32
            repeat { rc = poll(&ready, 1, grace) } while rc < 0 && errno == EINTR
            if rc == 0 {
                kill(pid, SIGKILL)
                stderrLine("veil: the inspector did not finish within \(grace / 1000) s of the agent's end "
                           + "(work the agent left, such as a body built to scan slowly); stopped, its report is lost")
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 125 }
        }
        let shell = SignalForwarding.shellStatus(status)
        return shell == 128 + SIGKILL ? 125 : shell
    }
}
