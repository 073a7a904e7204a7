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
        for s in forwarded + [SIGCHLD, SIGCONT, TerminalControl.continueSignal] { sigaddset(&set, s) }
        return set
    }

    /// Blocks the forwarded signals and SIGCHLD in the calling thread (and every thread and
    /// child made after).
    public static func block() {
        var set = handledSet
        sigprocmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for `child`, forwarding signals sent to us. With `reapAll` (PID 1) every other
    /// exited descendant is reaped too. When `watch` becomes readable, `onReadable` runs once
    /// (veil starts its inspector on the first connection, so a run that never talks to a
    /// model pays nothing for it). Returns the shell-style status: code, or 128+signal.
    /// With `report` (veil's end of the launch channel), the status PID 1 sends there is
    /// returned as soon as it arrives; at end of file without one, the child's exit is waited for.
    /// `terminal` (TerminalControl.fd, -1 for none): job control is relayed between veil's
    /// process group and the agent's (see TerminalControl).
    /// `service`: a descriptor served whenever it is readable, until it hangs up (PID 1's
    /// uname listener).
    static func wait(for child: pid_t, reapAll: Bool, terminal: Int32 = -1, report: LaunchChannel? = nil,
                            watch: Int32? = nil, onReadable: (() -> Void)? = nil,
                            service: (fd: Int32, serve: () -> Void)? = nil) -> Int32 {
        var set = handledSet
        let sfd = veil_signalfd(&set)
        defer { if sfd >= 0 { close(sfd) } }
        var watching = watch
        var serving = service.flatMap { $0.fd >= 0 ? $0 : nil }
        while true {
            if let status = InitProcess.reap(child, reapAll: reapAll, relayStops: reapAll && terminal >= 0) { return status }
            var fds = [pollfd(fd: sfd, events: Int16(POLLIN), revents: 0)]
            if let s = serving { fds.append(pollfd(fd: s.fd, events: Int16(POLLIN), revents: 0)) }
            if let r = report { fds.append(pollfd(fd: r.fd, events: Int16(POLLIN), revents: 0)) }
            if let w = watching { fds.append(pollfd(fd: w, events: Int16(POLLIN), revents: 0)) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 { continue }
            if let s = serving {
                let events = fds.remove(at: 1).revents
                if events & Int16(POLLIN) != 0 { s.serve() } else if events != 0 { serving = nil }
            }
            if let r = report, fds[1].revents != 0 {
                // Without a status, PID 1 is exiting: its own status is the answer.
                return readReport(r) ?? waitExit(child)
            }
            if watching != nil && fds[fds.count - 1].revents != 0 {
                watching = nil
                onReadable?()
            }
            guard fds[0].revents != 0 else { continue }
            var sig: Int32 = 0, code: Int32 = 0, value: Int32 = 0
            guard veil_signalfd_read(sfd, &sig, &code, &value) == 0, sig != SIGCHLD else { continue }
            if sig == SIGCONT || sig == TerminalControl.continueSignal {
                if terminal >= 0 { continued(child, asInit: reapAll, terminal: terminal, signal: sig, value: value) }
                continue
            }
            if code <= 0 { kill(child, sig) }
        }
    }

    /// PID 1's word on the agent's status; nil at end of file.
    private static func readReport(_ channel: LaunchChannel) -> Int32? {
        guard case .agentStatus(let code)? = (try? channel.receive())??.0 else { return nil }
        return code
    }

    private static func waitExit(_ child: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        return shellStatus(status)
    }

    /// veil, continued, tells PID 1 whether it is the terminal's foreground now; PID 1 acts on
    /// that word only, not on the shell's own SIGCONT to the group.
    private static func continued(_ child: pid_t, asInit: Bool, terminal: Int32, signal: Int32, value: Int32) {
        if !asInit {
            guard signal == SIGCONT else { return }
            let foreground = tcgetpgrp(terminal) == getpgrp()
            var v = sigval()
            v.sival_int = foreground ? TerminalControl.continuedInForeground : TerminalControl.continuedInBackground
            _ = sigqueue(child, TerminalControl.continueSignal, v)
        } else if signal == TerminalControl.continueSignal {
            if value == TerminalControl.continuedInForeground {
                // PID 1 is in veil's group, the foreground now: no SIGTTOU.
                _ = tcsetpgrp(terminal, child)
            }
            kill(-child, SIGCONT)
        }
    }

    public static func shellStatus(_ status: Int32) -> Int32 {
        let sig = status & 0x7F
        if sig == 0 { return (status >> 8) & 0xFF }
        return 128 + sig
    }
}
