import Foundation
import NIOCore
import NIOPosix

/// A host's HTTP proxy as https upstreams meet it: `CONNECT host:port`, answered 200, then
/// bytes both ways. Every tunnel goes to 127.0.0.1:port whatever the host (tests stay on
/// loopback); each CONNECT head is kept for the test to read.
final class TunnelProxy: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var channel: Channel!
    private let lock = NSLock()
    private var _heads: [String] = []

    init() throws {
        channel = try ServerBootstrap(group: group)
            .childChannelInitializer { [self] ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Front(proxy: self)) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    var port: Int { channel.localAddress!.port! }
    /// The CONNECT heads received, lowercased (header names are case-insensitive).
    var heads: [String] { lock.lock(); defer { lock.unlock() }; return _heads }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func record(_ head: String) { lock.lock(); _heads.append(head.lowercased()); lock.unlock() }

    /// The client's side: the CONNECT head, then its bytes go to the far end.
    final class Front: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let proxy: TunnelProxy
        private var pending = ByteBuffer()
        private var far: Channel?
        private var connecting = false

        init(proxy: TunnelProxy) { self.proxy = proxy }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            if let far {
                far.writeAndFlush(bytes, promise: nil)
                return
            }
            pending.writeBuffer(&bytes)
            guard !connecting, let text = pending.getString(at: pending.readerIndex, length: pending.readableBytes),
                  let end = text.range(of: "\r\n\r\n") else { return }
            connecting = true
            let head = String(text[..<end.lowerBound])
            pending.moveReaderIndex(forwardBy: text[..<end.upperBound].utf8.count)
            proxy.record(head)
            let words = head.split(separator: " ")
            guard words.count >= 2, words[0] == "CONNECT", let port = words[1].split(separator: ":").last.flatMap({ Int($0) }) else {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n\r\n")))
                    .whenComplete { _ in context.close(promise: nil) }
                return
            }
            let front = context.channel
            ClientBootstrap(group: context.eventLoop)
                .channelInitializer { back in
                    back.eventLoop.makeCompletedFuture { try back.pipeline.syncOperations.addHandler(Back(front: front)) }
                }
                .connect(host: "127.0.0.1", port: port)
                .whenComplete { [self] result in
                    switch result {
                    case .success(let back):
                        far = back
                        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 Connection established\r\n\r\n")),
                                              promise: nil)
                        if pending.readableBytes > 0 { back.writeAndFlush(pending, promise: nil) }
                    case .failure:
                        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 502 Bad Gateway\r\n\r\n")))
                            .whenComplete { _ in context.close(promise: nil) }
                    }
                }
        }

        func channelInactive(context: ChannelHandlerContext) {
            far?.close(promise: nil)
            context.fireChannelInactive()
        }
    }

    /// The far end's bytes, back to the client.
    final class Back: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let front: Channel
        init(front: Channel) { self.front = front }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            front.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            front.close(promise: nil)
            context.fireChannelInactive()
        }
    }
}
