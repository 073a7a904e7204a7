import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import VeilProxy
import VeilProfile
import VeilScan

/// CONNECT with the run CA: the tunnel is answered by the inspector, its TLS terminated with a
/// certificate for the CONNECT host, and every request inside inspected like a plain one. The
/// client is AsyncHTTPClient through the inspector as its proxy, trusting the run CA alone, as
/// an SDK inside the sandbox does with HTTPS_PROXY and SSL_CERT_FILE.
@Suite("TLS termination of CONNECT") struct TLSTerminationTests {
    static let canary = Canary(label: "user name", value: "zebulonquixote")

    static func inspector(_ routes: [Route], allow: [String], ca: RunCA?, followRoutes: Bool = false,
                          canaries: [Canary] = [canary], record: String? = nil) throws -> Inspector {
        var config = InspectorConfig(
            routes: routes, canaries: canaries, recordPath: record, connectAllow: allow,
            hostEnvironment: ["SSL_CERT_FILE": TLSUpstreamTests.fixture("ca.pem")],
            connectTimeoutSeconds: 5, readTimeoutSeconds: 5)
        config.runCA = ca
        config.routesOnly = followRoutes
        return try Inspector.start(host: "127.0.0.1", port: 0, config: config)
    }

    /// A client whose only proxy is the inspector and whose only root is `trusting`.
    static func client(proxy port: Int, trusting root: NIOSSLCertificate) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([root])
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(30)), proxy: .server(host: "127.0.0.1", port: port)))
    }

    /// One POST through the inspector as the client's proxy.
    static func post(proxy port: Int, trusting root: NIOSSLCertificate, _ url: String, body: String) async throws -> Got {
        let client = Self.client(proxy: port, trusting: root)
        do {
            let got = try await post(client, url, body: body)
            try await client.shutdown()
            return got
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func post(_ client: HTTPClient, _ url: String, body: String) async throws -> Got {
        var req = HTTPClientRequest(url: url)
        req.method = .POST
        req.headers.add(name: "content-type", value: "application/json")
        req.headers.add(name: "anthropic-version", value: "2023-06-01")
        req.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(req, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return Got(status: Int(response.status.code), headers: response.headers,
                   body: String(decoding: collected.readableBytesView, as: UTF8.self))
    }

    /// A raw client that sent `CONNECT target` and read the reply's head (or, refused, up to
    /// the end of its JSON error).
    static func tunnel(_ port: Int, to target: String, refused: Bool = false) async throws -> (RawClient, String) {
        let c = try RawClient(port: port)
        c.send("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
        return (c, await c.read(until: refused ? "}}" : "\r\n\r\n"))
    }

    /// The path users take: the tunnel's requests go to the CONNECT host over TLS, verified
    /// with the host's trust settings; the client verified the run CA's certificate for the
    /// name (and for the address) it asked for.
    @Test(arguments: ["localhost", "127.0.0.1"])
    func aTunnelIsInspectedAndForwardedOverTLS(host: String) async throws {
        let up = try TLSUpstreamTests.server("localhost")
        defer { up.stop() }
        let ca = try RunCA()
        let inspector = try Self.inspector([], allow: ["\(host):\(up.port)"], ca: ca)
        defer { inspector.shutdown() }
        let trusted = ca.root
        let got = try await Self.post(proxy: inspector.port, trusting: trusted, "https://\(host):\(up.port)/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        #expect(got.body == #"{"ok":true}"#)
        #expect(up.seen.map(\.head.uri) == ["/v1/messages"])
        #expect(up.seen.first?.text == anthropicBody)
        let summary = inspector.summary()
        #expect(summary.tunnels == 1 && summary.forwarded == 1)
    }

    /// The hole this closes: a canary sent through an allowed CONNECT used to pass blind.
    @Test func aCanaryInsideATunnelIsBlocked() async throws {
        let up = try TLSUpstreamTests.server("localhost")
        defer { up.stop() }
        let ca = try RunCA()
        let inspector = try Self.inspector([], allow: ["localhost:\(up.port)"], ca: ca)
        defer { inspector.shutdown() }
        let trusted = ca.root
        let got = try await Self.post(proxy: inspector.port, trusting: trusted, "https://localhost:\(up.port)/v1/messages",
                                      body: #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"I am zebulonquixote"}]}"#)
        #expect(got.status == 400)
        #expect(got.body.contains("user name"))
        #expect(up.seen.isEmpty)
        #expect(inspector.summary().blocked == 1)
    }

    /// `--upstream`: what the agent sends inside a tunnel goes where all model traffic goes
    /// (here the stub), and the tunnel's host is never dialled (api.anthropic.com is not
    /// resolved: the stub answers).
    @Test func underAnUpstreamOverrideTunnelsFollowTheRoutes() async throws {
        let ca = try RunCA()
        let inspector = try Self.inspector([Route(api: .unknown, upstream: .stub)], allow: ["api.anthropic.com"], ca: ca,
                                           followRoutes: true)
        defer { inspector.shutdown() }
        let trusted = ca.root
        let got = try await Self.post(proxy: inspector.port, trusting: trusted, "https://api.anthropic.com/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        #expect(got.body.contains("end_turn"))
    }

    /// A client that does not trust the run CA does not get through: the certificate is the
    /// run CA's, not one the host would accept.
    @Test func aClientTrustingOtherRootsRefusesTheTunnel() async throws {
        let ca = try RunCA(), other = try RunCA()
        let inspector = try Self.inspector([Route(api: .unknown, upstream: .stub)], allow: ["api.anthropic.com"], ca: ca,
                                           followRoutes: true)
        defer { inspector.shutdown() }
        let trusted = other.root
        await #expect(throws: (any Error).self) {
            _ = try await Self.post(proxy: inspector.port, trusting: trusted, "https://api.anthropic.com/v1/messages", body: anthropicBody)
        }
    }

    /// No run CA, no tunnel: nothing may pass uninspected.
    @Test func withoutARunCAEveryConnectIsRefused() async throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let inspector = try Self.inspector([], allow: ["127.0.0.1:\(echo.port)"], ca: nil)
        defer { inspector.shutdown() }
        let (c, reply) = try await Self.tunnel(inspector.port, to: "127.0.0.1:\(echo.port)", refused: true)
        defer { c.close() }
        #expect(reply.hasPrefix("HTTP/1.1 403"))
        #expect(reply.contains("no CA"))
    }

    /// The attack: under a wildcard entry (`*.example.com`) the agent chooses the name, which
    /// reaches the host's DNS and the upstream's SNI whatever Host header its requests carry.
    /// A CONNECT to `zebulonquixote.example.com` is refused without naming it (the report
    /// shows no canary either); an absolute-form request to such a name is blocked before
    /// any connection. The control: a clean name under the wildcard is tunnelled.
    @Test func aHostNameTheAgentChoseIsReadForCanaries() async throws {
        let ca = try RunCA()
        let inspector = try Self.inspector([Route(api: .unknown, upstream: .stub)], allow: ["*.example.com"], ca: ca)
        defer { inspector.shutdown() }
        let (c, refused) = try await Self.tunnel(inspector.port, to: "zebulonquixote.example.com:443", refused: true)
        c.close()
        #expect(refused.hasPrefix("HTTP/1.1 403") && refused.contains("canary (user name)"), "\(refused)")
        #expect(!refused.contains("zebulonquixote"))
        let (clean, accepted) = try await Self.tunnel(inspector.port, to: "clean.example.com:443")
        clean.close()
        #expect(accepted.hasPrefix("HTTP/1.1 200"))
        let raw = try RawClient(port: inspector.port)
        defer { raw.close() }
        raw.send("GET http://zebulonquixote.example.com:443/v1/models HTTP/1.1\r\nHost: api.example.com\r\n\r\n")
        let blocked = await raw.read(until: "}}")
        #expect(blocked.hasPrefix("HTTP/1.1 400") && blocked.contains("canary"), "\(blocked)")
        let summary = inspector.summary()
        #expect(!summary.refusals.contains { $0.request.contains("zebulonquixote") }, "\(summary.refusals)")
    }

    /// Bytes that are not TLS are read as HTTP and inspected; bytes that are neither are
    /// refused. Nothing reaches the CONNECT target unread (the echo server would answer).
    @Test func plainBytesInATunnelAreReadAsHTTP() async throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let ca = try RunCA()
        let inspector = try Self.inspector([Route(api: .unknown, upstream: .stub)], allow: ["127.0.0.1:\(echo.port)"], ca: ca,
                                           followRoutes: true)
        defer { inspector.shutdown() }

        let (c, answer) = try await Self.tunnel(inspector.port, to: "127.0.0.1:\(echo.port)")
        defer { c.close() }
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        let body = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"zebulonquixote"}]}"#
        c.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let reply = await c.read(until: "}}")
        #expect(reply.hasPrefix("HTTP/1.1 400"))
        #expect(!reply.contains("zebulonquixote\"}]}"))

        let (g, second) = try await Self.tunnel(inspector.port, to: "127.0.0.1:\(echo.port)")
        defer { g.close() }
        #expect(second.hasPrefix("HTTP/1.1 200"))
        g.send("\u{1}\u{2}ping through the tunnel\r\n\r\n")
        let refused = await g.read(until: "never")
        #expect(refused.hasPrefix("HTTP/1.1 400"))
        #expect(!refused.contains("ping through the tunnel"))
    }

    /// A tunnel inside a tunnel would be a second CONNECT the first one's checks never saw.
    @Test func aConnectInsideATunnelIsRefused() async throws {
        let ca = try RunCA()
        let inspector = try Self.inspector([Route(api: .unknown, upstream: .stub)], allow: ["127.0.0.1:9"], ca: ca,
                                           followRoutes: true)
        defer { inspector.shutdown() }
        let (c, answer) = try await Self.tunnel(inspector.port, to: "127.0.0.1:9")
        defer { c.close() }
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        c.send("CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let reply = await c.read(until: "}}")
        #expect(reply.hasPrefix("HTTP/1.1 400"))
        #expect(reply.contains("inside a tunnel"))
    }

    /// A request inside a tunnel can only add a path to the tunnel's origin.
    @Test func aTunnelsRequestTargetStaysOnItsHost() {
        let table = RouteTable(routes: [], allow: AllowList(["api.anthropic.com"]))
        let origin = TunnelOrigin(host: "api.anthropic.com", port: 443)
        #expect(table.target(inTunnelTo: origin, uri: "/v1/messages", absolute: nil, api: .anthropic, routesOnly: false)
            == .url("https://api.anthropic.com/v1/messages"))
        #expect(table.target(inTunnelTo: TunnelOrigin(host: "::1", port: 8443), uri: "/x", absolute: nil, api: .unknown,
                             routesOnly: false) == .url("https://[::1]:8443/x"))
        for hostile in ["@evil.example/x", "evil.example/x", "*", ""] {
            if case .denied = table.target(inTunnelTo: origin, uri: hostile, absolute: nil, api: .unknown, routesOnly: false) {
            } else {
                Issue.record("\(hostile) was not denied")
            }
        }
        // An absolute-form target inside a tunnel meets the allow list like any other.
        let abs = AbsoluteURI("http://evil.example/x")
        #expect(table.target(inTunnelTo: origin, uri: "http://evil.example/x", absolute: abs, api: .unknown, routesOnly: false)
            == .denied("evil.example:80 is not in the profile's allowed hosts"))
    }

    /// An agent allowed `*.example.com` can name endless hosts: contexts are kept for a bounded
    /// number of them, the rest are made per tunnel.
    @Test func theContextCacheIsBounded() throws {
        let ca = try RunCA()
        for i in 0 ..< RunCA.cachedHosts + 20 { _ = try ca.serverContext(for: "h\(i).example.com") }
        #expect(ca.cachedCount == RunCA.cachedHosts)
    }

    /// A tunnel that never sends a byte is closed at the idle timeout.
    @Test func aSilentTunnelIsClosed() async throws {
        let ca = try RunCA()
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)], connectAllow: ["127.0.0.1:9"])
        config.runCA = ca
        config.idleTimeoutSeconds = 1
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let (c, answer) = try await Self.tunnel(inspector.port, to: "127.0.0.1:9")
        defer { c.close() }
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        let start = Date()
        #expect(await c.readBytes().isEmpty)
        #expect(Date().timeIntervalSince(start) < 4)
    }

    /// The CA says nothing of the machine: the same names everywhere, a fresh key each run.
    @Test func theRunCAIsFreshAndAnonymous() throws {
        let a = try RunCA(), b = try RunCA()
        #expect(a.certificatePEM != b.certificatePEM)
        #expect(a.root.description.contains(RunCA.commonName))
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let machine = [String(cString: host), String(cString: getpwuid(getuid())!.pointee.pw_name)]
        for der in [try a.root.toDERBytes(), try a.certificate(for: "api.anthropic.com").toDERBytes()] {
            let bytes = String(decoding: der, as: UTF8.self)
            for name in machine where name.count > 2 { #expect(!bytes.contains(name)) }
        }
    }
}
