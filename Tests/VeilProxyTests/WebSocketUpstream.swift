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
    private var _controls: [String] = []
    private var _flooded = 0

    /// `agreeing`: the Sec-WebSocket-Extensions its 101 answers with, whatever was offered.
    init(agreeing extensions: String? = nil) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            shouldUpgrade: { [self] ch, head in
                record(head: head)
                return ch.eventLoop.makeSucceededFuture(HTTPHeaders(extensions.map { [("Sec-WebSocket-Extensions", $0)] } ?? []))
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
    /// Each control frame's payload as it arrived (a close's with its two code bytes).
    var controls: [String] { lock.lock(); defer { lock.unlock() }; return _controls }
    /// Bytes written so far in answer to `flood`.
    var flooded: Int { lock.lock(); defer { lock.unlock() }; return _flooded }
    /// Where a flood stops, whether or not anyone reads it.
    static let floodCap = 256 << 20

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func record(head: HTTPRequestHead) { lock.lock(); _heads.append(head); lock.unlock() }
    fileprivate func record(message: String) { lock.lock(); _messages.append(message); lock.unlock() }
    fileprivate func record(control: String) { lock.lock(); _controls.append(control); lock.unlock() }
    fileprivate func record(flooded bytes: Int) { lock.lock(); _flooded += bytes; lock.unlock() }

    /// Answers a text message with `echo: <text>`; `flood` with 64 KiB frames for as long as
    /// its socket takes them (up to `floodCap`), as a model streaming a long answer would;
    /// after `hold` it reads nothing more.
    final class Echo: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let upstream: WebSocketUpstream
        private var flooding = false
        init(upstream: WebSocketUpstream) { self.upstream = upstream }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            guard frame.opcode == .text else {
                if [.ping, .pong, .connectionClose].contains(frame.opcode) {
                    upstream.record(control: String(decoding: frame.unmaskedData.readableBytesView, as: UTF8.self))
                }
                if frame.opcode == .connectionClose { context.close(promise: nil) }
                return
            }
            let text = String(buffer: frame.unmaskedData)
            upstream.record(message: text)
            if text == "flood" {
                flooding = true
                return flood(context)
            }
            if text == "hold" {
                // Reads nothing more: what is sent to it waits in veil.
                try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
                return
            }
            let reply = context.channel.allocator.buffer(string: "echo: " + text)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: reply)), promise: nil)
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if flooding { flood(context) }
        }

        private func flood(_ context: ChannelHandlerContext) {
            let chunk = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: 64 << 10)
            while context.channel.isWritable && upstream.flooded < WebSocketUpstream.floodCap {
                context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: chunk)), promise: nil)
                upstream.record(flooded: chunk.readableBytes)
            }
            context.flush()
        }
    }
}
