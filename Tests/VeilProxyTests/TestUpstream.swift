import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A loopback "model API" for the tests: records what it received and answers with a script
/// (status, headers, body chunks with delays), so streaming and failures can be staged.
final class TestUpstream: @unchecked Sendable {
    struct Seen: Sendable {
        var head: HTTPRequestHead
        var body: [UInt8]
        /// The inspector's side of the upstream connection: equal ports mean a reused connection.
        var peerPort = 0
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Reply: Sendable {
        var status: HTTPResponseStatus = .ok
        var headers: [(String, String)] = [("content-type", "application/json")]
        /// Chunks and the delay before each, in milliseconds.
        var chunks: [(delayMs: Int64, text: String)] = [(0, #"{"ok":true}"#)]
        /// Close the connection after this response (a server that does not keep it alive).
        var close = false
        /// Close the connection instead of answering (an idle-timeout race, or a crash).
        var drop = false
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var channel: Channel!
    private let lock = NSLock()
    private var _seen: [Seen] = []
    let reply: @Sendable (Seen) -> Reply
    /// Serving https (with this server context) rather than plain http.
    let tls: NIOSSLContext?

    init(tls: NIOSSLContext? = nil, reply: @escaping @Sendable (Seen) -> Reply = { _ in Reply() }) throws {
        self.reply = reply
        self.tls = tls
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] ch in
                ch.eventLoop.makeCompletedFuture {
                    if let tls { try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                    try ch.pipeline.syncOperations.addHandler(Handler(upstream: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    var port: Int { channel.localAddress!.port! }
    /// https by the name its test certificate carries.
    var url: String { tls == nil ? "http://127.0.0.1:\(port)" : "https://localhost:\(port)" }
    var seen: [Seen] { lock.lock(); defer { lock.unlock() }; return _seen }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    fileprivate func record(_ s: Seen) { lock.lock(); _seen.append(s); lock.unlock() }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let upstream: TestUpstream
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        var closeAfter = false
        init(upstream: TestUpstream) { self.upstream = upstream }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; body = []
            case .body(let b): body += b.readableBytesView
            case .end:
                let seen = Seen(head: head!, body: body, peerPort: context.channel.remoteAddress?.port ?? 0)
                upstream.record(seen)
                let r = upstream.reply(seen)
                if r.drop {
                    context.close(promise: nil)
                    return
                }
                closeAfter = r.close
                var rh = HTTPResponseHead(version: .http1_1, status: r.status)
                for (n, v) in r.headers { rh.headers.add(name: n, value: v) }
                context.writeAndFlush(wrapOutboundOut(.head(rh)), promise: nil)
                send(r.chunks[...], context: context)
            }
        }

        private func send(_ chunks: ArraySlice<(delayMs: Int64, text: String)>, context: ChannelHandlerContext) {
            guard let first = chunks.first else {
                let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if closeAfter { done.whenComplete { _ in context.close(promise: nil) } }
                return
            }
            let write = {
                let buf = context.channel.allocator.buffer(string: first.text)
                context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(buf))), promise: nil)
                self.send(chunks.dropFirst(), context: context)
            }
            if first.delayMs == 0 { write() } else {
                context.eventLoop.scheduleTask(in: .milliseconds(first.delayMs)) { write() }
            }
        }
    }
}

/// A TCP echo server, the far end of CONNECT tunnels.
final class EchoServer: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let channel: Channel

    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
    }

    init() throws {
        channel = try ServerBootstrap(group: group)
            .childChannelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Echo()) } }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    var port: Int { channel.localAddress!.port! }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// A blocking loopback TCP client for raw HTTP (CONNECT, absolute-form).
struct RawClient {
    let fd: Int32

    /// `receiveBuffer`: a small one makes the client a slow reader the proxy must wait for.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Reads until `marker` appears (or the peer closes / 5 s pass).
    func read(until marker: String) async -> String {
        await offPool { readBlocking(until: marker) }
    }

    private func readBlocking(until marker: String) -> String {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while !String(decoding: data, as: UTF8.self).contains(marker) {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a response with a `content-length` body of `length` bytes: its head and how many
    /// body bytes came before the peer closed, `length` passed, or 5 s of silence.
    func readResponse(length: Int) async -> (head: String, bodyBytes: Int) {
        await offPool { readResponseBlocking(length: length) }
    }

    private func readResponseBlocking(length: Int) -> (head: String, bodyBytes: Int) {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd.map({ data.count - $0 < length }) ?? true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
            if headEnd == nil, let r = data.firstRange(of: separator) { headEnd = r.upperBound }
        }
        guard let headEnd else { return (String(decoding: data, as: UTF8.self), 0) }
        return (String(decoding: data[..<headEnd], as: UTF8.self), data.count - headEnd)
    }

    /// Whether the peer closes the connection within 5 s (false: the receive timed out, or
    /// bytes came instead).
    func peerCloses() async -> Bool {
        await offPool { [fd] in
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, 0) == 0
        }
    }

    func close() { Glibc.close(fd) }
}
