import CVeilShim
import Glibc
import Testing
@testable import VeilSandbox

/// PID 1 reports the agent's status on the launch channel before it exits, and veil returns on
/// the report without waiting for the kernel to tear the sandbox down; without a report it
/// waits for the exit. A shell stands in for PID 1, writing the message on descriptor 3.
@Suite struct StatusReportTests {
    /// Spawns `/bin/sh -c script` with one end of a new launch channel as descriptor 3.
    func spawn(_ script: String) throws -> (pid: pid_t, report: LaunchChannel) {
        let (ours, theirs) = try LaunchChannel.pair()
        let fds = [ours.fd, theirs.fd]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 3)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(script), nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0)
        theirs.close()
        return (pid, ours)
    }

    @Test func theReportedStatusReturnsWhileTheReporterStillRuns() throws {
        let (pid, report) = try spawn(#"printf '\011\000\007\000\000\000' >&3; exec sleep 30"#)
        defer { report.close() }
        #expect(SignalForwarding.wait(for: pid, reapAll: false, report: report) == 7)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) == 0, "wait returned only after the reporter exited")
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    @Test func withoutAReportTheExitStatusIsTheAnswer() throws {
        let (pid, report) = try spawn("exit 9")
        defer { report.close() }
        #expect(SignalForwarding.wait(for: pid, reapAll: false, report: report) == 9)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD, "the child was reaped")
    }

    @Test func aSignalDeathWithoutAReportIs128PlusTheSignal() throws {
        let (pid, report) = try spawn("kill -KILL $$")  // KILL: the runner may block TERM, and a child inherits the mask
        defer { report.close() }
        #expect(SignalForwarding.wait(for: pid, reapAll: false, report: report) == 137)
    }
}
