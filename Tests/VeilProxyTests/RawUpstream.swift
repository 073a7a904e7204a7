import Foundation
import NIOCore
import NIOPosix

/// An upstream that answers each request with scripted raw bytes, for framings an HTTP server
/// library will not produce on request (a body ended by closing, a HEAD answer with a length).
final class RawUpstream: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var channel: Channel!

    /// `respond(requestHead)` gives the bytes to send and whether to close afterwards.
    init(respond: @escaping @Sendable (String) -> (bytes: String, close: Bool)) throws {
        channel = try ServerBootstrap(group: group)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Handler(respond: respond)) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    var url: String { "http://127.0.0.1:\(channel.localAddress!.port!)" }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Reads one request (head, then content-length bytes) at a time and answers it.
    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let respond: @Sendable (String) -> (bytes: String, close: Bool)
        var pending: [UInt8] = []
        init(respond: @escaping @Sendable (String) -> (bytes: String, close: Bool)) { self.respond = respond }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += unwrapInboundIn(data).readableBytesView
            while let end = headEnd() {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                let length = head.lowercased().components(separatedBy: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                guard pending.count >= end + 4 + length else { return }
                pending.removeFirst(end + 4 + length)
                let (bytes, close) = respond(head)
                let done = context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: bytes)))
                if close {
                    done.whenComplete { _ in context.close(promise: nil) }
                    return
                }
            }
        }

        private func headEnd() -> Int? {
            guard pending.count >= 4 else { return nil }
            for i in 0...(pending.count - 4)
            where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
                return i
            }
            return nil
        }
    }
}
