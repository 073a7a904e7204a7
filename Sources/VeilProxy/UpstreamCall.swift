import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import VeilProfile

/// One request forwarded over AHC (https and host-proxied upstreams; plain http goes through
/// DirectCall), entirely on the agent connection's event loop: the client used is that loop's
/// own (see InspectorCore), so its pooled connections live there too. Requested as
/// `.delegate(on:)`, not `.delegateAndChannel(on:)`: AHC 1.37 closes event-loop-bound
/// connections as soon as they are idle, which measured one new upstream connection per
/// request (a TIME-WAIT each) and 1,500 req/s.
///
/// The read timeout is veil's own (AHC's is off, see InspectorCore): AHC's idle-read timer
/// also counts the time its reads wait for the agent, so a slow agent lost the rest of a
/// response; `silence` does not.
// @unchecked: AHC wants a Sendable delegate, but every member is used only on the agent
// connection's loop (AHC calls back there, `.delegate(on:)`); a checked split, its state in a
// NIOLoopBoundBox, would cost every request a second allocation.
final class UpstreamCall: HTTPClientResponseDelegate, UpstreamTask, @unchecked Sendable {
    typealias Response = Void

    let ex: Exchange
    let handler: ProxyHandler
    let context: ChannelHandlerContext
    var task: HTTPClient.Task<Void>?
    private var silence: SilenceClock
    private var timer: Scheduled<Void>?
    private var ended = false
    /// Bytes of a sized response still to come (nil: chunked or close-delimited).
    private var unreceived: Int?

    init(ex: Exchange, handler: ProxyHandler, context: ChannelHandlerContext) {
        self.ex = ex
        self.handler = handler
        self.context = context
        silence = SilenceClock(timeout: .seconds(handler.core.config.readTimeoutSeconds))
    }

    /// `upstreamURL` and `headers` already carry the real credentials (UpstreamRequest.start).
    static func start(_ ex: Exchange, url upstreamURL: String, headers: HTTPHeaders, handler: ProxyHandler,
                      context: ChannelHandlerContext) -> UpstreamCall {
        let call = UpstreamCall(ex: ex, handler: handler, context: context)
        let core = handler.core
        let target = AbsoluteURI(upstreamURL)
        if let problem = core.trust.problem, target?.scheme == "https" {
            call.failSoon("veil: no https upstream can be verified: \(problem)")
            return call
        }
        if let target, case .refused(let why) = core.proxies.route(for: target) {
            call.failSoon(why)
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
            call.failSoon("veil: cannot build the upstream request to \(ex.upstream): \(error)")
        }
        return call
    }

    /// 502 before any upstream connection; on the next loop turn, as a failed exchange would be.
    private func failSoon(_ message: String) {
        context.eventLoop.assumeIsolated().execute { [self] in
            handler.upstreamFailed(ex, status: .badGateway, message: message, context: context)
        }
    }

    func cancel() {
        end()
        task?.cancel()
    }

    /// Backpressure here is the future `didReceiveBodyPart` returns.
    func agentWritabilityChanged() {}

    /// The request is out: from now on the upstream's silence counts (as AHC's timer did).
    func didSendRequest(task: HTTPClient.Task<Void>) {
        silence.heard()
        if !ended && timer == nil { armTimer(in: silence.timeout) }
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        silence.heard()
        unreceived = head.headers.first(name: "content-length").flatMap { Int($0) }
        handler.responseHead(UpstreamRequest.agentHead(head, for: ex), ex: ex, context: context)
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
        silence.hold()
        let written = handler.responseBody(buffer, ex: ex, context: context)
        written.assumeIsolated().whenComplete { [self] _ in silence.resume() }
        return written
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        end()
        handler.responseEnd(ex, context: context)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
        end()
        let (status, message) = UpstreamFailure.describe(error, url: ex.upstream, trust: handler.core.trust)
        handler.upstreamFailed(ex, status: status, message: message, context: context)
    }

    private func end() {
        ended = true
        timer?.cancel()
        timer = nil
    }

    private func armTimer(in delay: TimeAmount) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in self?.checkSilence() }
    }

    private func checkSilence() {
        timer = nil
        guard !ended else { return }
        if let next = silence.next() { armTimer(in: next) } else { task?.fail(reason: UpstreamFailure.readTimeout) }
    }
}
