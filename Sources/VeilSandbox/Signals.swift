import CVeilShim
import Glibc

/// Signals, for both veil outside and PID 1 inside. The signals are blocked and taken with
/// sigwaitinfo, so no handler code runs at odd times and NIO's threads never see them.
///
/// A signal sent by a process (`kill`, si_code ≤ 0) is forwarded to the child. One from the
/// terminal (Ctrl-C, a resize: SI_KERNEL) is not: the whole foreground process group,
/// the agent included, already received it, and forwarding would deliver it twice.
public enum SignalForwarding {
    public static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGQUIT, SIGUSR1, SIGUSR2]

    static var handledSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in forwarded + [SIGCHLD] { sigaddset(&set, s) }
        return set
    }

    /// Blocks the forwarded signals and SIGCHLD in the calling thread (and every thread and
    /// child made after).
    public static func block() {
        var set = handledSet
        sigprocmask(SIG_BLOCK, &set, nil)
    }

    /// Clean signal state for the agent: nothing blocked, every disposition default.
    static func resetForExec() {
        for s in Int32(1)..<Int32(32) where s != SIGKILL && s != SIGSTOP { signal(s, SIG_DFL) }
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
    }

    /// Waits for `child`, forwarding signals sent to us. With `reapAll` (PID 1) every other
    /// exited descendant is reaped too. Returns the shell-style status: code, or 128+signal.
    public static func wait(for child: pid_t, reapAll: Bool) -> Int32 {
        var set = handledSet
        while true {
            if let status = reap(child, reapAll: reapAll) { return status }
            var info = siginfo_t()
            let sig = sigwaitinfo(&set, &info)
            if sig < 0 { continue }
            if sig == SIGCHLD { continue }
            if veil_siginfo_code(&info) <= 0 { kill(child, sig) }
        }
    }

    private static func reap(_ child: pid_t, reapAll: Bool) -> Int32? {
        while true {
            var status: Int32 = 0
            let pid = waitpid(reapAll ? -1 : child, &status, WNOHANG)
            if pid <= 0 { return nil }
            if pid == child { return shellStatus(status) }
        }
    }

    static func shellStatus(_ status: Int32) -> Int32 {
        let sig = status & 0x7F
        if sig == 0 { return (status >> 8) & 0xFF }
        return 128 + sig
    }
}
