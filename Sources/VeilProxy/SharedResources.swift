import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import VeilProfile
import VeilScan

/// What every connection shares: the scanner, the routes, the upstream clients, the record and
/// the counters. Immutable after start, except the counters and the record (both locked) and
/// the pools (each bound to its event loop). Handlers hold it as `core`.
final class SharedResources: Sendable {
    let config: InspectorConfig
    let scanner: VeilScanner
    let routes: RouteTable
    let proxies: HostProxySettings
    /// The certificates https upstreams must chain to (the host's SSL_CERT_FILE/DIR or the system's).
    let trust: UpstreamTrust
    let redaction: Redaction
    /// Host facts out of veil's own messages to the agent.
    let neutral: NeutralText
    let recorder: ExchangeRecorder?
    let stats = LiveSummary()
    /// Request bytes held over all connections (max_buffered_bytes).
    let buffers: BufferBudget
    /// Agent connections open (max_connections), counted the same way, one each.
    let connections: BufferBudget
    let stub = StubResponder()
    private let notices = Mutex(NoticeThrottle())
    /// One client per event loop and upstream proxy ("" = direct). Per event loop so that an
    /// agent connection, its upstream connection and every callback share one thread (no
    /// hops, no locks); per proxy because AHC takes its proxy per client.
    private let clients: [ObjectIdentifier: [String: HTTPClient]]
    private let allClients: [HTTPClient]
    /// Keep-alive connections to plain-http upstreams, one pool per event loop (as the clients).
    private let pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamPool>]

    init(config: InspectorConfig, group: EventLoopGroup) throws {
        self.config = config
        buffers = BufferBudget(limit: config.maxBufferedBytes)
        connections = BufferBudget(limit: config.maxConnections)
        scanner = VeilScanner(config: ScanConfig(canaries: config.canaries, rules: config.rules,
                                                            ownTypography: Set(config.ownTypography)))
        routes = RouteTable(routes: config.routes, allow: AllowList(config.connectAllow))
        proxies = HostProxySettings(environment: config.hostEnvironment)
        trust = UpstreamTrust(environment: config.hostEnvironment)
        redaction = Redaction(credentials: config.credentials)
        neutral = NeutralText(canaries: config.canaries)
        recorder = try config.recordPath.map {
            try ExchangeRecorder(path: $0, redaction: Redaction(credentials: config.credentials), agentTrees: config.agentTrees,
                                 limit: config.maxRecordBytes, onFull: config.onNotice)
        }
        var clients: [ObjectIdentifier: [String: HTTPClient]] = [:]
        var all: [HTTPClient] = []
        var pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamPool>] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = .makeBoxSendingValue(
                UpstreamPool(loop: loop, connectTimeout: .seconds(config.connectTimeoutSeconds)), eventLoop: loop)
            var perLoop: [String: HTTPClient] = [:]
            for p in [nil] + proxies.servers where perLoop[Self.key(p)] == nil {
                let client = HTTPClient(eventLoopGroupProvider: .shared(loop),
                                        configuration: Self.clientConfiguration(config, proxy: p, trust: trust))
                perLoop[Self.key(p)] = client
                all.append(client)
            }
            clients[ObjectIdentifier(loop)] = perLoop
        }
        self.clients = clients
        self.pools = pools
        allClients = all
    }

    /// An exchange is over: its record line, and with `-v` one line for the terminal.
    func finished(_ ex: Exchange) {
        recorder?.write(ex)
        guard let say = config.onExchange else { return }
        let target = ex.upstream.isEmpty ? "" : " → " + redaction.uri(ex.upstream)
        let findings = ex.findings.isEmpty ? "" : ", \(ex.findings.count) finding(s)"
        say("\(ex.head.method.rawValue) \(ex.path)\(ex.via.map { " (\($0))" } ?? "")\(target): \(ex.decision.rawValue) \(ex.status)\(findings)")
    }

    /// A refusal that has no exchange of its own (an HTTP 413, 408, 503, a WebSocket message
    /// closed unread) as one, for the record and the live lines; made only where one is read.
    func finishedRefusal(_ head: HTTPRequestHead, api: APIKind, status: Int, reason: String, via: String? = nil,
                         upstream: String = "") {
        guard recorder != nil || config.onExchange != nil else { return }
        let ex = Exchange(head: head, absolute: nil, api: api, body: ByteBuffer())
        ex.via = via
        ex.upstream = upstream
        ex.decision = .reject
        ex.status = status
        ex.error = reason
        finished(ex)
    }

    static func key(_ p: HostProxySettings.ProxyServer?) -> String {
        p.map { "\($0.host):\($0.port)" } ?? ""
    }

    static func clientConfiguration(_ c: InspectorConfig, proxy p: HostProxySettings.ProxyServer?,
                                    trust: UpstreamTrust) -> HTTPClient.Configuration {
        // No read timeout here: the agent connection keeps the silence clock (UpstreamClientCall),
        // which does not count the time a slow agent takes.
        var conf = HTTPClient.Configuration(
            tlsConfiguration: trust.tlsConfiguration,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(c.connectTimeoutSeconds), read: nil),
            proxy: p.map { p in
                .server(host: p.host, port: p.port,
                        authorization: p.user.map { .basic(username: $0, password: p.password ?? "") })
            },
            decompression: .disabled)
        // HTTP/1.1 upstream keeps one exchange per connection, so a slow stream never holds up others.
        conf.httpVersion = .http1Only
        conf.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection or a failed handshake is the agent's 502 at once, as on the lean
        // client, not after the connect timeout of AHC's retries: the agent's SDK retries itself.
        conf.connectionPool.retryConnectionEstablishment = false
        return conf
    }

    func client(for url: String, on loop: EventLoop) -> HTTPClient {
        let perLoop = clients[ObjectIdentifier(loop)] ?? clients.values.first!
        guard let abs = AbsoluteURI(url) else { return perLoop[""]! }
        guard case .proxy(let p) = proxies.route(for: abs) else { return perLoop[""]! }
        return perLoop[Self.key(p)] ?? perLoop[""]!
    }

    /// Only on `loop`.
    func pool(on loop: EventLoop) -> UpstreamPool {
        pools[ObjectIdentifier(loop)]!.value
    }

    func shutdown() {
        for p in pools.values { p.eventLoop.execute { p.value.shutdown() } }
        for c in allClients { try? c.syncShutdown() }
        if let line = notices.withLock({ $0.finish() }) { config.onBlock?(line) }
    }

    /// A request was blocked: its line to the terminal, as `NoticeThrottle` allows.
    func blockNotice(_ line: @autoclosure () -> String) {
        guard let say = config.onBlock else { return }
        let now = Double(NIODeadline.now().uptimeNanoseconds) / 1e9
        if let text = notices.withLock({ $0.blocked(line(), now: now) }) { say(text) }
    }

    /// The agent's credential placeholders replaced by the real values: only whole tokens (a
    /// header value, `Bearer <key>`, a `key=<key>` query value), never inside other text — a
    /// short key must not rewrite a path — and never in the body.
    func restoreCredentials(url: String, headers: inout HTTPHeaders) -> String {
        guard !config.credentials.isEmpty else { return url }
        for name in ["authorization", "x-api-key", "api-key", "x-goog-api-key"] {
            let values = headers[name]
            guard !values.isEmpty else { continue }
            let restored = values.map { v in
                v.split(separator: " ", omittingEmptySubsequences: false).map { restore(String($0), url: url) }.joined(separator: " ")
            }
            if restored != values {
                headers.remove(name: name)
                for v in restored { headers.add(name: name, value: v) }
            }
        }
        guard let q = url.firstIndex(of: "?") else { return url }
        let items = url[url.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
            guard let eq = item.firstIndex(of: "=") else { return String(item) }
            return String(item[...eq]) + restore(String(item[item.index(after: eq)...]), url: url)
        }
        return String(url[...q]) + items.joined(separator: "&")
    }

    /// Where agents put API keys (and a host proxy's credentials).
    static let keyHeaders: [StaticString] = [
        "authorization", "x-api-key", "api-key", "x-goog-api-key", "proxy-authorization", "cookie",
    ]

    private func withoutKeys(_ value: String) -> String {
        var value = value
        for c in config.credentials {
            for key in [c.placeholder, c.real] where !key.isEmpty && value.contains(key) {
                value = value.replacingOccurrences(of: key, with: "")
            }
        }
        return value
    }

    private func restore(_ token: String, url: String) -> String {
        guard let c = config.credentials.first(where: { !$0.placeholder.isEmpty && $0.placeholder == token }),
              Self.keyMayGo(c, to: url, routes: config.routes) else { return token }
        return c.real
    }

    /// A vendor's key goes only to that vendor's upstream: the agent could put the OpenAI
    /// key's placeholder on a request routed to Anthropic, and veil would hand another vendor
    /// the user's OpenAI key. A key of no known API, or of an API no route names, goes to
    /// whichever upstream the request's route chose (the user's choice, as before).
    static func keyMayGo(_ c: CredentialMask.Entry, to url: String, routes: [Route]) -> Bool {
        let family = APIKind.of(variable: c.variable)
        let own = routes.filter { $0.api == family }
        guard family != .unknown, !own.isEmpty else { return true }
        return own.contains { route in
            if case .url(let base) = route.upstream { return isUnder(url, base: base) }
            return false
        }
    }

    /// `url` is `base` or below it: the prefix must end where a URL's parts end, or
    /// `https://api.anthropic.com.evil.example/` would pass as under `https://api.anthropic.com`.
    static func isUnder(_ url: String, base: String) -> Bool {
        guard url.hasPrefix(base) else { return false }
        if base.hasSuffix("/") { return true }
        let rest = url.utf8.dropFirst(base.utf8.count)
        return rest.first.map { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? true
    }


    /// One WebSocket message: its payload alone (the upgrade's target and headers were
    /// inspected when the socket opened).
    func inspectMessage(_ ex: Exchange) -> Decision {
        ex.findings = ex.inspected.withUnsafeReadableBytes { raw in
            var found = scanner.scanBody(raw, api: ex.api)
            // A binary message in UTF-16/32, read as text by the upstream (BodyView.asUnicode).
            if let utf8 = BodyView.asUnicode(raw) {
                found += scanner.scanBody(utf8, api: ex.api).filter { f in !found.contains { $0.says(theSameAs: f) } }
            }
            return found
        }
        guard !ex.findings.isEmpty else { return .forward }
        return decide(ex.findings, modes: config.modes, rules: config.rules)
    }

    /// TLS for upstream WebSockets: the same trust as the https client, HTTP/1.1 (the upgrade
    /// is an HTTP/1.1 request). Made on first use.
    func webSocketTLS() throws -> NIOSSLContext {
        try webSocketContext.withLockedValue { cached in
            if let cached { return cached }
            var configuration = trust.tlsConfiguration ?? .makeClientConfiguration()
            configuration.applicationProtocols = ["http/1.1"]
            let made = try NIOSSLContext(configuration: configuration)
            cached = made
            return made
        }
    }

    private let webSocketContext = NIOLockedValueBox<NIOSSLContext?>(nil)

    /// Inspection: the request target, headers and body through the scanner, then the pure
    /// decision. The run's own placeholders and real keys are blanked first: they are the
    /// only values in the credential headers and the query that veil knows to be keys.
    func inspect(_ ex: Exchange) -> Decision {
        var headerList: [(name: String, value: String)] = []
        headerList.reserveCapacity(ex.head.headers.count)
        for (n, v) in ex.head.headers {
            headerList.append((name: n, value: n.equalsLowercased(anyOf: SharedResources.keyHeaders) ? withoutKeys(v) : v))
        }
        let target = ex.pathAndQuery
        var findings = scanner.scanTarget(target.utf8.contains(UInt8(ascii: "?")) ? withoutKeys(target) : target)
        findings += scanner.scanHeaders(headerList)
        findings += ex.inspected.withUnsafeReadableBytes { scanner.scanBody($0, api: ex.api) }
        if ex.decoded != nil { findings += sentBytesFindings(ex, besides: findings) }
        if let absolute = ex.absolute { findings += hostFindings(absolute.host, port: absolute.port) }
        ex.findings = findings
        guard !findings.isEmpty else { return .forward }
        return decide(findings, modes: config.modes, rules: config.rules)
    }

    /// A host name the agent chose under an allowed domain or wildcard (`*.example.com`):
    /// it reaches the host's DNS and the upstream's TLS handshake (SNI), whatever Host header
    /// the request carries, so it is read as a request target is. A host the profile names
    /// exactly is the profile's, not the agent's: not read (a gateway's name is a canary).
    func hostFindings(_ host: String, port: Int) -> [Finding] {
        guard !routes.allow.names(host: host, port: port) else { return [] }
        return scanner.scanTarget(host).map { f in
            var f = f
            f.path = "host"
            return f
        }
    }

    /// A body decoded for the scan (a content-encoding undone, a charset transcoded, a form's
    /// fields) still goes upstream as it was sent, and some readers take those bytes as they
    /// are: ASCII JSON labelled `charset=utf-16le` is CJK to the view and plain text to a
    /// json.loads that ignores the label; a gzip header's file name, a zstd skippable frame are
    /// dropped by the decoding and logged raw. The sent bytes are read too, for canaries and
    /// the profile's `forbid` patterns (compressed bytes are no text whose characters, or
    /// dates, would mean anything), and what the view did not already find is added, its path
    /// `sent-bytes`.
    private func sentBytesFindings(_ ex: Exchange, besides found: [Finding]) -> [Finding] {
        let forbidden = Set(config.rules.filter { $0.kind == .forbid }.map(\.name))
        return ex.body.withUnsafeReadableBytes { scanner.scanBody($0, api: .unknown) }.compactMap { f in
            guard f.kind == .canary || (f.kind == .rule && f.rule.map(forbidden.contains) == true),
                  !found.contains(where: { $0.says(theSameAs: f) }) else { return nil }
            var f = f
            f.path = "sent-bytes"
            return f
        }
    }
}
