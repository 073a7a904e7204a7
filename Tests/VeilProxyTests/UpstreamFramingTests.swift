import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import VeilProxy

/// Response framings the plain-http client must get right, staged byte for byte.
@Suite("upstream framing") struct UpstreamFramingTests {
    @Test func bodyEndedByClosingTheConnection() async throws {
        let up = try RawUpstream { _ in
            ("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"eof\":true}", true)
        }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        for _ in 0..<2 {
            let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
            #expect(got.status == 200)
            #expect(got.body == #"{"eof":true}"#)
        }
    }

    @Test func headResponseHasNoBodyAndTheConnectionStaysUsable() async throws {
        let up = try RawUpstream { head in
            head.hasPrefix("HEAD")
                ? ("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", false)
                : ("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", false)
        }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let head = try await request(inspector.port, "/v1/models", method: .HEAD, headers: [])
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        let get = try await request(inspector.port, "/v1/models", method: .GET, headers: [])
        #expect(get.status == 200)
        #expect(get.body == "hello")
    }

    @Test func malformedResponseIs502() async throws {
        let up = try RawUpstream { _ in ("this is not http\r\n\r\n", true) }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(got.headers.first(name: "x-veil-error") == "1")
    }

    @Test func requestCarriesHostLengthAndNoHopByHopHeaders() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        _ = try await request(inspector.port, "/v1/messages?beta=true", body: anthropicBody, headers: [
            ("content-type", "application/json"), ("Accept-Encoding", "gzip"), ("Keep-Alive", "timeout=5"),
            ("X-Custom", "kept"),
        ])
        let seen = try #require(up.seen.first)
        #expect(seen.head.uri == "/v1/messages?beta=true")
        #expect(seen.head.headers["host"] == ["127.0.0.1:\(up.port)"])
        #expect(seen.head.headers["content-length"] == [String(anthropicBody.utf8.count)])
        #expect(seen.head.headers["accept-encoding"].isEmpty)
        #expect(seen.head.headers["keep-alive"].isEmpty)
        #expect(seen.head.headers["x-custom"] == ["kept"])
    }

    /// A body over one read arrives in parts and is gathered; one that fits is kept as read.
    @Test func largeAndSmallBodiesReachUpstreamIntact() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let text = String(repeating: "the caller passes an argument and the test checks it. ", count: 60_000)
        let large = #"{"messages":[{"role":"user","content":"\#(text)"}]}"#
        #expect(try await request(inspector.port, "/v1/messages", body: large).status == 200)
        #expect(try await request(inspector.port, "/v1/messages", body: anthropicBody).status == 200)
        #expect(up.seen.map(\.text) == [large, anthropicBody])
    }

    @Test func chunkedRequestBodyIsForwardedWithALength() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        var req = HTTPClientRequest(url: "http://127.0.0.1:\(inspector.port)/v1/messages")
        req.method = .POST
        let parts = [#"{"messages":[{"role":"user","#, #""content":"Say hi"}]}"#]
        let stream = AsyncStream<ByteBuffer> { c in
            for p in parts { c.yield(ByteBuffer(string: p)) }
            c.finish()
        }
        req.body = .stream(stream, length: .unknown)
        let response = try await testClient.execute(req, timeout: .seconds(20))
        #expect(response.status == .ok)
        let seen = try #require(up.seen.first)
        #expect(seen.text == parts.joined())
        #expect(seen.head.headers["content-length"] == [String(parts.joined().utf8.count)])
        #expect(seen.head.headers["transfer-encoding"].isEmpty)
    }

    /// The read timer outlives single exchanges (it is not re-armed per request): silence on a
    /// reused connection must still end in 504.
    @Test func silenceOnAReusedConnectionIs504() async throws {
        let count = Counter()
        let up = try RawUpstream { _ in
            count.next() == 1 ? ("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", false) : ("", false)
        }
        defer { up.stop() }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(up.url))], readTimeoutSeconds: 1, threads: 1))
        defer { inspector.shutdown() }
        #expect(try await request(inspector.port, "/v1/messages", body: anthropicBody).status == 200)
        try await Task.sleep(for: .milliseconds(600))
        let started = ContinuousClock.now
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 504)
        #expect(ContinuousClock.now - started >= .milliseconds(900))
    }

    @Test func hopByHopNamesMatchInAnyCase() {
        #expect(UpstreamRequest.isHopByHop("Transfer-Encoding"))
        #expect(UpstreamRequest.isHopByHop("CONNECTION"))
        #expect(UpstreamRequest.isHopByHop("te"))
        #expect(!UpstreamRequest.isHopByHop("content-type"))
        #expect(!UpstreamRequest.isHopByHop("x-api-key"))
    }
}
