import NIOCore
import NIOSSL
import NIOTLS

/// The first bytes of a connection decide what it carries: a TLS record (0x16, a handshake)
/// gets a certificate from the run's CA, anything else is read as plain HTTP (and is refused by
/// the decoder if it is not HTTP either). Two places ask:
/// - a CONNECT tunnel (`origin` set): the certificate is the CONNECT host's, and the requests
///   inside go to a `ProxyHandler` bound to that origin;
/// - a listener that terminates TLS itself (`origin` nil: compare's host arm, where the agent
///   dials its https base URL directly): the certificate is for the name the client asks for
///   (SNI; without one, the address it dialed), the requests inside are read as a tunnel's,
///   and plain HTTP, CONNECT included, is served as on any inspector port.
final class FirstBytes: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let origin: TunnelOrigin?
    let core: SharedResources
    private var decided = false
    private var idle: Scheduled<Void>?

    init(origin: TunnelOrigin?, core: SharedResources) {
        self.origin = origin
        self.core = core
    }

    /// A connection that never says a byte is closed like any idle one (a tunnel's own timers
    /// left with the outer handler).
    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        idle = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(core.config.idleTimeoutSeconds)) { [weak self] in
            if self?.decided == false { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { idle?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else { return context.fireChannelRead(data) }
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        decided = true
        let tls = first == 0x16
        do {
            let ops = context.pipeline.syncOperations
            switch (origin, tls ? core.config.runCA : nil) {
            case (var origin?, let ca):
                origin.tls = tls
                var last: ChannelHandler = self
                if tls, let ca {
                    let handler = NIOSSLServerHandler(context: try ca.serverContext(for: origin.host))
                    try ops.addHandler(handler, position: .after(self))
                    last = handler
                }
                try AgentPipeline.httpHandlers(core: core, tunnel: origin, into: ops, after: last)
            case (nil, let ca?):
                try ops.addHandler(sniReader(ca: ca, channel: context.channel), position: .after(self))
            case (nil, nil):
                try AgentPipeline.configure(context.channel, core: core)
            }
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        // These bytes may come from the HTTP decoder as it leaves, with no read-complete after
        // them: TLS flushes its answer on read-complete, and the client would wait for it.
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Reads the ClientHello's server name, then puts TLS and the HTTP handlers behind itself;
    /// it leaves, handing them the bytes it held, once the callback's future completes.
    private func sniReader(ca: RunCA, channel: Channel) -> ChannelHandler {
        let core = core
        let local = channel.localAddress
        let port = local?.port ?? 443
        let dialed = Self.unmapped(local?.ipAddress ?? "127.0.0.1")
        return ByteToMessageHandler(SNIHandler { result in
            let host: String
            switch result {
            case .hostname(let name): host = name
            case .fallback: host = dialed
            }
            return channel.eventLoop.makeCompletedFuture {
                let ops = channel.pipeline.syncOperations
                let tls = NIOSSLServerHandler(context: try ca.serverContext(for: host))
                try ops.addHandler(tls)
                try AgentPipeline.httpHandlers(core: core, tunnel: TunnelOrigin(host: host, port: port, direct: true),
                                                   into: ops, after: tls)
            }
        })
    }

    /// `::ffff:10.1.2.3` (an IPv4 client of a dual-stack socket) → `10.1.2.3`.
    static func unmapped(_ address: String) -> String {
        address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }
}
