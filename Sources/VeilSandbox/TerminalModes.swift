import Glibc

/// The terminal's modes as veil found them, put back when the agent is gone. A full-screen
/// agent that crashes or is killed leaves the terminal raw and without echo, and the shell does
/// not repair it (bash keeps a finished job's modes); veil does, as `script` and tmux do.
///
/// Only where the terminal is still the run's: veil was its foreground at launch, and its
/// foreground now is veil's group or a group with no process left (the agent's, gone). If the
/// user sent veil to the background meanwhile, the terminal is the shell's or another job's,
/// and veil leaves it alone.
public struct TerminalModes {
    let fd: Int32
    let modes: termios

    public static func save(_ terminal: TerminalControl) -> TerminalModes? {
        guard terminal.fd >= 0, terminal.foreground else { return nil }
        var t = termios()
        guard tcgetattr(terminal.fd, &t) == 0 else { return nil }
        return TerminalModes(fd: terminal.fd, modes: t)
    }

    /// After the sandbox is gone: the foreground back to veil's group, then the modes.
    public func restore() {
        let group = tcgetpgrp(fd)
        guard group >= 0, group == getpgrp() || (kill(-group, 0) != 0 && errno == ESRCH) else { return }
        // From the background, tcsetpgrp and tcsetattr would stop veil with SIGTTOU; blocked,
        // the kernel lets them through (the agent's group held the foreground, veil's session
        // still owns the terminal).
        var ttou = sigset_t(), previous = sigset_t()
        sigemptyset(&ttou)
        sigaddset(&ttou, SIGTTOU)
        pthread_sigmask(SIG_BLOCK, &ttou, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        if group != getpgrp() { _ = tcsetpgrp(fd, getpgrp()) }
        var t = modes
        _ = tcsetattr(fd, TCSANOW, &t)
    }
}
