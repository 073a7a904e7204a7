import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import VeilProfile
import VeilScan

/// A WebSocket on a model API route (Codex's Responses transport): the upgrade is inspected as
/// a request, then each message the agent sends is inspected whole, as a request body is,
/// before any of its frames goes on, to the upstream's socket or to the stub, which answers
/// it. A message with a blocking finding closes the socket with 1008 and veil's reason. The
/// upstream's frames come back as they are.
enum WebSocketRelay {
    enum Peer {
        case stub
        case upstream(Channel)
    }

    static func start(_ ex: Exchange, target: RouteTable.Target, handler: ProxyHandler, context: ChannelHandlerContext) {
        handler.machine.responding(ex)
        switch target {
        case .stub:
            ex.upstream = "stub"
            let key = ex.head.headers.first(name: "sec-websocket-key") ?? ""
            let answer = context.channel.allocator.buffer(string: WebSocketUpgrade.localAnswer(key: key))
            switchAgent(ex, handler: handler, context: context, answer: answer, deflate: false, peer: .stub) { _ in }
        case .url(let url):
            connect(ex, url: url, handler: handler, context: context)
        case .denied:
            break
        }
    }

    /// The agent's connection leaves HTTP: veil's handlers out, the 101 written as bytes, the
    /// frame handlers in, and only then the decoder out (any frame it holds goes to them).
    /// On the agent connection's loop, where every step and `then` run.
    static func switchAgent(_ ex: Exchange, handler: ProxyHandler, context: ChannelHandlerContext, answer: ByteBuffer,
                            deflate: Bool, peer: Peer, then: @escaping (Bool) -> Void) {
        let core = handler.core
        let channel = context.channel
        let pipeline = channel.pipeline.syncOperations
        let names = AgentPipeline.names(inTunnel: handler.tunnel != nil)
        ex.status = 101
        core.finished(ex)
        handler.machine.leftHTTP()
        let held = WebSocketHeld(budget: core.buffers)
        let side = WebSocketAgentSide(core: core, upgrade: ex, deflate: deflate, peer: peer, held: held)
        pipeline.removeHandler(name: names.encoder).assumeIsolated()
            .flatMap { pipeline.removeHandler(handler) }
            .flatMap { channel.writeAndFlush(answer) }
            .flatMapThrowing {
                try pipeline.addHandlers([
                    held, ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: core.config.maxBodyBytes)),
                    WebSocketFrameEncoder(), side,
                ])
            }
            .flatMap { pipeline.removeHandler(name: names.decoder) }
            .whenComplete { result in
                if case .failure = result {
                    channel.close(promise: nil)
                    if case .upstream(let up) = peer { up.close(promise: nil) }
                }
                then((try? result.get()) != nil)
            }
    }

    /// Reading `channel` stops or goes on: each side of a relay is read only while the other
    /// takes what it is sent. Both sides share one event loop, where this runs.
    static func reading(_ channel: Channel, _ on: Bool) {
        try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: on)
    }

    /// The upstream's socket: TCP, through the host's proxy (CONNECT) where its settings name
    /// one, TLS for https (verified with the host's trust), the agent's upgrade request with the
    /// real key put back, and its answer. A 101 switches both sides to frames; anything else
    /// reaches the agent as an error in its API's format.
    static func connect(_ ex: Exchange, url: String, handler: ProxyHandler, context: ChannelHandlerContext) {
        let core = handler.core
        var headers = ex.head.headers
        let restored = core.restoreCredentials(url: url, headers: &headers)
        ex.upstream = url
        // Every failure as the http clients' are (UpstreamFailure): a refused connection, a
        // failed TLS verification and its reason read the same whichever transport the agent uses.
        func fail(_ error: Error) { handler.upstreamFailed(ex, error: error, context: context) }
        guard let target = AbsoluteURI(restored) else { return fail(UpstreamFailure.badURL("not an absolute URL")) }
        let proxy: HostProxySettings.ProxyServer?
        switch core.proxies.route(for: target) {
        case .direct: proxy = nil
        case .proxy(let p): proxy = p
        case .refused(let why): return fail(UpstreamFailure.refused(why))
        }
        let request = WebSocketUpgrade.upstreamRequest(path: target.pathAndQuery, host: target.host, port: target.port,
                                                       tls: target.scheme == "https", headers: headers)
        let first = UpgradeAnswer()
        // The upstream channel shares the agent's loop (the bootstrap's group), so its
        // initializer and the connect's callback run there too.
        let firstOnLoop = NIOLoopBound(first, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(core.config.connectTimeoutSeconds))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Through a proxy the first answer is the proxy's to CONNECT; TLS comes after it.
                    if proxy == nil { try addTLS(target, core: core, to: channel) }
                    try channel.pipeline.syncOperations.addHandler(firstOnLoop.value)
                }
            }
            .connect(host: proxy?.host ?? target.host, port: proxy?.port ?? target.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    fail(error)
                case .success(let upstream):
                    guard let proxy else {
                        upgrade(ex, request: request, upstream: upstream, answer: first, handler: handler, context: context)
                        return
                    }
                    first.onHead = { head, _ in
                        guard WebSocketUpgrade.status(head) == 200 else {
                            upstream.close(promise: nil)
                            return fail(first.failure ?? (head.isEmpty ? UpstreamFailure.closed : UpstreamFailure.refused(
                                "veil: the host's proxy answered CONNECT to \(target.authority) with \(WebSocketUpgrade.status(head))")))
                        }
                        let answer = UpgradeAnswer()
                        do {
                            let ops = upstream.pipeline.syncOperations
                            ops.removeHandler(first, promise: nil)
                            try addTLS(target, core: core, to: upstream)
                            try ops.addHandler(answer)
                        } catch {
                            upstream.close(promise: nil)
                            return fail(error)
                        }
                        upgrade(ex, request: request, upstream: upstream, answer: answer, handler: handler, context: context)
                    }
                    upstream.writeAndFlush(upstream.allocator.buffer(string: proxyConnect(target, proxy)), promise: nil)
                }
            }
    }

    private static func addTLS(_ target: AbsoluteURI, core: SharedResources, to channel: Channel) throws {
        guard target.scheme == "https" else { return }
        let name = RunCA.addressBytes(target.host) == nil ? target.host : nil
        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: try core.webSocketTLS(), serverHostname: name))
    }

    /// `CONNECT host:port` to the host's proxy, with its credentials when its URL has them.
    static func proxyConnect(_ target: AbsoluteURI, _ proxy: HostProxySettings.ProxyServer) -> String {
        let authority = target.authority.description
        var out = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let user = proxy.user {
            out += "Proxy-Authorization: Basic \(Data((user + ":" + (proxy.password ?? "")).utf8).base64EncodedString())\r\n"
        }
        return out + "\r\n"
    }

    /// The upgrade request on a connection ready for it; `answer` reads the reply.
    private static func upgrade(_ ex: Exchange, request: String, upstream: Channel, answer: UpgradeAnswer,
                                handler: ProxyHandler, context: ChannelHandlerContext) {
        answer.onHead = { head, bytes in
            answered(ex, head: head, bytes: bytes, upstream: upstream, answer: answer, handler: handler, context: context)
        }
        upstream.writeAndFlush(upstream.allocator.buffer(string: request), promise: nil)
    }

    private static func answered(_ ex: Exchange, head: String, bytes: ByteBuffer, upstream: Channel, answer: UpgradeAnswer,
                                 handler: ProxyHandler, context: ChannelHandlerContext) {
        let status = WebSocketUpgrade.status(head)
        if head.isEmpty {
            // No answer at all: the connection failed first (a TLS verification, a reset).
            upstream.close(promise: nil)
            handler.upstreamFailed(ex, error: answer.failure ?? UpstreamFailure.closed, context: context)
            return
        }
        guard status == 101 else {
            upstream.close(promise: nil)
            ex.status = status
            let code = status >= 400 && status < 600 ? HTTPResponseStatus(statusCode: status) : .badGateway
            handler.upstreamFailed(ex, status: code, message: "veil: the upstream answered the WebSocket upgrade with \(status)",
                                   context: context)
            return
        }
        let extensions = WebSocketUpgrade.agreedExtensions(head)
        if let other = extensions.first(where: { $0 != "permessage-deflate" }) {
            upstream.close(promise: nil)
            handler.upstreamFailed(ex, status: .badGateway,
                                   message: "veil: the upstream agreed the WebSocket extension \(other), which veil cannot read",
                                   context: context)
            return
        }
        let agent = context.channel
        switchAgent(ex, handler: handler, context: context, answer: bytes, deflate: !extensions.isEmpty,
                    peer: .upstream(upstream)) { ok in
            guard ok else { return }
            let ops = upstream.pipeline.syncOperations
            do {
                try ops.addHandlers([ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 26)),
                                     WebSocketFrameEncoder(), WebSocketUpstreamSide(agent: agent)],
                                    position: .after(answer))
                answer.release(ops)
            } catch {
                upstream.close(promise: nil)
                agent.close(promise: nil)
            }
        }
    }
}

