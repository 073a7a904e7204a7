import NIOHTTP1
import Testing
@testable import VeilProxy
import VeilProfile
import VeilScan

@Suite("routing, proxies and allow lists") struct RoutingTests {
    @Test(arguments: [
        ("https://api.openai.com/v1", "/v1/chat/completions", "https://api.openai.com/v1/chat/completions"),
        ("https://api.openai.com/v1", "/chat/completions", "https://api.openai.com/v1/chat/completions"),
        ("https://api.anthropic.com", "/v1/messages?beta=true", "https://api.anthropic.com/v1/messages?beta=true"),
        ("https://gw.example.com/openai/v1/", "/openai/v1/responses", "https://gw.example.com/openai/v1/responses"),
        ("https://gw.example.com/v1", "/v1", "https://gw.example.com/v1"),
        ("https://gw.example.com/v1", "/v1?x=1", "https://gw.example.com/v1?x=1"),
        ("https://gw.example.com/v1", "/v1beta/models", "https://gw.example.com/v1/v1beta/models"),
        ("http://127.0.0.1:9000", "v1/messages", "http://127.0.0.1:9000/v1/messages"),
        ("http://127.0.0.1:9000/", "/v1/messages", "http://127.0.0.1:9000/v1/messages"),
    ])
    func joinKeepsOneBasePath(base: String, uri: String, expected: String) {
        #expect(RouteTable.join(base: base, uri: uri) == expected)
    }

    /// CONNECT targets: a host and a port, or nothing (the fuzzer found `[]:443` read as the
    /// empty host).
    @Test func connectTargets() {
        #expect(Authority(connectTarget: "api.anthropic.com:443") == Authority(host: "api.anthropic.com", port: 443))
        #expect(Authority(connectTarget: "[::1]:8443") == Authority(host: "::1", port: 8443))
        for bad in ["[]:443", ":443", "host", "host:0", "host:65536", "[::1]", "[::1]443", "user@host:443", "::1:443"] {
            #expect(Authority(connectTarget: bad) == nil, "\(bad)")
        }
    }

