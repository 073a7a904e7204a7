import Glibc

/// What veil writes to a terminal can carry an agent's text: a file name from the workdir, a
/// request's target, the tail of the agent's standard error. A control character in it (ESC
/// starting a CSI or OSC sequence, a C1 CSI, BEL) would be obeyed by the user's terminal,
/// outside the sandbox, even when the agent's own output went to a file: it could retitle the
/// window, set the clipboard, or move the cursor and rewrite what the user reads above. veil
/// shows each such character as its code point, `[U+001B]`, and never sends it.
public enum TerminalText {
    /// One line: every C0 control (tab and newline too), DEL and every C1 control shown, so the
    /// text can neither act on the terminal nor start a line that looks like veil's own.
    public static func line(_ s: String) -> String { shown(s, keepingLines: false) }

    /// Several lines (an error's description, a tail of standard error): the same, with
    /// newline and tab kept.
    public static func lines(_ s: String) -> String { shown(s, keepingLines: true) }

    static func shown(_ s: String, keepingLines: Bool) -> String {
        // Almost every message is printable ASCII: one pass over the bytes, then the text as it is.
        if s.utf8.allSatisfy({ $0 &- 0x20 < 0x5F }) { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let v = u.value
            if (v < 0x20 || (0x7F ... 0x9F).contains(v)) && !(keepingLines && (v == 0x0A || v == 0x09)) {
                out.append(contentsOf: ("[" + codePointName(v) + "]").unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }
}

/// `U+02BC` (at least four hex digits, as Unicode writes them): how veil names a code point
/// wherever it shows one instead of sending it.
public func codePointName(_ cp: UInt32) -> String {
    let hex = String(cp, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}

/// One line of veil's own on standard error, in one write; an agent's text in it is shown,
/// not obeyed (TerminalText).
public func stderrLine(_ s: String) {
    let line = Array((TerminalText.lines(s) + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