/// Reads the upstream's answer to the upgrade: its head (at most 16 KiB), then holds whatever
/// came after it until the frame handlers are in place (`release`).
final class UpgradeAnswer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    var onHead: ((String, ByteBuffer) -> Void)?
    private var buffer = ByteBuffer()
    private var headDone = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        guard !headDone else { return }
        guard let end = buffer.readableBytesView.firstRange(of: [13, 10, 13, 10]) else {
            if buffer.readableBytes > 16 << 10 { context.close(promise: nil) }
            return
        }
        headDone = true
        let length = end.upperBound - buffer.readableBytesView.startIndex
        let head = buffer.readSlice(length: length)!
        onHead?(String(decoding: head.readableBytesView, as: UTF8.self), head)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !headDone {
            headDone = true
            onHead?("", ByteBuffer())
        }
        context.fireChannelInactive()
    }

    /// What ended the connection before its answer (a TLS handshake that failed): the agent's
    /// error says it, not "no answer".
    private(set) var failure: Error?

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if failure == nil { failure = error }
        context.close(promise: nil)
    }

    /// The frames that came with the head go on, and this handler leaves.
    func release(_ ops: ChannelPipeline.SynchronousOperations) {
        guard let context else { return }
        if buffer.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(buffer))
            context.fireChannelReadComplete()  // the relay flushes toward the agent on it
        }
        buffer = ByteBuffer()
        ops.removeHandler(context: context, promise: nil)
    }

    typealias InboundOut = ByteBuffer
}

