import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket upstream on loopback: records each upgrade's head and each message, and answers
/// a text message with `echo: <text>`.
final class WebSocketUpstream: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var channel: Channel!
    private let lock = NSLock()
    private var _heads: [HTTPRequestHead] = []
    private var _messages: [String] = []

    init() throws {
        let upgrader = NIOWebSocketServerUpgrader(
            shouldUpgrade: { [self] ch, head in
                record(head: head)
                return ch.eventLoop.makeSucceededFuture([:])
            },
            upgradePipelineHandler: { [self] ch, _ in ch.pipeline.addHandler(Echo(upstream: self)) })
        channel = try ServerBootstrap(group: group)
            .childChannelInitializer { ch in
                ch.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    var url: String { "http://127.0.0.1:\(channel.localAddress!.port!)" }
    var port: Int { channel.localAddress!.port! }
    var heads: [HTTPRequestHead] { lock.lock(); defer { lock.unlock() }; return _heads }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return _messages }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func record(head: HTTPRequestHead) { lock.lock(); _heads.append(head); lock.unlock() }
    fileprivate func record(message: String) { lock.lock(); _messages.append(message); lock.unlock() }

    final class Echo: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let upstream: WebSocketUpstream
        init(upstream: WebSocketUpstream) { self.upstream = upstream }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            guard frame.opcode == .text else {
                if frame.opcode == .connectionClose { context.close(promise: nil) }
                return
            }
            let text = String(buffer: frame.unmaskedData)
            upstream.record(message: text)
            let reply = context.channel.allocator.buffer(string: "echo: " + text)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: reply)), promise: nil)
        }
    }
}
