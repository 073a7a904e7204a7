import Testing
@testable import VeilProfile

/// An agent's text on veil's lines reaches the user's terminal outside the sandbox: what a
/// terminal would obey (C0 controls, DEL, C1) is shown as a code point, the rest kept.
@Suite struct TerminalTextTests {
    // Window title, clipboard (OSC 52), cursor up and erase line (CSI via ESC and via C1), bell.
    static let attack = "a\u{1B}]0;owned\u{07}b\u{1B}]52;c;ZWNobyBoaQ==\u{1B}\\c\u{1B}[1A\u{1B}[2K\u{9B}2Kd\u{7F}"

    @Test func controlsAreShownNotSent() {
        let shown = TerminalText.line(Self.attack)
        #expect(shown == "a[U+001B]]0;owned[U+0007]b[U+001B]]52;c;ZWNobyBoaQ==[U+001B]\\c[U+001B][1A[U+001B][2K[U+009B]2Kd[U+007F]")
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F ... 0x9F).contains($0.value) })
    }

    /// A line cannot be ended to start one that reads like veil's; `lines` keeps the lines of
    /// a multi-line message (an error's description) and still shows the rest.
    @Test func oneLineStaysOneLine() {
        #expect(TerminalText.line("x.txt\nveil: nothing was hidden\r\t") == "x.txt[U+000A]veil: nothing was hidden[U+000D][U+0009]")
        #expect(TerminalText.lines("first\n\tsecond\r\u{1B}[2J") == "first\n\tsecond[U+000D][U+001B][2J")
    }

    @Test func printableTextIsKeptAsItIs() {
        for s in ["plain ASCII ~!@#$%^&*()", "naïve café — “quoted” ‹home path› 東京 🙂", ""] {
            #expect(TerminalText.line(s) == s)
            #expect(TerminalText.lines(s) == s)
        }
    }
}
