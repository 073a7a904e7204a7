import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive HTTP/1.1 connections to plain-http upstreams, one pool per event loop: an agent
/// connection, its upstream connection and every callback share one thread, so the pool needs
/// no lock and no request hops between threads. Used only on its own loop (SharedResources holds
/// it in a box bound to that loop).
final class UpstreamPool {
    struct Key: Hashable {
        let host: String
        let port: Int
    }

    let loop: EventLoop
    let connectTimeout: TimeAmount
    /// Below the usual server keep-alive timeouts (nginx 75 s, most APIs 60 s or more), so the
    /// pool closes an idle connection before the server does and a reuse rarely races a close.
    let idleTimeout: TimeAmount = .seconds(30)
    /// More idle connections than this per upstream are closed rather than kept.
    let maxIdlePerKey = 64
    private var idle: [Key: [UpstreamConnection]] = [:]
    /// Closes stale idle connections every half idle timeout while any are idle.
    private var sweeper: Scheduled<Void>?
    private var closed = false

    init(loop: EventLoop, connectTimeout: TimeAmount) {
        self.loop = loop
        self.connectTimeout = connectTimeout
    }

    /// An idle connection to `key` if one is still open (most requests: no future, no
    /// callback), else nil: `connect` makes a new one.
    func idleConnection(_ key: Key) -> UpstreamConnection? {
        loop.preconditionInEventLoop()
        while let connection = idle[key]?.popLast() {
            if connection.isOpen { return connection }
        }
        return nil
    }

    /// A connection whose exchange ended cleanly, ready for the next request.
    func release(_ connection: UpstreamConnection) {
        loop.preconditionInEventLoop()
        guard !closed, connection.isOpen, idle[connection.key, default: []].count < maxIdlePerKey else {
            connection.close()
            return
        }
        connection.idleSince = .now()
        idle[connection.key, default: []].append(connection)
        if sweeper == nil { scheduleSweep(in: idleTimeout) }
    }

    private func scheduleSweep(in delay: TimeAmount) {
        sweeper = loop.assumeIsolated().scheduleTask(in: delay) { [weak self] in self?.sweep() }
    }

    /// The server closed an idle connection (or it failed): it must never be leased again.
    func remove(_ connection: UpstreamConnection) {
        guard var list = idle[connection.key], let i = list.firstIndex(where: { $0 === connection }) else { return }
        list.remove(at: i)
        idle[connection.key] = list
    }

    /// On the pool's loop (SharedResources.shutdown hops there).
    func shutdown() {
        closed = true
        sweeper?.cancel()
        sweeper = nil
        let all = idle.values.joined()
        idle = [:]
        for c in all { c.close() }
    }

    private func sweep() {
        sweeper = nil
        let cutoff = NIODeadline.now() - idleTimeout
        for (key, list) in idle {
            let (stale, fresh) = (list.filter { $0.idleSince < cutoff }, list.filter { $0.idleSince >= cutoff })
            idle[key] = fresh.isEmpty ? nil : fresh
            for c in stale { c.close() }
        }
        if !idle.isEmpty { scheduleSweep(in: .nanoseconds(idleTimeout.nanoseconds / 2)) }
    }

    /// On the pool's loop; the future completes there too.
    func connect(_ key: Key) -> EventLoopFuture<UpstreamConnection>.Isolated {
        // The initializer runs on the new channel's loop, which is this pool's.
        let pool = NIOLoopBound(self, eventLoop: loop)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            // Request head and body go out in one write; Nagle would only hold back the tail.
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            // A request is written whole, at once, and nothing here waits for writability: with
            // NIO's 64 KiB mark every large body would flip it twice, two pipeline events each.
            .channelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 1 << 30, high: 1 << 30))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    // Bytes after a response (there should be none) are a protocol error, not data.
                    try ops.addHTTPClientHandlers(leftOverBytesStrategy: .fireError)
                    try ops.addHandler(UpstreamConnection(key: key, pool: pool.value))
                }
            }
        // An IP literal needs no resolver (most local upstreams and the stub); names go through
        // NIO's resolver and happy eyeballs.
        let connected: EventLoopFuture<Channel>
        if let address = try? SocketAddress(ipAddress: key.host, port: key.port) {
            connected = bootstrap.connect(to: address)
        } else {
            connected = bootstrap.connect(host: key.host, port: key.port)
        }
        return connected.assumeIsolated().flatMapThrowing { channel in
            try channel.pipeline.syncOperations.handler(type: UpstreamConnection.self)
        }
    }
}
