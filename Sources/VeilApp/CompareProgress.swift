import Foundation

/// Waits for compare's two arms, each up to `timeout` from the start (then stopped), and on a
/// terminal shows where each stands: a run can take minutes (the default timeout is 600 s),
/// and a silent terminal reads as a hang.
enum CompareProgress {
    typealias Arm = (name: String, child: ChildProcess, record: String)

    static func await(_ arms: [Arm], timeout: Double) -> [Int32] {
        let tty = isatty(STDERR_FILENO) == 1
        let start = Date()
        var statuses = [Int32?](repeating: nil, count: arms.count)
        while statuses.contains(where: { $0 == nil }) {
            let elapsed = Date().timeIntervalSince(start)
            for (i, arm) in arms.enumerated() where statuses[i] == nil && (arm.child.finished || elapsed > timeout) {
                statuses[i] = arm.child.wait(timeout: elapsed > timeout ? 0 : 5)
            }
            if tty { FileHandle.standardError.write(Data(line(arms, statuses, elapsed: elapsed, timeout: timeout).utf8)) }
            if statuses.contains(where: { $0 == nil }) { Thread.sleep(forTimeInterval: 0.5) }
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return statuses.map { $0! }
    }

    /// `veil compare: host arm running, 2 request(s) · veil arm exit 0, 3 request(s) · 14 s of 600`
    static func line(_ arms: [Arm], _ statuses: [Int32?], elapsed: Double, timeout: Double) -> String {
        let parts = zip(arms, statuses).map { arm, status in
            let requests = requestsSoFar(arm.record)
            let state = status.map { arm.child.timedOut ? "stopped at the timeout" : "exit \($0)" } ?? "running"
            return "\(arm.name) arm \(state), \(requests) request(s)"
        }
        return "\r\u{1B}[Kveil compare: " + parts.joined(separator: " · ") + " · \(Int(elapsed)) s of \(Int(timeout))"
    }

    /// Lines in the arm's record so far (one per exchange).
    static func requestsSoFar(_ record: String) -> Int {
        guard let data = FileManager.default.contents(atPath: record) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
