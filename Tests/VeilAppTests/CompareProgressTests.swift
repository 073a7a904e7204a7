import Foundation
import Testing
@testable import VeilApp

@Suite struct CompareProgressTests {
    /// Each arm gets the timeout from the start, not one after the other (the veil arm could
    /// run twice as long before), and an arm past it is stopped and said to be.
    @Test func armsAreTimedTogetherAndStopped() async throws {
        let dir = NSTemporaryDirectory() + "veil-compare-progress-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let quick = try ChildProcess(argv: ["/bin/sh", "-c", "echo '{}' > \(dir)/quick.jsonl"], environment: [:], cwd: dir,
                                     logPrefix: dir + "/quick")
        let slow = try ChildProcess(argv: ["/bin/sleep", "30"], environment: [:], cwd: dir, logPrefix: dir + "/slow")
        try quick.start()
        try slow.start()
        // The wait blocks (up to 6 s): on a thread of its own, not one of the cooperative
        // pool's few that every other test needs, and timed there.
        let arms = [("host", quick, dir + "/quick.jsonl"), ("veil", slow, dir + "/slow.jsonl")]
        let (statuses, waited) = await withCheckedContinuation { done in
            Thread {
                let started = Date()
                let statuses = CompareProgress.await(arms, timeout: 1)
                done.resume(returning: (statuses, Date().timeIntervalSince(started)))
            }.start()
        }
        #expect(waited < 8)
        #expect(statuses[0] == 0 && !quick.timedOut)
        // SIGTERM, or SIGKILL 5 s later where the test runner's children inherit it ignored.
        #expect(slow.timedOut && [128 + SIGTERM, 128 + SIGKILL].contains(statuses[1]), "\(statuses)")
        let line = CompareProgress.line([("host", quick, dir + "/quick.jsonl"), ("veil", slow, dir + "/slow.jsonl")],
                                        statuses.map { $0 }, elapsed: 1, timeout: 1)
        #expect(line.contains("host arm exit 0, 1 request(s)") && line.contains("veil arm stopped at the timeout"))
    }
}
