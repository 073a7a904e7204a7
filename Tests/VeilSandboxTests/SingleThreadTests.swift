import CVeilShim
import Glibc
import Testing
@testable import VeilSandbox

/// The clone is a fork that runs Swift in the child, safe only from a single-threaded veil:
/// the check must see another thread, and must not refuse a process that has none.
@Suite struct SingleThreadTests {
    @Test func aSecondThreadIsSeen() throws {
        // The test process runs its tests on several threads; one more, waiting on a pipe,
        // makes it certain.
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        var thread = pthread_t()
        try #require(pthread_create(&thread, nil, { arg in
            var byte: UInt8 = 0
            _ = read(Int32(Int(bitPattern: arg)), &byte, 1)
            return nil
        }, UnsafeMutableRawPointer(bitPattern: Int(fds[0]))) == 0)
        #expect(veil_thread_count() > 1)
        #expect(throws: SandboxError.self) { try Sandbox.requireSingleThread() }
        close(fds[1])
        pthread_join(thread, nil)
        close(fds[0])
    }

    @Test func aForkedChildHasOneThread() throws {
        let child = fork()
        if child == 0 { _exit(veil_thread_count() == 1 ? 0 : 1) }  // only C after fork
        try #require(child > 0)
        var status: Int32 = 0
        try #require(waitpid(child, &status, 0) == child)
        #expect(status == 0, "a process of one thread is single-threaded")
    }
}
