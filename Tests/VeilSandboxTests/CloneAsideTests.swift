import CVeilShim
import Glibc
import Testing

/// veil_clone_aside: PID 1 is made by a helper, so that veil plans while the kernel makes the
/// namespaces; it must still be veil's own child, and a refused clone must reach veil.
@Suite struct CloneAsideTests {
    /// The helper's report: PID 1's pid, or -errno.
    func report(_ fd: Int32, helper: pid_t) throws -> Int32 {
        var value: Int32 = 0
        let n = read(fd, &value, 4)
        close(fd)
        var status: Int32 = 0
        try #require(waitpid(helper, &status, 0) == helper)
        #expect(status == 0, "the helper exits 0 once it has reported")
        try #require(n == 4)
        return value
    }

    /// Moved to another CPU (an idle machine) or left to the scheduler, the same sandbox.
    @Test(arguments: [Int32(1), 0]) func theSandboxIsTheCallersChildAndPID1(moveAside: Int32) throws {
        var fd: Int32 = -1
        let helper = veil_clone_aside(veil_sandbox_namespaces(), moveAside, &fd)
        if helper == 0 { _exit(getpid() == 1 ? 42 : 1) }  // only syscalls: the test process has threads
        try #require(helper > 0)
        let pid = try report(fd, helper: helper)
        try #require(pid > 0)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid, "waitable by the caller: CLONE_PARENT")
        #expect((status >> 8) & 0xFF == 42, "PID 1 of its own PID namespace")
    }

    @Test func aRefusedCloneIsReportedWithItsErrno() throws {
        var fd: Int32 = -1
        // CLONE_NEWUSER with CLONE_FS is always EINVAL.
        let helper = veil_clone_aside(veil_sandbox_namespaces() | 0x200, 1, &fd)
        if helper == 0 { _exit(3) }
        try #require(helper > 0)
        #expect(try report(fd, helper: helper) == -EINVAL)
    }
}