/// The agent's end: every message inspected whole before its frames go on.
final class WebSocketAgentSide: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let core: SharedResources
    let upgrade: Exchange
    let peer: WebSocketRelay.Peer
    private var messages: WebSocketMessages
    private let held: WebSocketHeld
    private var closed = false

    init(core: SharedResources, upgrade: Exchange, deflate: Bool, peer: WebSocketRelay.Peer, held: WebSocketHeld) {
        self.core = core
        self.upgrade = upgrade
        self.peer = peer
        self.held = held
        messages = WebSocketMessages(limit: core.config.maxBodyBytes, deflate: deflate)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        switch messages.add(unwrapInboundIn(data)) {
        case .wait:
            if !held.charge(WebSocketMessages.heldFrameCost) { refuse(.unknown(1013), core.buffers.full, context: context) }
        case .control(let frame):
            control(frame, context: context)
            if messages.betweenMessages { held.release() }
        case .refuse(let code, let why):
            refuse(code, why, context: context)
        case .message(let frames, let payload, _):
            message(frames, payload: payload, context: context)
            held.release()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is WebSocketHeld.Exhausted else { return context.fireUserInboundEventTriggered(event) }
        // 1013, try again later: the 503 of a request.
        refuse(.unknown(1013), core.buffers.full, context: context)
    }

    /// Counted, named in `--report` and recorded as an HTTP refusal is (a message that never
    /// went on is an exchange a record's reader should see).
    private func refuse(_ code: WebSocketErrorCode, _ why: String, context: ChannelHandlerContext) {
        core.stats.update { $0.rejected += 1 }
        core.stats.refused("WS " + upgrade.path, status: Self.number(code), reason: "veil: " + why)
        core.finishedRefusal(HTTPRequestHead(version: .http1_1, method: .RAW(value: "WS"), uri: upgrade.head.uri),
                             api: upgrade.api, status: Self.number(code), reason: "veil: " + why, upstream: upgrade.upstream)
        close(context, code: code, reason: "veil: " + why)
    }

    private func control(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        // A ping's data and a close's reason reach the upstream as a message's payload does:
        // read first, the same way.
        if frame.length > 0 {
            let ex = exchange(frame.unmaskedData)
            let decision = core.inspectMessage(ex)
            if !ex.findings.isEmpty {
                core.stats.record(findings: ex.findings, method: "WS", target: upgrade.pathAndQuery, config: core.config)
            }
            if case .block(let reason) = decision { return block(ex, reason: reason, context: context) }
        }
        switch peer {
        case .upstream(let up):
            up.writeAndFlush(Self.outgoing(frame), promise: nil)
        case .stub:
            if frame.opcode == .ping {
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                                      promise: nil)
                pauseAgent(whileFull: context.channel, context)
            } else if frame.opcode == .connectionClose {
                close(context, code: .normalClosure, reason: "")
            }
        }
    }

    /// A message (or a control frame's payload) as an exchange of the upgrade's request.
    private func exchange(_ payload: ByteBuffer) -> Exchange {
        let head = HTTPRequestHead(version: .http1_1, method: .RAW(value: "WS"), uri: upgrade.head.uri)
        let ex = Exchange(head: head, absolute: nil, api: upgrade.api, body: payload)
        ex.upstream = upgrade.upstream
        return ex
    }

    private func message(_ frames: [WebSocketFrame], payload: ByteBuffer, context: ChannelHandlerContext) {
        let ex = exchange(payload)
        core.stats.update { $0.requests += 1 }
        let decision = core.inspectMessage(ex)
        core.stats.record(findings: ex.findings, method: "WS", target: upgrade.pathAndQuery, config: core.config)
        if case .block(let reason) = decision { return block(ex, reason: reason, context: context) }
        core.stats.update { $0.forwarded += 1 }
        core.finished(ex)
        switch peer {
        case .upstream(let up):
            for frame in frames { up.write(Self.outgoing(frame), promise: nil) }
            up.flush()
            pauseAgent(whileFull: up, context)
        case .stub:
            for text in core.stub.webSocketMessages(Array(payload.readableBytesView)) {
                let data = context.channel.allocator.buffer(string: text)
                context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: data)), promise: nil)
            }
            context.flush()
            pauseAgent(whileFull: context.channel, context)
        }
    }

    /// Closes with 1008 and veil's reason: nothing of the message (or frame) has left.
    private func block(_ ex: Exchange, reason: String, context: ChannelHandlerContext) {
        core.stats.update { $0.blocked += 1 }
        ex.decision = .block
        ex.blockReason = reason
        ex.status = 1008
        let blocking = ex.findings.filter { mode(of: $0, modes: core.config.modes, rules: core.config.rules) == .block }
        core.blockNotice(BlockNotice.line(method: "WS", target: upgrade.pathAndQuery, findings: ex.findings,
                                          blocking: blocking, canaries: core.config.canaries,
                                          recordPath: core.config.recordPath))
        core.finished(ex)
        let shown = (blocking.first ?? ex.findings.first).map { BlockNotice.describe($0) } ?? "a finding"
        core.stats.refused("WS " + BlockNotice.shownTarget(upgrade.pathAndQuery, findings: ex.findings,
                                                           canaries: core.config.canaries),
                           status: 1008, reason: "blocked: " + shown)
        close(context, code: .policyViolation, reason: "veil blocked this message: " + shown)
    }

    /// The agent is not read while what its messages made waits in `channel`: the upstream's
    /// socket, or (the stub answers there) the agent's own, for an agent that does not read.
    private func pauseAgent(whileFull channel: Channel, _ context: ChannelHandlerContext) {
        if !channel.isWritable { WebSocketRelay.reading(context.channel, false) }
    }

    /// The agent takes what waited for it: its peer, the upstream or (the stub) the agent
    /// itself, is read again.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            switch peer {
            case .upstream(let up): WebSocketRelay.reading(up, true)
            case .stub: WebSocketRelay.reading(context.channel, true)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    static func number(_ code: WebSocketErrorCode) -> Int {
        var b = ByteBuffer()
        b.write(webSocketErrorCode: code)
        return Int(b.getInteger(at: 0, as: UInt16.self) ?? 0)
    }

    /// The frame as the upstream gets it: NIO keeps a decoded frame's data masked, and its
    /// encoder masks what it is given, so the data goes out unmasked, with the agent's key.
    static func outgoing(_ frame: WebSocketFrame) -> WebSocketFrame {
        WebSocketFrame(fin: frame.fin, rsv1: frame.rsv1, rsv2: frame.rsv2, rsv3: frame.rsv3, opcode: frame.opcode,
                       maskKey: frame.maskKey, data: frame.unmaskedData)
    }

    /// A close frame with `code` and veil's reason (at most 123 bytes, whole characters), then
    /// both connections close.
    func close(_ context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String) {
        guard !closed else { return }
        closed = true
        var data = context.channel.allocator.buffer(capacity: 2 + 123)
        data.write(webSocketErrorCode: code)
        var room = 123
        for ch in reason {
            let n = String(ch).utf8.count
            guard n <= room else { break }
            room -= n
            data.writeString(String(ch))
        }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        if case .upstream(let up) = peer { up.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if case .upstream(let up) = peer { up.close(promise: nil) }
        context.fireChannelInactive()
    }

    /// The frame decoder's errors are refusals too: one frame past the body cap is the message
    /// past it (1009, as when its frames add up past it), a malformed frame 1002. A socket's
    /// own error (a reset) is no refusal.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !closed else { return }
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            refuse(.messageTooLarge, "message larger than the inspector's limit of \(core.config.maxBodyBytes) bytes", context: context)
        case is NIOWebSocketError:
            refuse(.protocolError, "\(error)", context: context)
        default:
            close(context, code: .protocolError, reason: "veil: \(error)")
        }
    }
}

/// The upstream's end: its frames go to the agent as they are, no faster than the agent takes
/// them (the upstream is not read while the agent's socket is full).
final class WebSocketUpstreamSide: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    let agent: Channel

    init(agent: Channel) { self.agent = agent }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { agent.write(unwrapInboundIn(data), promise: nil) }

    func channelReadComplete(context: ChannelHandlerContext) {
        agent.flush()
        if !agent.isWritable { WebSocketRelay.reading(context.channel, false) }
    }

    /// The upstream takes the agent's messages again: the agent is read again.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { WebSocketRelay.reading(agent, true) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        agent.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
