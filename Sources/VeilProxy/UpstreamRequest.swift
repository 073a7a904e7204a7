import NIOCore
import NIOHTTP1
import VeilProfile
import VeilScan

/// What both upstream clients share: which one carries a request, and the header rules.
enum UpstreamRequest {
    /// Plain-http upstreams without a host proxy go over the lean keep-alive client (a fraction
    /// of AHC's per-request cost); https and host proxies (CONNECT, auth) stay with AHC.
    static func start(_ ex: Exchange, url: String, handler: ProxyHandler, context: ChannelHandlerContext) -> UpstreamTask {
        var headers = forwardedHeaders(ex.head.headers)
        let core = handler.core
        let upstreamURL = core.restoreCredentials(url: url, headers: &headers)
        ex.upstream = url
        if let target = AbsoluteURI(upstreamURL), target.scheme == "http", core.proxies.route(for: target) == .direct {
            return DirectCall.start(ex, target: target, headers: headers, handler: handler, context: context)
        }
        return UpstreamCall.start(ex, url: upstreamURL, headers: headers, handler: handler, context: context)
    }

    /// The agent's headers minus hop-by-hop ones (each side of the proxy sets its own) and
    /// accept-encoding: identity keeps records readable and SSE out of a gzip window.
    static func forwardedHeaders(_ incoming: HTTPHeaders) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(incoming.count + 2)
        for (name, value) in incoming where !isHopByHop(name) && !name.equalsLowercased("accept-encoding") {
            headers.add(name: name, value: value)
        }
        return headers
    }

    /// The upstream's response head as the agent gets it: its framing (content-length) kept,
    /// the other hop-by-hop headers dropped, the agent's own HTTP version.
    static func agentHead(_ upstream: HTTPResponseHead, for ex: Exchange) -> HTTPResponseHead {
        var out = HTTPResponseHead(version: ex.head.version, status: upstream.status)
        out.headers.reserveCapacity(upstream.headers.count)
        for (name, value) in upstream.headers where !isHopByHop(name) || name.equalsLowercased("content-length") {
            out.headers.add(name: name, value: value)
        }
        return out
    }

    /// Hop-by-hop and transport headers.
    static let hopByHop: [StaticString] = [
        "te", "host", "expect", "trailer", "upgrade", "connection", "keep-alive", "content-length",
        "proxy-connection", "transfer-encoding", "proxy-authenticate", "proxy-authorization",
    ]

    static func isHopByHop(_ name: String) -> Bool {
        name.equalsLowercased(anyOf: hopByHop)
    }
}
