import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The inspector: an HTTP/1.1 server on its own event loops. `start` returns once listening, so
/// the synchronous `veil` process (which must fork the sandbox single-threaded) can call it.
public final class Inspector: Sendable {
    private let group: MultiThreadedEventLoopGroup
    /// The listening channels: one, or (compare's host arm) one per port the agent dials.
    private let channels: [Channel]
    private let core: SharedResources
    private let stopped = NIOLockedValueBox(false)

    private init(group: MultiThreadedEventLoopGroup, channels: [Channel], core: SharedResources) {
        self.group = group
        self.channels = channels
        self.core = core
    }

    /// Serves a TCP socket made elsewhere (inside the sandbox's network namespace), bound and
    /// possibly listening already. The inspector owns the descriptor from here on and closes it.
    public static func start(boundSocket fd: Int32, config: InspectorConfig) throws -> Inspector {
        try start(boundSockets: [fd], config: config)
    }

    /// Several sockets served alike (compare's host arm listens on every port its agent dials).
    /// Each is owned from here on, even when starting fails.
    public static func start(boundSockets fds: [Int32], config: InspectorConfig) throws -> Inspector {
        // NIO registers the socket as it is; listen(2) again is harmless on a listening socket
        // and needed on one that is only bound.
        for fd in fds where listen(fd, 512) != 0 {
            let message = "listen on descriptor \(fd): \(String(cString: strerror(errno)))"
            for fd in fds { close(fd) }
            throw InspectorError.listen(message)
        }
        return try start(config: config, bind: fds.map { fd in { $0.withBoundSocket(fd) } })
    }

    public static func start(host: String, port: Int, config: InspectorConfig) throws -> Inspector {
        try start(config: config, bind: [{ $0.bind(host: host, port: port) }])
    }

    private static func start(config: InspectorConfig, bind: [(ServerBootstrap) -> EventLoopFuture<Channel>]) throws -> Inspector {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, config.threads))
        do {
            let core = try SharedResources(config: config, group: group)
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 512)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try configureConnection(channel, core: core) }
                }
            var channels: [Channel] = []
            do {
                for b in bind { channels.append(try b(bootstrap).wait()) }
            } catch {
                for c in channels { try? c.close().wait() }
                core.shutdown()
                throw InspectorError.listen(String(describing: error))
            }
            return Inspector(group: group, channels: channels, core: core)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// An agent connection's options and handlers, set synchronously: as bootstrap child
    /// options they would be applied through a chain of futures, one per option, for every
    /// connection.
    private static func configureConnection(_ channel: Channel, core: SharedResources) throws {
        guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
        // Each connection holds buffers no byte bound sees (its reads, a head being received):
        // beyond `max_connections` one is closed at once (NIO closes it when this throws).
        guard core.connections.reserve(1) else {
            let why = "veil: the inspector has its limit of \(core.config.maxConnections) agent connections open"
            core.stats.refused("connection", status: 503, reason: why)
            throw InspectorError.connections(why)
        }
        channel.closeFuture.whenComplete { _ in core.connections.release(1) }
        // TCP_NODELAY at IPPROTO_TCP (a socketOption would set SOL_SOCKET 1, SO_DEBUG, which only
        // root may set).
        try options.setOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
        try options.setOption(ChannelOptions.maxMessagesPerRead, value: 16)
        // Prompts are large: reads of up to 256 KiB (NIO's default stops at 64 KiB) take a 100 KiB
        // body in one read and a 1 MiB one in four, each a syscall and a decoder pass fewer. The
        // buffer is reused per connection, so this is the memory it costs.
        try options.setOption(ChannelOptions.recvAllocator,
                              value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 256 << 10))
        if core.config.listenersTerminateTLS {
            try channel.pipeline.syncOperations.addHandler(FirstBytes(origin: nil, core: core))
        } else {
            try AgentPipeline.configure(channel, core: core)
        }
    }

    public var port: Int { channels.first?.localAddress?.port ?? 0 }

    public func summary() -> InspectorSummary { core.stats.snapshot() }

    /// Said once when the inspector starts: an https upstream the host's trust setting will
    /// refuse (the agent hears it per request; the person running veil should hear it first).
    /// From the trust the inspector already read, not a second read of the host's files.
    public var trustWarning: String? {
        let https = core.config.routes.contains { route in
            if case .url(let url) = route.upstream { return url.hasPrefix("https:") }
            return false
        }
        guard https, let problem = core.trust.problem else { return nil }
        return "veil: \(problem): https upstreams are refused"
    }

    /// Said once when the inspector starts: a host proxy variable veil cannot read, whose
    /// requests are refused (502) rather than sent around the proxy the host asked for.
    public var proxyWarning: String? {
        let unreadable = [core.proxies.http, core.proxies.https].compactMap { setting -> String? in
            if case .unreadable(let variable)? = setting { variable } else { nil }
        }
        guard !unreadable.isEmpty else { return nil }
        // The value is not repeated: it may hold the proxy's password.
        return "veil: the host's \(Set(unreadable).sorted().joined(separator: " and ")) is not a proxy URL veil can read "
            + "([http://][user:password@]host[:port]): requests that would go through it are refused"
    }

    /// What the person running veil hears as the inspector starts.
    public var startWarnings: [String] { [trustWarning, proxyWarning].compactMap { $0 } }

    /// Stops listening, closes the upstream clients and the event loops. Idempotent.
    public func shutdown() {
        let already = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !already else { return }
        for c in channels { try? c.close().wait() }
        core.shutdown()
        try? group.syncShutdownGracefully()
    }
}
