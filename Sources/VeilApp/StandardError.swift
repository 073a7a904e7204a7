import Foundation
import VeilProfile

/// A line said while the agent runs and may own the terminal (the block notice).
func stderrNotice(_ s: String) {
    FileHandle.standardError.write(Data(TerminalNotice.render(TerminalText.line(s), raw: TerminalNotice.isRaw(STDERR_FILENO)).utf8))
}

/// A full-screen agent (Claude Code, Codex, aider) puts the terminal in raw mode, where "\n"
/// moves down without going back to the first column: a notice written there started wherever
/// the agent's cursor was and ran on from mid-line. In raw mode it gets a line of its own.
enum TerminalNotice {
    static func render(_ line: String, raw: Bool) -> String {
        raw ? "\r\n" + line + "\r\n" : line + "\n"
    }

    /// A terminal whose output is not post-processed (no OPOST, or no ONLCR): "\n" alone does
    /// not return the carriage. A pipe or file is never raw.
    static func isRaw(_ fd: Int32) -> Bool {
        var t = termios()
        guard isatty(fd) == 1, tcgetattr(fd, &t) == 0 else { return false }
        return t.c_oflag & tcflag_t(OPOST) == 0 || t.c_oflag & tcflag_t(ONLCR) == 0
    }
}
