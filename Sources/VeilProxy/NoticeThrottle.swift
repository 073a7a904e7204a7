/// How many block notices reach the terminal. Each blocked request is one line, and a hostile
/// agent can send thousands a second: that buried the agent's own screen, and a terminal
/// paused (Ctrl-S) or a pipe read slowly held the inspector's threads in write(2). The first
/// `burst` are said each; after that, one line at most every `interval` seconds says how many
/// more were blocked, and the run's end says the rest. The record and the report list each.
/// Pure: it is told the time, and returns what to say.
struct NoticeThrottle: Sendable {
    static let burst = 10
    static let interval = 1.0
    private(set) var said = 0
    /// Blocked since the last line said.
    private(set) var held = 0
    private var lastSaid = -Double.infinity

    /// A request was blocked at `now` (seconds): its line, a line for those held, or nothing.
    mutating func blocked(_ line: String, now: Double) -> String? {
        if said < NoticeThrottle.burst {
            said += 1
            lastSaid = now
            return line
        }
        held += 1
        guard now - lastSaid >= NoticeThrottle.interval else { return nil }
        return sayHeld(now: now)
    }

    /// The run ends: the line for those still held, if any.
    mutating func finish() -> String? { held > 0 ? sayHeld(now: lastSaid) : nil }

    private mutating func sayHeld(now: Double) -> String {
        defer { held = 0; lastSaid = now }
        return "veil: blocked \(held) more request\(held == 1 ? "" : "s") (lines past the first \(NoticeThrottle.burst) "
            + "are counted; --record and --report list each)"
    }
}
