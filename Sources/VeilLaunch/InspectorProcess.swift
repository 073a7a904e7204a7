import Glibc
import VeilSandbox

/// The inspector's process, started from the run: `veil-core __inspector` serving the
/// listening socket the sandbox handed out. Keeping SwiftNIO and the scanner out of `veil`
/// keeps the launcher small, and a small binary starts and forks several times faster.
///
/// It gets its own process group (Ctrl-C at the terminal is for the agent, not for it), its
/// stop signals blocked, /dev/null as stdin, and the socket as descriptor 3.
public final class InspectorProcess {
    public let pid: pid_t

    private init(pid: pid_t) { self.pid = pid }

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

    /// Asks the inspector to finish (SIGTERM, carrying the limits hit: it writes its report and
    /// exits) and waits.
    /// Its status: 0 nothing found, `InspectorHandoff.markerStatus` findings, else it failed.
    public func stop(hits: InspectorHandoff.LimitHits = .init()) -> Int32 {
        var value = sigval()
        value.sival_int = hits.packed
        sigqueue(pid, SIGTERM, value)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 125 }
        }
        return SignalForwarding.shellStatus(status)
    }
}
