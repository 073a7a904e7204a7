import NIOCore
import NIOSSL
import NIOTLS

/// The first bytes of a connection to a listener that terminates TLS (compare's host arm):
/// a TLS handshake is answered with the run CA's certificate for the name the client asks for
/// (SNI; without one, the address it dialed), and the requests inside are read as a tunnel's
/// are, bound to that origin; anything else is plain HTTP, CONNECT included, as on any
/// inspector port. So one port serves an https base URL, an http one and a proxy alike.
final class ListenerSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let core: InspectorCore
    private var decided = false
    private var idle: Scheduled<Void>?

    init(core: InspectorCore) { self.core = core }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        idle = context.eventLoop.scheduleTask(in: .seconds(core.config.idleTimeoutSeconds)) { [weak self] in
            if self?.decided == false { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { idle?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !decided else { return context.fireChannelRead(data) }
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        decided = true
        do {
            if first == 0x16, let ca = core.config.runCA {
                try context.pipeline.syncOperations.addHandler(sniReader(ca: ca, channel: context.channel), position: .after(self))
            } else {
                try InspectorPipeline.configure(context.channel, core: core)
            }
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
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
        let reader = ByteToMessageHandler(SNIHandler { result in
            let host: String
            switch result {
            case .hostname(let name): host = name
            case .fallback: host = dialed
            }
            return channel.eventLoop.makeCompletedFuture {
                let ops = channel.pipeline.syncOperations
                let tls = NIOSSLServerHandler(context: try ca.serverContext(for: host))
                try ops.addHandler(tls)
                try InspectorPipeline.httpHandlers(core: core, tunnel: TunnelOrigin(host: host, port: port, direct: true), into: ops, after: tls)
            }
        })
        return reader
    }

    /// `::ffff:10.1.2.3` (an IPv4 client of a dual-stack socket) → `10.1.2.3`.
    static func unmapped(_ address: String) -> String {
        address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }
}
