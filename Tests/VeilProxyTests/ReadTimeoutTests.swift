import NIOCore
import Testing
@testable import VeilProxy

/// The upstream read timeout counts the upstream's silence, not the agent's: an agent that
/// stops reading for longer than the timeout (veil holds its upstream reads meanwhile) still
/// gets every byte, on both upstream clients; silence from the upstream is still a 504.
@Suite("read timeout") struct ReadTimeoutTests {
    static let length = 256 * 65536  // more than the loopback socket buffers hold

    /// Sends `length` bytes at once, in 64 KiB chunks.
    static func bigUpstream() throws -> TestUpstream {
        let block = String(repeating: "0123456789abcdef", count: 4096)
        return try TestUpstream { _ in
            TestUpstream.Reply(headers: [("content-length", String(length))],
                               chunks: Array(repeating: (0, block), count: length / 65536))
        }
    }

    /// An inspector with a 1 s read timeout; `hostEnvironment` may name a host proxy, which
    /// sends the upstream through AsyncHTTPClient instead of the lean client.
    static func inspector(_ upstream: String, hostEnvironment: [String: String] = [:]) throws -> Inspector {
        try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(upstream))], hostEnvironment: hostEnvironment,
            connectTimeoutSeconds: 1, readTimeoutSeconds: 1, threads: 1))
    }

    /// One request from an agent with a small receive buffer that reads nothing for 2.5 s.
    static func slowAgent(_ inspector: Inspector) async throws -> (head: String, bodyBytes: Int) {
        let c = try RawClient(port: inspector.port, receiveBuffer: 16 << 10)
        defer { c.close() }
        c.send("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
               + "content-length: \(anthropicBody.utf8.count)\r\n\r\n\(anthropicBody)")
        try await Task.sleep(for: .milliseconds(2500))
        return await c.readResponse(length: length)
    }

    @Test func slowAgentOnTheLeanClientGetsTheWholeResponse() async throws {
        let up = try Self.bigUpstream()
        defer { up.stop() }
        let inspector = try Self.inspector(up.url)
        defer { inspector.shutdown() }
        let got = try await Self.slowAgent(inspector)
        #expect(got.head.hasPrefix("HTTP/1.1 200"))
        #expect(got.bodyBytes == Self.length)
    }

    /// A host proxy (AsyncHTTPClient tunnels through it with CONNECT) that is the upstream as
    /// well: it answers the request inside the tunnel with `answer` ("" for silence).
    static func proxy(answering answer: String) throws -> RawUpstream {
        try RawUpstream { head in
            head.hasPrefix("CONNECT model.invalid:80 ") ? ("HTTP/1.1 200 Connection established\r\n\r\n", false) : (answer, false)
        }
    }

    @Test func slowAgentThroughAHostProxyGetsTheWholeResponse() async throws {
        let answer = "HTTP/1.1 200 OK\r\ncontent-length: \(Self.length)\r\n\r\n" + String(repeating: "0123456789abcdef", count: Self.length / 16)
        let proxy = try Self.proxy(answering: answer)
        defer { proxy.stop() }
        let inspector = try Self.inspector("http://model.invalid", hostEnvironment: ["http_proxy": proxy.url])
        defer { inspector.shutdown() }
        let got = try await Self.slowAgent(inspector)
        #expect(got.head.hasPrefix("HTTP/1.1 200"))
        #expect(got.bodyBytes == Self.length)
    }

    @Test func silenceThroughAHostProxyIs504() async throws {
        let proxy = try Self.proxy(answering: "")
        defer { proxy.stop() }
        let inspector = try Self.inspector("http://model.invalid", hostEnvironment: ["http_proxy": proxy.url])
        defer { inspector.shutdown() }
        let started = ContinuousClock.now
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 504)
        #expect(((got.json["error"] as? [String: Any])?["message"] as? String)?.contains("model.invalid:80 timed out") == true)
        #expect(ContinuousClock.now - started >= .milliseconds(900))
    }

    @Test func theClockHoldsWhileTheAgentIsSlow() {
        let t0 = NIODeadline.uptimeNanoseconds(0)
        var clock = SilenceClock(timeout: .seconds(1), now: t0)
        #expect(clock.next(now: t0 + .milliseconds(400)) == .milliseconds(600))
        #expect(clock.next(now: t0 + .seconds(1)) == nil)
        clock.hold()
        #expect(clock.next(now: t0 + .seconds(5)) == .seconds(1))
        clock.resume(now: t0 + .seconds(5))
        #expect(clock.next(now: t0 + .milliseconds(5500)) == .milliseconds(500))
        clock.heard(now: t0 + .milliseconds(5900))
        #expect(clock.next(now: t0 + .milliseconds(6800)) == .milliseconds(100))
        #expect(clock.next(now: t0 + .milliseconds(6900)) == nil)
        clock.hold()
        clock.restart(now: t0 + .seconds(10))  // the connection's next request went upstream
        #expect(clock.next(now: t0 + .milliseconds(10_250)) == .milliseconds(750))
    }
}
