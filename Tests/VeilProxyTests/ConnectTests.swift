import Foundation
import Testing
@testable import VeilProxy

@Suite("CONNECT and absolute-form") struct ConnectTests {
    @Test func connectToOtherHostIs403() async throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let inspector = try startInspector(.stub, allow: ["api.example.com"])
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        c.send("CONNECT 127.0.0.1:\(echo.port) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let reply = await c.read(until: "}}")
        #expect(reply.hasPrefix("HTTP/1.1 403"))
        #expect(reply.contains("not allowed"))
    }

    @Test func absoluteFormToAllowedHostIsInspectedAndForwarded() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.stub, canaries: [.init(label: "user name", value: "zebulonquixote")],
                                           allow: ["127.0.0.1:\(up.port)"])
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        let body = #"{"x":"hello"}"#
        c.send("POST \(up.url)/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let first = await c.read(until: "\r\n0\r\n\r\n")
        #expect(first.hasPrefix("HTTP/1.1 200") && first.contains(#"{"ok":true}"#))
        #expect(up.seen.first?.head.uri == "/v1/chat/completions")
        let bad = #"{"x":"zebulonquixote"}"#
        c.send("POST \(up.url)/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(bad.utf8.count)\r\n\r\n\(bad)")
        #expect(await c.read(until: "}}").hasPrefix("HTTP/1.1 400"))
        #expect(up.seen.count == 1)
    }

    /// The red team's escape: with `--upstream` a run makes no other connection, yet an
    /// absolute-form request naming an allowed host went to that host, and on a port the agent
    /// chose (a bare entry allowed any): it read a host service's answer. Now a bare entry is
    /// port 443, and under `routesOnly` an allowed request goes by its path to the upstream.
    @Test func absoluteFormToAnAllowedHostFollowsTheRoutesUnderAnUpstream() async throws {
        let up = try TestUpstream(), service = try TestUpstream()
        defer { up.stop(); service.stop() }
        for (allow, routesOnly) in [(["127.0.0.1"], false), (["127.0.0.1:\(service.port)"], true)] {
            var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .url(up.url))], connectAllow: allow,
                                         hostEnvironment: [:])
            config.routesOnly = routesOnly
            let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
            defer { inspector.shutdown() }
            let c = try RawClient(port: inspector.port)
            defer { c.close() }
            c.send("GET http://127.0.0.1:\(service.port)/steal HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let reply = await c.read(until: "}")
            if routesOnly {
                #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply)")
                #expect(up.seen.last?.head.uri == "/steal")
            } else {
                #expect(reply.hasPrefix("HTTP/1.1 403"), "a bare entry is not every port: \(reply)")
            }
        }
        #expect(service.seen.isEmpty, "the service the agent named was reached")
    }

    @Test func absoluteFormToOtherHostIs403() async throws {
        let inspector = try startInspector(.stub, allow: [])
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        c.send("GET http://127.0.0.1:9/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(await c.read(until: "}}").hasPrefix("HTTP/1.1 403"))
    }

    @Test func garbageClosesConnectionWithoutCrash() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        c.send("\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n")
        let reply = await c.read(until: "never")
        #expect(reply.hasPrefix("HTTP/1.1 400") && reply.contains("malformed HTTP request"))
        let c2 = try RawClient(port: inspector.port)
        defer { c2.close() }
        c2.send("GET /v1/models HTTP/1.1\r\nHost: x\r\nanthropic-version: 1\r\n\r\n")
        #expect(await c2.read(until: "has_more").hasPrefix("HTTP/1.1 200"))
    }

    @Test func expectContinueIsAnswered() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        let body = anthropicBody
        c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        #expect(await c.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 100 Continue"))
        c.send(body)
        #expect(await c.read(until: "end_turn").hasPrefix("HTTP/1.1 200"))
    }
}
