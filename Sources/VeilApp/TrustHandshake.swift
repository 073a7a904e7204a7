import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import VeilProxy

/// `veil doctor`'s proof that https upstreams can be verified: a real TLS handshake on
/// loopback, with the trust the inspector uses (built by the same `UpstreamTrust`, so a store
/// that does not load fails here as it would fail every upstream), plus a throwaway run CA that
/// signed the loopback server's certificate. Reading the settings is not enough: both trust
/// variables set once passed that check and still failed every handshake.
enum TrustHandshake {
    enum Failure: Error, Equatable {
        /// The trust store did not load: every https upstream fails the same way.
        case doesNotLoad(String)
        /// It loaded, but the loopback handshake did not verify.
        case handshake(String)
        /// The loopback server could not be started, so nothing was tried.
        case loopback(String)
    }

    /// Throws when the handshake cannot be completed within `timeout`. `trustingItsCA: false`
    /// is for tests, to show that the handshake does verify.
    static func verify(_ trust: UpstreamTrust, trustingItsCA: Bool = true,
                       timeout: TimeAmount = .seconds(10)) throws(Failure) {
        let ca: RunCA
        let server: NIOSSLContext
        do {
            // The same CA a run makes, living ten minutes and only for this check.
            ca = try RunCA(lifetime: 600)
            server = try ca.serverContext(for: "localhost")
        } catch {
            throw .loopback("cannot make its certificate: \(error)")
        }
        // nil is AsyncHTTPClient's own default, which it replaces with this.
        var configuration = trust.tlsConfiguration ?? .makeClientConfiguration()
        if trustingItsCA { configuration.additionalTrustRoots.append(.certificates([ca.root])) }
        let client: NIOSSLContext
        do {
            client = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .doesNotLoad(trust.reason(for: error))
        }
        do {
            try handshake(client: client, server: server, timeout: timeout)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .handshake(trust.reason(for: error))
        }
    }

    /// A loopback server presenting the throwaway certificate, and one client connection
    /// to it (for `localhost`) until its handshake ends.
    private static func handshake(client: NIOSSLContext, server: NIOSSLContext, timeout: TimeAmount) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let listener: Channel
        do {
            listener = try ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: server))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            throw Failure.loopback("cannot listen on 127.0.0.1: \(error)")
        }
        defer { try? listener.close().wait() }
        guard let address = listener.localAddress else { throw Failure.loopback("its listener has no address") }

        let loop = group.next()
        let done = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: timeout) { done.fail(HandshakeWatcher.Outcome.timedOut) }
        defer { timer.cancel() }
        let channel = try ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: client, serverHostname: "localhost")
                    try channel.pipeline.syncOperations.addHandlers(tls, HandshakeWatcher(done))
                }
            }
            .connect(to: address).wait()
        defer { channel.close(promise: nil) }
        try done.futureResult.wait()
    }
}

/// Completes the promise when the client's handshake ends, either way.
private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    enum Outcome: Error, CustomStringConvertible {
        case closed, timedOut
        var description: String {
            self == .closed ? "the connection closed before the handshake ended" : "no handshake in time"
        }
    }

    private let done: EventLoopPromise<Void>
    init(_ done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { done.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(Outcome.closed)
        context.fireChannelInactive()
    }
}
