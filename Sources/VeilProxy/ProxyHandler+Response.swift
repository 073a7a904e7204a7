import NIOCore
import NIOHTTP1
import VeilProfile
import VeilScan

/// Response writing, shared by the stub, both upstream clients and the errors. Every write
/// checks that its exchange is still the connection's current one: a late callback from an
/// abandoned upstream call must not write into the next exchange.
extension ProxyHandler {
    /// `flushedByCaller`: the caller flushes at the end of its read batch (DirectCall), so a
    /// stream's head and first event leave in one write.
    func responseHead(_ head: HTTPResponseHead, ex: Exchange, context: ChannelHandlerContext,
                      flushedByCaller: Bool = false) {
        guard machine.isCurrent(ex) else { return }
        var head = head
        if !ex.head.isKeepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        ex.status = Int(head.status.code)
        ex.responseHeadSent = true
        // A sized response follows at once: its first body write flushes the head too (one
        // syscall and one wake-up of the agent fewer). A stream's head goes out now.
        if flushedByCaller || head.headers.contains(name: "content-length") {
            context.write(wrapOutboundOut(.head(head)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        }
    }

    /// Flushed per chunk: SSE must reach the agent as the model produces it. The future is
    /// UpstreamCall's backpressure (AHC reads on once the agent took the chunk).
    func responseBody(_ chunk: ByteBuffer, ex: Exchange, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard machine.isCurrent(ex) else {
            return context.eventLoop.makeSucceededVoidFuture()
        }
        if ex.responseCapture != nil { ex.capture(chunk, limit: core.config.recordResponseBytes) }
        return context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(chunk))))
    }

    /// Written, not flushed: DirectCall flushes once per upstream read batch, and a response
    /// veil makes whole goes out at its end.
    func responseBodyPart(_ chunk: ByteBuffer, ex: Exchange, context: ChannelHandlerContext) {
        guard machine.isCurrent(ex) else { return }
        if ex.responseCapture != nil { ex.capture(chunk, limit: core.config.recordResponseBytes) }
        context.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
    }

    /// The record line is written before the flush: a response veil makes whole (stub, error,
    /// block) is not the agent's until its record is on disk.
    func responseEnd(_ ex: Exchange, context: ChannelHandlerContext) {
        guard machine.responseEnded(ex) else { return }
        core.finished(ex)
        releaseHeld()
        guard !ex.head.isKeepAlive else {
            wait(.idle, context: context)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            resumePipelined(context: context)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Upstream failed. Before the head went out the agent gets a proper error; after it, the
    /// status is already sent, so the only honest signal left is closing the connection.
    func upstreamFailed(_ ex: Exchange, status: HTTPResponseStatus, message: String, context: ChannelHandlerContext) {
        guard machine.isCurrent(ex) else { return }
        core.stats.update { $0.errors += 1 }
        ex.error = message
        if ex.responseHeadSent {
            core.finished(ex)
            close(context)
        } else {
            finishWithError(ex, status: status, message: message, context: context)
        }
    }

    /// Any upstream client's failure (http, https, WebSocket), as the agent reads it.
    func upstreamFailed(_ ex: Exchange, error: Error, context: ChannelHandlerContext) {
        let (status, message) = UpstreamFailure.describe(error, url: ex.upstream, trust: core.trust)
        upstreamFailed(ex, status: status, message: message, context: context)
    }

    func finishWithError(_ ex: Exchange, status: HTTPResponseStatus, message: String, context: ChannelHandlerContext) {
        machine.responding(ex)
        if core.recorder != nil { ex.responseCapture = context.channel.allocator.buffer(capacity: 0) }
        var (head, body) = errorResponse(api: ex.api, status: status, message: message, version: ex.head.version,
                                         context: context)
        head.headers.add(name: "x-veil-error", value: "1")
        responseHead(head, ex: ex, context: context)
        responseBodyPart(body, ex: ex, context: context)
        responseEnd(ex, context: context)
    }

    /// A refusal that has no exchange of its own (CONNECT, 413, 408, 503, malformed) goes into
    /// the record and the report too: a run whose report says `rejected: 37` shows the 37.
    func recordRefusal(_ head: HTTPRequestHead?, api: APIKind, status: HTTPResponseStatus, reason: String) {
        let head = head ?? HTTPRequestHead(version: .http1_1, method: .RAW(value: "?"), uri: "")
        // The path without its query: keys travel there.
        let target = AbsoluteURI(head.uri).map { "\($0.authority)" }
            ?? String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        core.stats.refused(head.method.rawValue + " " + target,
                           status: Int(status.code), reason: core.neutral.apply(reason))
        core.finishedRefusal(head, api: api, status: Int(status.code), reason: reason, via: tunnel?.via)
    }

    /// A refusal's answer; the connection closes after it.
    func writeError(api: APIKind, status: HTTPResponseStatus, message: String, context: ChannelHandlerContext) {
        var (head, body) = errorResponse(api: api, status: status, message: message, version: .http1_1, context: context)
        head.headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// veil's error in the API's own format (APIError), whichever way it is written.
    private func errorResponse(api: APIKind, status: HTTPResponseStatus, message: String, version: HTTPVersion,
                               context: ChannelHandlerContext) -> (HTTPResponseHead, ByteBuffer) {
        let body = context.channel.allocator.buffer(bytes: APIError.body(api: api, status: status,
                                                                          message: core.neutral.apply(message)))
        var head = HTTPResponseHead(version: version, status: status)
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "content-length", value: String(body.readableBytes))
        return (head, body)
    }
}