    @Test func absoluteURIs() {
        func parts(_ s: String) -> String? {
            AbsoluteURI(s).map { "\($0.scheme) \($0.host) \($0.port) \($0.pathAndQuery)" }
        }
        #expect(parts("http://127.0.0.1:8080/v1/messages?beta=true") == "http 127.0.0.1 8080 /v1/messages?beta=true")
        #expect(parts("HTTPS://api.example.com") == "https api.example.com 443 /")
        #expect(parts("https://api.example.com?key=k") == "https api.example.com 443 /?key=k")
        #expect(parts("http://user:p@ss@host.example:81/x") == "http host.example 81 /x")
        #expect(parts("http://[::1]:9000/a") == "http ::1 9000 /a")
        #expect(parts("http://[::1]/a") == "http ::1 80 /a")
        #expect(parts("http://host:/a") == "http host 80 /a")
        #expect(parts("/v1/messages") == nil)
        #expect(parts("http://") == nil)
        #expect(parts("http:///path") == nil)
        #expect(parts("ftp://host/x") == nil)
        #expect(parts("httpx://host/x") == nil)
        // Found by the fuzzer (veil-fuzz http): the authority ends at `#` too, as in URL.
        #expect(parts("https://evil.example#@api.example.com/v1") == "https evil.example 443 /")
        #expect(parts("http://host.example/v1?q=1#frag") == "http host.example 80 /v1?q=1")
        // Found by the fuzzer: a port out of range, or not a number, was kept or became the
        // default; URL refuses both.
        #expect(parts("http://evil.example:688888886/x") == nil)
        #expect(parts("http://evil.example:65536/x") == nil)
        #expect(parts("http://evil.example:8o/x") == nil)
        #expect(parts("http://[::1]x/") == nil)
        #expect(parts("http://h:65535/") == "http h 65535 /")
        let table = RouteTable(routes: [Route(api: .unknown, upstream: .url("https://api.example.com"))], allow: AllowList(["*"]))
        #expect(table.target(uri: "http://evil.example:65536/x", absolute: nil, api: .unknown)
            == .denied("the request target is not a URL veil can read"))
    }

    /// Found by the fuzzer: the allow list judged `api.example.com`, AsyncHTTPClient (by URL)
    /// connected to `evil.example`.
    @Test func aFragmentCannotSmuggleAnotherHostPastTheAllowList() {
        let table = RouteTable(routes: [], allow: AllowList(["api.example.com"]))
        for uri in ["https://evil.example#@api.example.com/v1/messages", "http://evil.example#@api.example.com"] {
            guard case .denied = table.target(uri: uri, absolute: AbsoluteURI(uri), api: .anthropic) else {
                Issue.record("\(uri) was let through")
                continue
            }
        }
    }

    /// The same through the inspector: refused (NIO's parser already takes it for an invalid
    /// URL; AbsoluteURI is the second line), never forwarded.
    @Test func aFragmentedTargetIsRefusedByTheInspector() async throws {
        let inspector = try startInspector(.stub, allow: ["127.0.0.1"])
        defer { inspector.shutdown() }
        let raw = try RawClient(port: inspector.port)
        defer { raw.close() }
        raw.send("GET https://localhost#@127.0.0.1:9/v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        let got = await raw.read(until: "}")
        #expect(got.hasPrefix("HTTP/1.1 400") || got.hasPrefix("HTTP/1.1 403"), "\(got)")
        #expect(inspector.summary().forwarded == 0)
    }

    @Test func routesByAPIThenCatchAll() {
        let table = RouteTable(routes: [Route(api: .anthropic, upstream: .url("https://a")),
                                        Route(api: .openai, upstream: .stub)], allow: AllowList([]))
        #expect(table.resolve(uri: "/v1/messages", headers: [:]).1 == .url("https://a/v1/messages"))
        #expect(table.resolve(uri: "/v1/chat/completions", headers: [:]).1 == .stub)
        #expect(table.resolve(uri: "/v1/models", headers: ["x-api-key": "k"]).1 == .url("https://a/v1/models"))
        if case .denied = table.resolve(uri: "/v1beta/models/x:generateContent", headers: [:]).1 {} else { Issue.record("gemini had no route") }
    }

    @Test func hostProxyHonoursNoProxy() {
        let p = HostProxySettings(environment: ["https_proxy": "http://user:p%40ss@proxy.corp:3128",
                                                "NO_PROXY": "localhost,.internal.corp,10.0.0.1:8443"])
        #expect(p.route(scheme: "https", host: "api.anthropic.com", port: 443)
                == .proxy(.init(host: "proxy.corp", port: 3128, user: "user", password: "p@ss")))
        #expect(p.route(scheme: "http", host: "api.anthropic.com", port: 80) == .direct)
        #expect(p.route(scheme: "https", host: "llm.internal.corp", port: 443) == .direct)
        #expect(p.route(scheme: "https", host: "localhost", port: 443) == .direct)
        #expect(p.route(scheme: "https", host: "10.0.0.1", port: 8443) == .direct)
        #expect(p.route(scheme: "https", host: "10.0.0.1", port: 443) != .direct)
        #expect(HostProxySettings(environment: ["HTTPS_PROXY": "proxy:8080", "no_proxy": "*"])
            .route(scheme: "https", host: "x", port: 443) == .direct)
    }

    /// A proxy value veil cannot read refuses what it would carry (never direct: the host's
    /// network asked for the proxy), without repeating it (it may hold a password); the hosts
    /// NO_PROXY names still go direct. IPv6 entries of NO_PROXY match their address.
    @Test func unreadableProxiesRefuseAndIPv6NoProxyMatches() {
        for value in ["http://user:secret@proxy.corp:99999", "proxy.corp:abc", "socks5://proxy.corp:1080", "http://[::1"] {
            let p = HostProxySettings(environment: ["HTTPS_PROXY": value, "NO_PROXY": "::1,[fd00::5]:8443,.internal.corp"])
            guard case .refused(let why) = p.route(scheme: "https", host: "api.anthropic.com", port: 443) else {
                Issue.record("\(value) was not refused")
                continue
            }
            #expect(why.contains("HTTPS_PROXY") && !why.contains("secret") && !why.contains("proxy.corp"), "\(why)")
            #expect(p.route(scheme: "http", host: "api.anthropic.com", port: 80) == .direct)
            #expect(p.route(scheme: "https", host: "llm.internal.corp", port: 443) == .direct)
            #expect(p.route(scheme: "https", host: "::1", port: 9000) == .direct)
            #expect(p.route(scheme: "https", host: "fd00::5", port: 8443) == .direct)
            #expect(p.route(scheme: "https", host: "fd00::5", port: 443) != .direct)
        }
        let v6 = HostProxySettings(environment: ["ALL_PROXY": "http://[fd00::1]:3128"])
        #expect(v6.route(scheme: "https", host: "x", port: 443) == .proxy(.init(host: "fd00::1", port: 3128)))
    }

    /// Through the inspector: the plain-http upstream (the lean client's path) is not dialed
    /// around a host proxy veil cannot read; the agent hears why.
    @Test func anUnreadableHostProxyIsNotGoneAround() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(up.url))], hostEnvironment: ["http_proxy": "proxy.corp:99999"],
            connectTimeoutSeconds: 2, readTimeoutSeconds: 5))
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(got.body.contains("http_proxy") && !got.body.contains("proxy.corp"), "\(got.body)")
        #expect(up.seen.isEmpty)
    }

    /// Found by a red team: a target holding a backslash (`/\127.0.0.1:47001/x`) made the
    /// inspector open a connection to the upstream, send nothing on it, and leave the agent
    /// waiting for an answer until its own timeout (minutes).
    @Test func aTargetWithABackslashIsAnswered() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url))
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        c.send("GET /\\127.0.0.1:47001/x HTTP/1.1\r\nHost: a\r\n\r\n")
        let reply = await c.read(until: "}}")
        #expect(reply.hasPrefix("HTTP/1.1 502") && reply.contains("invalid character"), "\(reply)")
        #expect(up.seen.isEmpty)
    }

    @Test func allowListMatchesNamesPortsAndSuffixes() {
        let a = AllowList(["github.com", "registry.npmjs.org:443", "*.pypi.org", "127.0.0.1"])
        #expect(a.permits(host: "GitHub.com", port: 443))
        #expect(a.permits(host: "registry.npmjs.org", port: 443))
        #expect(!a.permits(host: "registry.npmjs.org", port: 80))
        #expect(a.permits(host: "files.pypi.org", port: 443))
        #expect(!a.permits(host: "evilpypi.org", port: 443))
        #expect(!a.permits(host: "api.anthropic.com", port: 443))
        #expect(a.permits(host: "127.0.0.1", port: 443) && !a.permits(host: "127.0.0.1", port: 1234), "a bare entry is 443")
        // Found by the fuzzer: an IPv6 entry with a port never matched its address, and
        // matched the odd host `::1]:8080` instead.
        let v6 = AllowList(["[::1]:8080", "[2001:db8::1]", "bad:port"])
        #expect(v6.permits(host: "::1", port: 8080))
        #expect(v6.permits(host: "[::1]", port: 8080))
        #expect(!v6.permits(host: "::1", port: 443))
        #expect(!v6.permits(host: "::1]:8080", port: 443))
        #expect(v6.permits(host: "2001:db8::1", port: 443))
        #expect(!v6.permits(host: "bad", port: 443) && !v6.permits(host: "bad:port", port: 443))
    }

    @Test func errorBodiesPerAPI() {
        let a = parse(String(decoding: APIError.body(api: .anthropic, status: .badRequest, message: "m"), as: UTF8.self))
        #expect(a["type"] as? String == "error")
        #expect((a["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
        let o = parse(String(decoding: APIError.body(api: .openai, status: .badRequest, message: "m"), as: UTF8.self))
        #expect((o["error"] as? [String: Any])?["code"] as? String == "veil_blocked")
        let g = parse(String(decoding: APIError.body(api: .gemini, status: .badRequest, message: "m"), as: UTF8.self))
        #expect((g["error"] as? [String: Any])?["status"] as? String == "INVALID_ARGUMENT")
    }
}
