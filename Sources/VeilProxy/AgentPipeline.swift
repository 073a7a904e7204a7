import NIOCore
import NIOHTTP1

/// An agent connection's pipeline: two HTTP handlers and ProxyHandler. Their names, so the
/// CONNECT and WebSocket paths can take the HTTP ones out.
enum AgentPipeline {
    static let encoder = "http-encoder"
    static let decoder = "http-decoder"

    /// Two HTTP handlers and ProxyHandler, which also orders pipelined requests and answers
    /// malformed ones (NIO's pipelining and error handlers would cost every request a hop,
    /// a type cast per part and, for pipelining, a pause in reading).
    /// The tunnel's own HTTP handlers have other names: the outer ones may still be leaving
    /// when the tunnel's arrive.
    static func names(inTunnel: Bool) -> (encoder: String, decoder: String) {
        inTunnel ? ("tunnel-" + encoder, "tunnel-" + decoder) : (encoder, decoder)
    }

    static func configure(_ channel: Channel, core: SharedResources) throws {
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(HTTPResponseEncoder(), name: encoder)
        try ops.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)), name: decoder)
        try ops.addHandler(ProxyHandler(core: core))
    }

    /// The same three for the requests inside a CONNECT tunnel, bound to its origin.
    static func httpHandlers(core: SharedResources, tunnel: TunnelOrigin, into ops: ChannelPipeline.SynchronousOperations,
                             after: ChannelHandler) throws {
        let names = names(inTunnel: true)
        let proxy = ProxyHandler(core: core, tunnel: tunnel)
        try ops.addHandler(proxy, position: .after(after))
        // A WebSocket upgrade inside the tunnel leaves HTTP with bytes after its head.
        try ops.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)), name: names.decoder,
                           position: .before(proxy))
        try ops.addHandler(HTTPResponseEncoder(), name: names.encoder, position: .before(proxy))
    }
}
