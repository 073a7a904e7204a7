import Glibc

/// The agent's process group and veil's terminal. The agent never shares veil's process group
/// (kill(0, SIGTERM) inside reached the script that started veil); at a terminal it gets a
/// group of its own in veil's session and, when veil is in the foreground, the terminal's
/// foreground, so Ctrl-C, Ctrl-Z and resizes reach it from the kernel as they would outside.
/// Without a controlling terminal it gets a session of its own.
///
/// Job control is relayed across the two groups (SignalForwarding):
/// - the agent stops (Ctrl-Z, SIGTTIN, a kill -STOP): PID 1 stops veil's group with the same
///   signal, so the shell sees its job stopped and takes the terminal back;
/// - veil continues (`fg`, `bg`): veil tells PID 1 with a queued signal whose value says
///   whether veil is the terminal's foreground now; PID 1 then gives the agent's group the
///   terminal (only then) and continues it. PID 1 cannot tell by itself: veil's group and the
///   shell's are both outside its PID namespace and read as 0.
public struct TerminalControl: Sendable, Equatable {
    /// veil's controlling terminal (descriptor 0, 1 or 2), or -1.
    public var fd: Int32 = -1
    /// veil's process group is the terminal's foreground group.
    public var foreground = false

    public init(fd: Int32 = -1, foreground: Bool = false) {
        self.fd = fd
        self.foreground = foreground
    }

    /// veil's own standing: the first standard descriptor that is its controlling terminal.
    public static func current() -> TerminalControl {
        for fd: Int32 in [0, 1, 2] {
            let group = tcgetpgrp(fd)  // -1 unless fd is the controlling terminal
            if group >= 0 { return TerminalControl(fd: fd, foreground: group == getpgrp()) }
        }
        return TerminalControl()
    }

    /// veil's word to PID 1 that it was continued: a real-time signal (glibc keeps 32 and 33),
    /// queued, where a second SIGCONT would merge with the shell's SIGCONT to the group.
    static let continueSignal: Int32 = 40
    /// Its value.
    static let continuedInForeground: Int32 = 1, continuedInBackground: Int32 = 2
}
