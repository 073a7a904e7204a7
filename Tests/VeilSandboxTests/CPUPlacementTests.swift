import Testing
@testable import VeilSandbox

/// The helper that makes PID 1 moves to another CPU only when no other task is runnable.
@Suite struct CPUPlacementTests {
    @Test(arguments: [
        ("0.52 0.58 0.59 1/467 12345\n", true),
        ("0.00 0.00 0.00 0/90 7\n", true),
        ("1.38 0.94 1.04 2/345 999\n", false),   // one CPU spinning: stay where the scheduler puts it
        ("3.10 2.00 1.00 17/512 4242\n", false),
        ("0.52 0.58 0.59 /467 12345\n", false),
        ("0.52 0.58 0.59 x/467 12345\n", false),
        ("0.52 0.58 0.59 1\n", false),
        ("0.52 0.58\n", false),
        ("0.52 0.58 0.59 0000001/467 1\n", false),  // longer than any count: unreadable
        ("", false),
    ])
    func movesAsideOnlyWhenOthersAreIdle(loadavg: String, move: Bool) {
        #expect(CPUPlacement.othersIdle(loadavg: Array(loadavg.utf8)) == move)
    }
}
