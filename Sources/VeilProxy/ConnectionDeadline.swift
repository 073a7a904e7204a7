import NIOConcurrencyHelpers
import NIOCore

/// What an agent connection may wait for, and until when: an idle keep-alive connection for its
/// next request (`idle_timeout_seconds`), a request that has begun for its last byte
/// (`request_timeout_seconds`: a head sent a byte a second does not hold a connection forever),
/// an upstream for its next byte while veil answers (`read_timeout_seconds`, SilenceClock).
struct ConnectionDeadline: Equatable {
    enum Kind { case idle, request, upstream }
    let kind: Kind
    let at: NIODeadline
}

/// Request bytes held at once over every connection (`max_buffered_bytes`): sixteen unfinished
/// 60 MiB bodies must not hold a gigabyte of the host's memory. A connection reserves what its
/// body will occupy (its declared length at once, as that is what veil allocates) and the
/// body's decoded view, and gives them back when its exchange ends; a WebSocket what it has
/// read of a message not yet sent on (WebSocketHeld).
final class BufferBudget: Sendable {
    let limit: Int
    private let used = NIOLockedValueBox(0)

    init(limit: Int) { self.limit = limit }

    func reserve(_ bytes: Int) -> Bool {
        used.withLockedValue { used in
            guard used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) { used.withLockedValue { $0 -= bytes } }

    var inUse: Int { used.withLockedValue { $0 } }

    /// Why a request (503) or a WebSocket (1013) was refused for want of room: SDKs retry.
    var full: String { "the inspector holds its limit of \(limit) bytes of requests; retry" }
}

extension ProxyHandler {
    /// Waits for `kind` from now. One timer per connection: it is moved only when the new end
    /// comes before the one it was set for, and otherwise finds the new end when it fires.
    func wait(_ kind: ConnectionDeadline.Kind, now: NIODeadline = .now(), context: ChannelHandlerContext) {
        let seconds = switch kind {
        case .idle: core.config.idleTimeoutSeconds
        case .request: core.config.requestTimeoutSeconds
        case .upstream: core.config.readTimeoutSeconds
        }
        let end = ConnectionDeadline(kind: kind, at: now + .seconds(seconds))
        deadline = end
        if let timerAt = deadlineTimerAt, timerAt <= end.at { return }
        deadlineTimer?.cancel()
        schedule(at: end.at, context: context)
    }

    func stopWaiting() { deadline = nil }

    /// The request went upstream: the upstream's silence counts from now, for either client.
    /// The timer is the connection's one: neither re-armed on every upstream read nor
    /// cancelled at every response end, it finds the clock's new end when it fires.
    func upstreamSilenceStarts(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        silence.restart(now: now)
        wait(.upstream, now: now, context: context)
    }

    private func schedule(at: NIODeadline, context: ChannelHandlerContext) {
        deadlineTimerAt = at
        deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [weak self] in self?.deadlineReached() }
    }

    private func deadlineReached() {
        deadlineTimer = nil
        deadlineTimerAt = nil
        guard let end = deadline, let context else { return }
        let now = NIODeadline.now()
        if end.at > now {
            schedule(at: end.at, context: context)
            return
        }
        if end.kind == .upstream, let next = silence.next(now: now) {
            deadline = ConnectionDeadline(kind: .upstream, at: now + next)
            schedule(at: now + next, context: context)
            return
        }
        deadline = nil
        perform(machine.deadlinePassed(end.kind), context: context)
    }

    func cancelDeadline() {
        deadline = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        deadlineTimerAt = nil
    }

    /// Reserves what `ex`'s body will occupy with `adding` more bytes; false when the
    /// inspector's shared bound would be passed.
    func hold(_ ex: Exchange, adding: Int) -> Bool {
        let needed = max(ex.body.readableBytes + adding, min(ex.declaredLength, core.config.maxBodyBytes))
        guard needed > held else { return true }
        guard core.buffers.reserve(needed - held) else { return false }
        held = needed
        return true
    }

    /// Reserves `bytes` more for as long as the exchange lasts: the body as the scanner reads
    /// it (BodyView), when that is not the body itself. A compressed body a thousandth of the
    /// cap can decode to the cap, and the view is kept until the response ends (the record).
    func holdView(_ bytes: Int) -> Bool {
        guard core.buffers.reserve(bytes) else { return false }
        held += bytes
        return true
    }

    func releaseHeld() {
        guard held > 0 else { return }
        core.buffers.release(held)
        held = 0
    }
}
