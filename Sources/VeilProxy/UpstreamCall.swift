import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import VeilProfile

/// One request forwarded over AHC (https and host-proxied upstreams; plain http goes through
/// DirectCall), entirely on the agent connection's event loop: the client used is that loop's
/// own (see SharedResources), so its pooled connections live there too. Requested as
/// `.delegate(on:)`, not `.delegateAndChannel(on:)`: AHC 1.37 closes event-loop-bound
/// connections as soon as they are idle, which measured one new upstream connection per
/// request (a TIME-WAIT each) and 1,500 req/s.
///
/// The read timeout is veil's own (AHC's is off, see SharedResources): AHC's idle-read timer
/// also counts the time its reads wait for the agent, so a slow agent lost the rest of a
/// response; the connection's silence clock (UpstreamTask) does not.
// @unchecked: AHC wants a Sendable delegate, but every member is used only on the agent
// connection's loop (AHC calls back there, `.delegate(on:)`); a checked split, its state in a
// NIOLoopBoundBox, would cost every request a second allocation.
final class UpstreamCall: HTTPClientResponseDelegate, UpstreamClientCall, @unchecked Sendable {
    typealias Response = Void

    let ex: Exchange
    let handler: ProxyHandler
    let context: ChannelHandlerContext
    var task: HTTPClient.Task<Void>?
    /// Bytes of a sized response still to come (nil: chunked or close-delimited).
    private var unreceived: Int?

    init(ex: Exchange, handler: ProxyHandler, context: ChannelHandlerContext) {
        self.ex = ex
        self.handler = handler
        self.context = context
    }

    /// `upstreamURL` and `headers` already carry the real credentials (UpstreamRequest.start).
    static func start(_ ex: Exchange, url upstreamURL: String, headers: HTTPHeaders, handler: ProxyHandler,
                      context: ChannelHandlerContext) -> UpstreamCall {
        let call = UpstreamCall(ex: ex, handler: handler, context: context)
        let core = handler.core
        let target = AbsoluteURI(upstreamURL)
        if let problem = core.trust.problem, target?.scheme == "https" {
            call.failSoon(UpstreamFailure.refused("veil: no https upstream can be verified: \(problem)"))
            return call
        }
        if let target, case .refused(let why) = core.proxies.route(for: target) {
            call.failSoon(UpstreamFailure.refused(why))
            return call
        }
        do {
            let request = try HTTPClient.Request(
                url: upstreamURL, method: ex.head.method, headers: headers,
                body: ex.body.readableBytes > 0 || ex.head.method == .POST ? .byteBuffer(ex.body) : nil)
            call.task = core.client(for: upstreamURL, on: context.eventLoop).execute(
                request: request, delegate: call, eventLoop: .delegate(on: context.eventLoop),
                deadline: nil, logger: nil)
        } catch {
            call.failSoon(UpstreamFailure.badURL("\(error)"))
        }
        return call
    }

    /// 502 before any upstream connection; on the next loop turn, as a failed exchange would be.
    private func failSoon(_ failure: UpstreamFailure) {
        context.eventLoop.assumeIsolated().execute { [self] in fail(failure) }
    }

    func cancel() {
        task?.cancel()
    }

    /// Backpressure here is the future `didReceiveBodyPart` returns.
    func agentWritabilityChanged() {}

    func silenceExpired() {
        task?.fail(reason: UpstreamFailure.readTimeout)
    }

    func didSendRequest(task: HTTPClient.Task<Void>) {
        requestSent()
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        heard()
        unreceived = head.headers.first(name: "content-length").flatMap { Int($0) }
        forwardHead(head)
        return context.eventLoop.makeSucceededVoidFuture()
    }

    /// Returning the write's future is the backpressure: AHC reads on once the agent took it.
    /// Until then the silence clock holds.
    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        if let left = unreceived {
            unreceived = left - buffer.readableBytes
            if left <= buffer.readableBytes {
                // The last bytes of a sized response leave with the end, after the record line:
                // an agent holding its whole answer finds the exchange recorded.
                handler.responseBodyPart(buffer, ex: ex, context: context)
                return context.eventLoop.makeSucceededVoidFuture()
            }
        }
        holdSilence()
        let written = handler.responseBody(buffer, ex: ex, context: context)
        written.assumeIsolated().whenComplete { [self] _ in resumeSilence() }
        return written
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        forwardEnd()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
        fail(error)
    }
}
