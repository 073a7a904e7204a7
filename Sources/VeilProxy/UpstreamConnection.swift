import NIOCore
import NIOHTTP1

/// One keep-alive connection to a plain-http upstream, carrying one exchange at a time. It
/// only moves response parts to the current call and decides whether the connection can be
/// reused; what the agent gets is the call's and ProxyHandler's business.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let key: UpstreamPool.Key
    let pool: UpstreamPool
    var idleSince = NIODeadline.now()
    /// Exchanges completed here; above zero the connection is a reused one.
    private(set) var served = 0
    private var context: ChannelHandlerContext?
    private var call: DirectCall?
    private var requestWritten = false
    private var reusable = true
    /// A read held back while the agent cannot take more (backpressure).
    private var pendingRead = false
    private var failure: Error?

    init(key: UpstreamPool.Key, pool: UpstreamPool) {
        self.key = key
        self.pool = pool
    }

    var isOpen: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Head, body and end in one flush: one writev for the whole request.
    func send(_ head: HTTPRequestHead, body: ByteBuffer?, for call: DirectCall) {
        guard let context, context.channel.isActive else {
            call.connectionClosed(UpstreamFailure.closed, reused: served > 0)
            return
        }
        self.call = call
        requestWritten = false
        reusable = true
        failure = nil
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { [weak call] result in
            guard let call, self.call === call else { return }
            switch result {
            case .success:
                self.requestWritten = true
            case .failure(let error):
                // Not sent (NIO refused the head: a red team's `/\host:port/x` target; or the
                // connection broke): no answer can come, so the call hears it now. It used to
                // wait for the connection's inactive event, which did not come, and the agent
                // waited minutes for an answer.
                let closed = error as? ChannelError == .ioOnClosedChannel || error is IOError
                self.endCall(closed ? UpstreamFailure.closed : error)
                self.close()
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        call?.heard()
        switch unwrapInboundIn(data) {
        case .head(let head):
            reusable = head.isKeepAlive
            call?.responseHead(head)
        case .body(let chunk):
            call?.responseBody(chunk)
        case .end:
            guard let finished = call else { return }
            call = nil
            served += 1
            // Back to the pool before the agent hears the end: its next (pipelined) request
            // may start at once and should find this connection idle.
            if reusable && requestWritten && context.channel.isActive {
                pool.release(self)
            } else {
                context.close(promise: nil)
            }
            finished.responseEnd()
        }
    }

    /// One flush per read batch: a sized response goes out in one write, a stream still
    /// reaches the agent as each batch of events arrives.
    func channelReadComplete(context: ChannelHandlerContext) {
        call?.flushAgent()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if let call, !call.agentWritable {
            pendingRead = true
            call.holdSilence()
        } else {
            context.read()
        }
    }

    /// The agent drained its buffer: the held-back read can go ahead.
    func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        call?.resumeSilence()
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        pool.remove(self)
        endCall(UpstreamFailure.closed)
        context.fireChannelInactive()
    }

    /// The call's exchange is lost with this connection: the call hears why once (the error
    /// caught first, else `fallback`), and whether a retry may help (a reused connection).
    private func endCall(_ fallback: Error) {
        guard let lost = call else { return }
        call = nil
        lost.connectionClosed(failure ?? fallback, reused: served > 0)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or broken pipe on an open connection is the upstream closing it, whatever errno.
        failure = failure ?? (error is IOError ? UpstreamFailure.closed : error)
        context.close(promise: nil)
    }

    /// The agent went away mid-exchange: the rest of the response has nowhere to go, and the
    /// connection cannot be reused with it half read.
    func abandon() {
        call = nil
        close()
    }

    func close() {
        context?.close(promise: nil)
    }

    /// The upstream was silent for the read timeout (its clock is the agent connection's):
    /// the exchange ends with a 504, never a retry.
    func timeOut() {
        failure = UpstreamFailure.readTimeout
        close()
    }
}
