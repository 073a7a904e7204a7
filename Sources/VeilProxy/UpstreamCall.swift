import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// One request forwarded over AHC (https and host-proxied upstreams; plain http goes through
/// DirectCall), entirely on the agent connection's event loop: the client used is that loop's
/// own (see InspectorCore), so its pooled connections live there too. Requested as
/// `.delegate(on:)`, not `.delegateAndChannel(on:)`: AHC 1.37 closes event-loop-bound
/// connections as soon as they are idle, which measured one new upstream connection per
/// request (a TIME-WAIT each) and 1,500 req/s.
final class UpstreamCall: HTTPClientResponseDelegate, UpstreamTask, @unchecked Sendable {
    typealias Response = Void

    let ex: Exchange
    let handler: ProxyHandler
    let context: ChannelHandlerContext
    var task: HTTPClient.Task<Void>?

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
        do {
            let request = try HTTPClient.Request(
                url: upstreamURL, method: ex.head.method, headers: headers,
                body: ex.body.readableBytes > 0 || ex.head.method == .POST ? .byteBuffer(ex.body) : nil)
            call.task = core.client(for: upstreamURL, on: context.eventLoop).execute(
                request: request, delegate: call, eventLoop: .delegate(on: context.eventLoop),
                deadline: nil, logger: nil)
        } catch {
            context.eventLoop.execute {
                handler.upstreamFailed(ex, status: .badGateway,
                                       message: "veil: cannot build the upstream request to \(ex.upstream): \(error)",
                                       context: context)
            }
        }
        return call
    }

    func cancel() { task?.cancel() }

    /// Backpressure here is the future `didReceiveBodyPart` returns.
    func agentWritabilityChanged() {}

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        handler.responseHead(UpstreamRequest.agentHead(head, for: ex), ex: ex, context: context)
        return context.eventLoop.makeSucceededVoidFuture()
    }

    /// Returning the write's future is the backpressure: AHC reads on once the agent took it.
    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        handler.responseBody(buffer, ex: ex, context: context)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        handler.responseEnd(ex, context: context)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
        let (status, message) = UpstreamFailure.describe(error, url: ex.upstream)
        handler.upstreamFailed(ex, status: status, message: message, context: context)
    }
}
