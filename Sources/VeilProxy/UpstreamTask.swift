import NIOCore
import NIOHTTP1

/// A forwarded request in flight, whichever client carries it, as the agent connection (and
/// its state machine) sees it.
protocol UpstreamTask: AnyObject {
    /// The agent went away: stop, and free the upstream connection.
    func cancel()
    /// The agent's socket drained (or filled): resume (or hold) reading upstream.
    func agentWritabilityChanged()
    /// The upstream said nothing for the whole read timeout: end the exchange with
    /// `UpstreamFailure.readTimeout`.
    func silenceExpired()
}

/// The one abstraction over both upstream clients: `DirectCall` (veil's own keep-alive
/// client, plain http) and `UpstreamCall` (AsyncHTTPClient: https and host proxies). A client
/// only translates its own events into the calls below; the silence clock, the error a
/// failure becomes and the response's way to the agent exist once, here and in ProxyHandler,
/// so the two clients cannot drift apart.
protocol UpstreamClientCall: UpstreamTask {
    var ex: Exchange { get }
    var handler: ProxyHandler { get }
    var context: ChannelHandlerContext { get }
}

extension UpstreamClientCall {
    // MARK: the silence clock (one per agent connection, on its one timer)

    /// The request is out: from now on the upstream's silence counts.
    func requestSent() {
        guard handler.machine.isCurrent(ex) else { return }
        handler.upstreamSilenceStarts(context: context)
    }

    /// The upstream said something: its silence starts again. Not from an abandoned call's
    /// late bytes, which must not move the current request's clock.
    func heard() {
        guard handler.machine.isCurrent(ex) else { return }
        handler.silence.heard()
    }

    /// veil stopped reading upstream until the agent takes what it was sent: that time is the
    /// agent's, not the upstream's silence.
    func holdSilence() {
        guard handler.machine.isCurrent(ex) else { return }
        handler.silence.hold()
    }

    func resumeSilence() {
        guard handler.machine.isCurrent(ex) else { return }
        handler.silence.resume()
    }

    // MARK: to the agent

    /// `flushedByCaller`: the client flushes at the end of its read batch (DirectCall).
    func forwardHead(_ upstream: HTTPResponseHead, flushedByCaller: Bool = false) {
        handler.responseHead(UpstreamRequest.agentHead(upstream, for: ex), ex: ex, context: context,
                             flushedByCaller: flushedByCaller)
    }

    func forwardEnd() {
        handler.responseEnd(ex, context: context)
    }

    /// Any client's failure, as the agent reads it (UpstreamFailure.describe).
    func fail(_ error: Error) {
        handler.upstreamFailed(ex, error: error, context: context)
    }
}
