import NIOCore
import NIOHTTP1
import VeilProfile

/// One request forwarded over the lean client, on the agent connection's event loop (the pool
/// is that loop's own). The request body is the very buffer the scanner read: it is written
/// to the upstream socket as is, never copied.
final class DirectCall: UpstreamClientCall {
    let ex: Exchange
    let handler: ProxyHandler
    let context: ChannelHandlerContext
    let pool: UpstreamPool
    let key: UpstreamPool.Key
    let head: HTTPRequestHead
    private var connection: UpstreamConnection?
    private var responseStarted = false
    private var retried = false
    private var cancelled = false

    private init(ex: Exchange, handler: ProxyHandler, context: ChannelHandlerContext, pool: UpstreamPool,
                 key: UpstreamPool.Key, head: HTTPRequestHead) {
        self.ex = ex
        self.handler = handler
        self.context = context
        self.pool = pool
        self.key = key
        self.head = head
    }

    static func start(_ ex: Exchange, target: AbsoluteURI, headers: HTTPHeaders, handler: ProxyHandler,
                      context: ChannelHandlerContext) -> DirectCall {
        var headers = headers
        // The port is part of Host unless it is the scheme's default (RFC 9110 7.2). The agent's
        // own Host was dropped with the hop-by-hop headers (forwardedHeaders).
        let host = target.host.utf8.contains(UInt8(ascii: ":")) ? "[\(target.host)]" : target.host
        headers.add(name: "host", value: target.port == 80 ? host : "\(host):\(target.port)")
        if ex.body.readableBytes > 0 || ex.head.method == .POST {
            headers.add(name: "content-length", value: String(ex.body.readableBytes))
        }
        let head = HTTPRequestHead(version: .http1_1, method: ex.head.method, uri: target.pathAndQuery, headers: headers)
        let pool = handler.core.pool(on: context.eventLoop)
        let call = DirectCall(ex: ex, handler: handler, context: context, pool: pool,
                              key: .init(host: target.host, port: target.port), head: head)
        call.run()
        return call
    }

    private func run() {
        if let idle = pool.idleConnection(key) {
            send(on: idle)
            return
        }
        pool.connect(key).whenComplete { [self] result in
            switch result {
            case .success(let c) where cancelled:
                pool.release(c)
            case .success(let c):
                send(on: c)
            case .failure(let error):
                fail(error)
            }
        }
    }

    private func send(on c: UpstreamConnection) {
        connection = c
        let body = ex.body.readableBytes > 0 ? ex.body : nil
        requestSent()
        c.send(head, body: body, for: self)
    }

    // MARK: from the upstream connection

    func responseHead(_ upstream: HTTPResponseHead) {
        responseStarted = true
        forwardHead(upstream, flushedByCaller: true)
    }

    func responseBody(_ chunk: ByteBuffer) {
        handler.responseBodyPart(chunk, ex: ex, context: context)
    }

    func flushAgent() { context.flush() }

    func responseEnd() {
        connection = nil
        forwardEnd()
    }

    var agentWritable: Bool { context.channel.isWritable }

    /// A reused connection the server closed before any response byte (its keep-alive timer
    /// raced our request) is retried once on a fresh one; any other loss is the agent's error.
    func connectionClosed(_ error: Error, reused: Bool) {
        connection = nil
        guard !cancelled else { return }
        if reused && !responseStarted && !retried && error as? UpstreamFailure == .closed {
            retried = true
            run()
            return
        }
        fail(error)
    }

    // MARK: from the agent side

    func cancel() {
        cancelled = true
        connection?.abandon()
        connection = nil
    }

    func agentWritabilityChanged() {
        if context.channel.isWritable { connection?.resumeReading() }
    }

    /// The connection closes; its loss ends the exchange with the timeout, not a retry.
    func silenceExpired() {
        connection?.timeOut()
    }
}
