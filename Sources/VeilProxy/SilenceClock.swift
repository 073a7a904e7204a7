import NIOCore

/// The upstream read timeout, for both upstream clients (one per agent connection, timed by
/// its ConnectionDeadline). It counts the upstream's silence only
/// while veil is ready to read: time spent waiting for the agent to take what already came
/// (backpressure) is the agent's, and a slow agent must not lose the rest of its response.
struct SilenceClock {
    let timeout: TimeAmount
    private var lastHeard: NIODeadline
    private var holding = false

    init(timeout: TimeAmount, now: NIODeadline = .now()) {
        self.timeout = timeout
        lastHeard = now
    }

    mutating func heard(now: NIODeadline = .now()) { lastHeard = now }

    /// A new request went upstream: its silence counts from now.
    mutating func restart(now: NIODeadline = .now()) {
        holding = false
        lastHeard = now
    }

    /// Reading stopped until the agent drains what it was sent.
    mutating func hold() { holding = true }

    /// Reading goes on: the silence counts from now.
    mutating func resume(now: NIODeadline = .now()) {
        holding = false
        lastHeard = now
    }

    /// When the timer fires: nil once the upstream was silent for the whole timeout, else how
    /// long until the next look.
    func next(now: NIODeadline = .now()) -> TimeAmount? {
        if holding { return timeout }
        let quiet = now - lastHeard
        return quiet >= timeout ? nil : timeout - quiet
    }
}
