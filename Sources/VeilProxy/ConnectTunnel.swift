import NIOCore
import NIOHTTP1
import NIOSSL
import VeilProfile
import VeilScan

/// Where a CONNECT went: what the agent's requests inside it are forwarded to.
struct TunnelOrigin: Equatable, Sendable {
    let host: String
    let port: Int
    /// TLS inside (the usual case), or plain HTTP the agent sent through the tunnel.
    var tls = true
    /// Reached by dialing the listener itself, not by CONNECT (compare's host arm).
    var direct = false

    /// How the agent addressed the request, for the record: `CONNECT host:443`, `TLS host:443`.
    var via: String { (direct ? "TLS " : "CONNECT ") + Authority(host: host, port: port).description }

    /// `https://host` (the port only when not the scheme's default), as a URL's origin.
    var url: String {
        let scheme = tls ? "https" : "http"
        let authority = Authority(host: host, port: port)
        return port == (tls ? 443 : 80) ? "\(scheme)://\(authority.hostInURL)" : "\(scheme)://\(authority)"
    }
}

/// CONNECT host:port for the hosts a profile allows. Nothing passes blind: the inspector answers
/// the tunnel itself, with a certificate for `host` from the run's CA (which the sandbox trusts),
/// and reads the requests inside with the same connection handler as plain ones; they are
/// inspected, then forwarded over TLS to `host` with the host's network settings.
enum ConnectTunnel {
    /// The CONNECT head: refused (400, 403) or accepted, in which case the caller waits for the
    /// request's end and then calls `terminate`.
    static func accept(_ head: HTTPRequestHead, core: SharedResources) -> Result<TunnelOrigin, Refusal> {
        guard let target = Authority(connectTarget: head.uri) else {
            return .failure(Refusal(status: .badRequest, message: "veil: CONNECT needs host:port"))
        }
        guard core.routes.allow.permits(host: target.host, port: target.port) else {
            return .failure(Refusal(status: .forbidden, message: "veil: CONNECT to \(target) is not allowed by the profile"))
        }
        // A name of the agent's choosing under a wildcard entry goes to DNS and SNI as it is.
        let found = core.hostFindings(target.host, port: target.port)
        if !found.isEmpty, case .block = decide(found, modes: core.config.modes, rules: core.config.rules) {
            let blocking = found.first { mode(of: $0, modes: core.config.modes, rules: core.config.rules) == .block }
            let what = BlockNotice.describe(blocking ?? found[0])
            return .failure(Refusal(status: .forbidden, message: "veil: CONNECT refused: the host name carries \(what)",
                                    shownTarget: "(a host name veil refused):\(target.port)"))
        }
        guard core.config.runCA != nil else {
            return .failure(Refusal(status: .forbidden,
                                    message: "veil: CONNECT to \(target) refused: this inspector has no CA to read the tunnel with"))
        }
        return .success(TunnelOrigin(host: target.host, port: target.port))
    }

    struct Refusal: Error {
        let status: HTTPResponseStatus
        let message: String
        /// The target as the report and record show it, when not the one asked for (it
        /// carries what was refused).
        var shownTarget: String? = nil
    }

    /// Takes the HTTP handlers out, says 200, and leaves a `FirstBytes` to set up TLS (or
    /// plain HTTP) on the first bytes. The decoder goes last, forwarding any bytes it already
    /// holds to the sniffer, so no byte of the tunnel reaches a handler of the outer request.
    static func terminate(_ origin: TunnelOrigin, handler: ProxyHandler, context: ChannelHandlerContext) {
        let channel = context.channel
        let core = handler.core
        // All on the connection's loop: the steps run there and touch its handlers directly.
        let pipeline = channel.pipeline.syncOperations
        let sniffer = FirstBytes(origin: origin, core: core)
        core.stats.update { $0.tunnels += 1 }
        pipeline.removeHandler(name: AgentPipeline.encoder).assumeIsolated()
            .flatMap { pipeline.removeHandler(handler) }
            .flatMapThrowing { try pipeline.addHandler(sniffer) }
            .flatMap { () -> EventLoopFuture<Void> in
                var ok = channel.allocator.buffer(capacity: 40)
                ok.writeString("HTTP/1.1 200 Connection Established\r\n\r\n")
                return channel.writeAndFlush(ok)
            }
            .flatMap { pipeline.removeHandler(name: AgentPipeline.decoder) }
            .whenFailure { _ in channel.close(promise: nil) }
    }
}
