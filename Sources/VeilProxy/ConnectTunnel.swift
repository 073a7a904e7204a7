import NIOCore
import NIOHTTP1
import NIOPosix

/// CONNECT host:port for hosts the profile allows. The bytes inside are TLS the inspector cannot
/// read, which is why a profile allows CONNECT only to hosts the agent needs and never to its
/// model API (that traffic goes through the base URL, where it is inspected).
/// Tunnels connect directly from the host; the host's own HTTPS_PROXY is not chained here.
enum ConnectTunnel {
    static func open(head: HTTPRequestHead, core: InspectorCore, context: ChannelHandlerContext, handler: ProxyHandler) {
        guard let (host, port) = parse(head.uri) else {
            handler.refuseConnect(status: .badRequest, message: "veil: CONNECT needs host:port", context: context)
            return
        }
        guard core.routes.allow.permits(host: host, port: port) else {
            handler.refuseConnect(status: .forbidden,
                                  message: "veil: CONNECT to \(host):\(port) is not allowed by the profile",
                                  context: context)
            return
        }
        // Hold the agent's bytes until the tunnel exists.
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let channel = context.channel
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(core.config.connectTimeoutSeconds))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            // The peer may speak first; nothing is read until the glue is in place.
            .channelOption(ChannelOptions.autoRead, value: false)
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let peer):
                    core.stats.update { $0.tunnels += 1 }
                    splice(agent: channel, peer: peer, handler: handler, context: context)
                case .failure(let error):
                    handler.refuseConnect(status: .badGateway,
                                          message: "veil: cannot reach \(host):\(port) (\(error))", context: context)
                }
            }
    }

    /// Takes the HTTP handlers out, glues both channels and only then says 200, so no byte of
    /// the tunnel can reach an HTTP handler.
    static func splice(agent: Channel, peer: Channel, handler: ProxyHandler, context: ChannelHandlerContext) {
        let (agentGlue, peerGlue) = GlueHandler.matchedPair()
        let pipeline = agent.pipeline
        pipeline.removeHandler(name: InspectorPipeline.encoder)
            .flatMap { pipeline.removeHandler(handler) }
            .flatMap { pipeline.addHandler(agentGlue) }
            .flatMap { pipeline.removeHandler(name: InspectorPipeline.decoder) }
            .flatMap { peer.pipeline.addHandler(peerGlue) }
            .whenComplete { result in
                switch result {
                case .success:
                    var ok = agent.allocator.buffer(capacity: 64)
                    ok.writeString("HTTP/1.1 200 Connection Established\r\n\r\n")
                    agent.writeAndFlush(ok, promise: nil)
                    agent.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                    peer.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                case .failure:
                    agent.close(promise: nil)
                    peer.close(promise: nil)
                }
            }
    }

    static func parse(_ target: String) -> (String, Int)? {
        if target.hasPrefix("["), let close = target.firstIndex(of: "]") {
            let host = String(target[target.index(after: target.startIndex)..<close])
            let rest = target[target.index(after: close)...]
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), port > 0, port < 65536 else { return nil }
            return (host, port)
        }
        guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]),
              port > 0, port < 65536 else { return nil }
        let host = String(target[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}

/// Relays bytes between two channels on one event loop, with writability backpressure
/// (the pattern of swift-nio-examples' connect-proxy).
final class GlueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let a = GlueHandler(), b = GlueHandler()
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    private func partnerFlush() { context?.flush() }
    private func partnerWriteEOF() { context?.close(mode: .output, promise: nil) }
    private func partnerCloseFull() { context?.close(promise: nil) }
    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.partnerWrite(data) }
    func channelReadComplete(context: ChannelHandlerContext) { partner?.partnerFlush() }
    func channelInactive(context: ChannelHandlerContext) { partner?.partnerCloseFull() }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, case .inputClosed = e { partner?.partnerWriteEOF() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerWritable {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
