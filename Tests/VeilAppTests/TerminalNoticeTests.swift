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
        // posix_openpt and friends, spelled as the kernel takes them (Glibc's module map leaves
        // the XSI calls out): unlock the new pty, ask its number.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        defer { close(master) }
        // TIOCSPTLCK and TIOCGPTN (<asm-generic/ioctls.h>; macros Swift does not import).
        let unlockRequest: UInt = 0x4004_5431, numberRequest: UInt = 0x8004_5430
        var unlock: Int32 = 0, number: UInt32 = 0
        #expect(ioctl(master, unlockRequest, &unlock) == 0)
        #expect(ioctl(master, numberRequest, &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
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
