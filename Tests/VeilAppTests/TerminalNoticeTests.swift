import Foundation
import Testing
@testable import VeilApp

/// The block notice under a full-screen agent: on a line of its own when the terminal is raw.
@Suite struct TerminalNoticeTests {
    @Test func rawTerminalsGetTheNoticeOnALineOfItsOwn() {
        #expect(TerminalNotice.render("veil: blocked POST /v1/messages", raw: true) == "\r\nveil: blocked POST /v1/messages\r\n")
        #expect(TerminalNotice.render("veil: blocked POST /v1/messages", raw: false) == "veil: blocked POST /v1/messages\n")
    }

    /// A real pseudo-terminal: cooked as opened, raw after cfmakeraw (what TUIs do), and a
    /// pipe is never a raw terminal.
    @Test func aPseudoTerminalIsRawOnlyOnceMadeSo() throws {
        let master = posix_openpt(O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        try #require(grantpt(master) == 0 && unlockpt(master) == 0)
        let name = try #require(ptsname(master).map { String(cString: $0) })
        let slave = open(name, O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }
        #expect(!TerminalNotice.isRaw(slave))
        var t = termios()
        try #require(tcgetattr(slave, &t) == 0)
        cfmakeraw(&t)
        try #require(tcsetattr(slave, TCSANOW, &t) == 0)
        #expect(TerminalNotice.isRaw(slave))
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(!TerminalNotice.isRaw(fds[1]))
    }
}
