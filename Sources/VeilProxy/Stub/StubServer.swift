import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `veil stub --listen ADDR`: the stub model API alone, as a loopback upstream for agents,
/// SDK tests and benchmarks.
public final class StubServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    private init(group: MultiThreadedEventLoopGroup, channel: Channel) {
        self.group = group
        self.channel = channel
    }

    /// `log`: told `METHOD /path: status` for each request (`veil stub -v`).
    public static func start(host: String, port: Int, threads: Int = 2,
                             log: (@Sendable (String) -> Void)? = nil) throws -> StubServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let responder = StubResponder()
        do {
            let channel = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 512)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(StubHandler(responder: responder, log: log))
                    }
                }
                .bind(host: host, port: port).wait()
            return StubServer(group: group, channel: channel)
        } catch {
            try? group.syncShutdownGracefully()
            throw InspectorError.listen(String(describing: error))
        }
    }

    public var port: Int { channel.localAddress?.port ?? 0 }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        case idle
        case collecting(HTTPRequestHead, ByteBuffer)
    }

    /// Bodies beyond this are a client bug for a stub; refuse rather than grow without bound.
    static let maxBody = 64 << 20
    let responder: StubResponder
    let log: (@Sendable (String) -> Void)?
    var state = State.idle

    init(responder: StubResponder, log: (@Sendable (String) -> Void)? = nil) {
        self.responder = responder
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            state = .collecting(head, context.channel.allocator.buffer(capacity: 0))
        case (.body(var chunk), .collecting(let head, var body)):
            guard body.readableBytes + chunk.readableBytes <= Self.maxBody else {
                context.close(promise: nil)
                return
            }
            state = .idle  // drop the reference so the buffer is uniquely owned while appending
            body.writeBuffer(&chunk)
            state = .collecting(head, body)
        case (.end, .collecting(let head, let body)):
            state = .idle
            let answer = responder.respond(method: head.method, uri: head.uri, headers: head.headers, body: body)
            // The path without its query: keys travel there.
            log?("\(head.method.rawValue) \(head.uri.split(separator: "?").first ?? ""): \(answer.status)\(answer.streaming ? " (streamed)" : "")")
            reply(answer, to: head, context: context)
        default:
            context.close(promise: nil)
        }
    }

    private func reply(_ r: StubReply, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: r.status))
        head.headers.add(name: "content-type", value: r.contentType)
        if !r.streaming { head.headers.add(name: "content-length", value: String(r.parts.reduce(0) { $0 + $1.utf8.count })) }
        if !request.isKeepAlive { head.headers.add(name: "connection", value: "close") }
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        for part in r.parts {
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: part)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !request.isKeepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}
