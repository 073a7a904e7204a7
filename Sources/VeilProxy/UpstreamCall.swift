import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One forwarded request, entirely on the agent connection's event loop: the client used is
/// that loop's own (see InspectorCore), so its pooled connections live there too. Requested as
/// `.delegate(on:)`, not `.delegateAndChannel(on:)`: AHC 1.37 closes event-loop-bound
/// connections as soon as they are idle, which measured one new upstream connection per
/// request (a TIME-WAIT each) and 1,500 req/s.
final class UpstreamCall: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    /// Hop-by-hop and transport headers: each side of the proxy sets its own.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "proxy-authorization",
                                        "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade",
                                        "host", "content-length", "expect"]

    let ex: Exchange
    let handler: ProxyHandler
    let context: ChannelHandlerContext
    var task: HTTPClient.Task<Void>?

    init(ex: Exchange, handler: ProxyHandler, context: ChannelHandlerContext) {
        self.ex = ex
        self.handler = handler
        self.context = context
    }

    static func start(_ ex: Exchange, url: String, handler: ProxyHandler, context: ChannelHandlerContext) -> UpstreamCall {
        let call = UpstreamCall(ex: ex, handler: handler, context: context)
        var headers = HTTPHeaders()
        for (name, value) in ex.head.headers where !hopByHop.contains(name.lowercased()) {
            // Ask for identity encoding: records stay readable and SSE is never held in a gzip window.
            if name.lowercased() == "accept-encoding" { continue }
            headers.add(name: name, value: value)
        }
        let core = handler.core
        let upstreamURL = core.restoreCredentials(url: url, headers: &headers)
        ex.upstream = url
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
                                       message: "veil: cannot build the upstream request to \(url): \(error)",
                                       context: context)
            }
        }
        return call
    }

    func cancel() { task?.cancel() }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        var out = HTTPResponseHead(version: ex.head.version, status: head.status)
        for (name, value) in head.headers where !Self.hopByHop.contains(name.lowercased()) || name.lowercased() == "content-length" {
            out.headers.add(name: name, value: value)
        }
        handler.responseHead(out, ex: ex, context: context)
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
        let (status, message) = Self.describe(error, url: ex.upstream)
        handler.upstreamFailed(ex, status: status, message: message, context: context)
    }

    /// Errors the agent can act on: which upstream, and whether it was down, slow or TLS.
    static func describe(_ error: Error, url: String) -> (HTTPResponseStatus, String) {
        let host = AbsoluteURI(url).map { "\($0.host):\($0.port)" } ?? url
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout:
                return (.gatewayTimeout, "veil: upstream \(host) did not accept a connection in time")
            case .readTimeout, .deadlineExceeded:
                return (.gatewayTimeout, "veil: upstream \(host) timed out")
            case .remoteConnectionClosed:
                return (.badGateway, "veil: upstream \(host) closed the connection")
            case .cancelled:
                return (.badGateway, "veil: the upstream request to \(host) was cancelled")
            default:
                break
            }
        }
        if let io = error as? IOError {
            let reason = String(cString: strerror(io.errnoCode)).lowercased()
            return (.badGateway, "veil: upstream \(host) is unreachable: \(reason)")
        }
        if error is NIOConnectionError || error is ChannelError {
            return (.badGateway, "veil: upstream \(host) is unreachable (\(error))")
        }
        let text = String(describing: error)
        if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") || text.contains("handshake") {
            return (.badGateway, "veil: TLS with upstream \(host) failed: \(text)")
        }
        return (.badGateway, "veil: upstream \(host) failed: \(text)")
    }
}
