import CVeilShim
import Glibc

/// What being PID 1 of the sandbox asks, apart from the setup steps (InitSequence): it dies
/// with veil, looks like an init to the agent, reaps every descendant, and leaves nothing
/// running behind it.
enum InitProcess {
    /// If veil dies, so does the sandbox (and if it died already, the plan never comes).
    static func dieWithVeil() { _ = veil_set_pdeathsig(SIGKILL) }

    /// Rewrites argv in place as `/sbin/init` and names the process `init`.
    static func disguise() {
        _ = veil_set_name("init")
        let argc = Int(CommandLine.argc)
        guard argc > 0, let first = CommandLine.unsafeArgv[0] else { return }
        var end = first
        for i in 0..<argc {
            guard let a = CommandLine.unsafeArgv[i] else { break }
            end = max(end, a + strlen(a) + 1)
        }
        let length = end - first
        memset(first, 0, length)
        let name = "/sbin/init"
        if length > name.utf8.count { _ = name.withCString { strcpy(first, $0) } }
    }

    /// PID 1, once the agent is gone: kills whatever the agent left running and reaps it all,
    /// so that nothing of the sandbox runs once the status is reported.
    static func endAll() {
        kill(-1, SIGKILL)  // every process of this PID namespace but PID 1
        var status: Int32 = 0
        while waitpid(-1, &status, 0) > 0 || errno == EINTR {}
    }

    /// The exited child's status, once. With `relayStops` (PID 1 at a terminal) a stopped agent
    /// stops veil's process group too: the shell sees its job stop.
    static func reap(_ child: pid_t, reapAll: Bool, relayStops: Bool) -> Int32? {
        while true {
            var status: Int32 = 0
            let pid = waitpid(reapAll ? -1 : child, &status, WNOHANG | (relayStops ? WUNTRACED : 0))
            if pid <= 0 { return nil }
            guard pid == child else { continue }
            if (status & 0xFF) == 0x7F {  // WIFSTOPPED
                kill(0, (status >> 8) & 0xFF)  // PID 1 itself, as its namespace's init, ignores it
                continue
            }
            return SignalForwarding.shellStatus(status)
        }
    }
}
