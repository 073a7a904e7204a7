import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import VeilProxy
import VeilScan

@Suite("forwarding") struct ForwardingTests {
    @Test func forwardsToUpstreamUnchanged() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url))
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody,
                                    headers: [("content-type", "application/json"), ("anthropic-version", "2023-06-01")])
        #expect(got.status == 200)
        #expect(got.body == #"{"ok":true}"#)
        let seen = try #require(up.seen.first)
        #expect(seen.head.uri == "/v1/messages")
        #expect(seen.text == anthropicBody)
        #expect(seen.head.headers.first(name: "host") == "127.0.0.1:\(up.port)")
        #expect(seen.head.headers.first(name: "anthropic-version") == "2023-06-01")
        #expect(inspector.summary().forwarded == 1)
    }

    @Test func keepsBasePathOfUpstream() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url + "/v1"))
        defer { inspector.shutdown() }
        _ = try await request(inspector.port, "/v1/chat/completions", body: openAIBody)
        _ = try await request(inspector.port, "/chat/completions", body: openAIBody)
        #expect(up.seen.map(\.head.uri) == ["/v1/chat/completions", "/v1/chat/completions"])
    }

    @Test func streamsFirstChunkBeforeUpstreamFinishes() async throws {
        let up = try TestUpstream { _ in
            TestUpstream.Reply(headers: [("content-type", "text/event-stream")],
                               chunks: [(0, "data: first\n\n"), (2500, "data: second\n\n")])
        }
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url))
        defer { inspector.shutdown() }
        let request = try HTTPClient.Request(url: "http://127.0.0.1:\(inspector.port)/v1/messages", method: .POST,
                                             body: .string(anthropicBody))
        // Arrival times are taken on the client's event loop as the bytes come in, not when
        // this test task resumes: other tests running in parallel may hold the task pool.
        let recorder = ChunkTimes()
        let chunks = try await testClient.execute(request: request, delegate: recorder).get()
        #expect(chunks.map(\.text).joined() == "data: first\n\ndata: second\n\n")
        let first = try #require(chunks.first), last = try #require(chunks.last)
        #expect(first.text.hasPrefix("data: first"))
        // A buffering proxy would hand over both events together; a streaming one keeps the
        // upstream's 2.5 s gap.
        #expect(last.at - first.at >= .milliseconds(1500), "first chunk at \(first.at), last at \(last.at)")
    }

    @Test func upstreamDownIs502InTheAPIFormat() async throws {
        let up = try TestUpstream()
        let deadURL = up.url
        up.stop()
        let inspector = try startInspector(.url(deadURL))
        defer { inspector.shutdown() }
        let a = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(a.status == 502)
        #expect(a.json["type"] as? String == "error")
        #expect(((a.json["error"] as? [String: Any])?["message"] as? String)?.contains("unreachable") == true)
        let o = try await request(inspector.port, "/v1/chat/completions", body: openAIBody)
        #expect(o.status == 502)
        #expect((o.json["error"] as? [String: Any])?["code"] as? String == "veil_upstream_error")
        let g = try await request(inspector.port, "/v1beta/models/gemini-2.5-pro:generateContent", body: geminiBody)
        #expect(g.status == 502)
        #expect((g.json["error"] as? [String: Any])?["status"] as? String == "UNAVAILABLE")
        #expect(inspector.summary().errors == 3)
    }

    /// The message names the upstream, but never a host fact: a gateway's address the host
    /// set (here 127.0.0.1 stands for one) is replaced by what it is; the record keeps it.
    @Test func errorMessagesCarryNoHostFact() async throws {
        let up = try TestUpstream()
        let port = up.port
        up.stop()
        let record = tempPath("errors.jsonl")
        defer { unlink(record) }
        let inspector = try startInspector(.url("http://127.0.0.1:\(port)"),
                                           canaries: [Canary(label: "base-URL host", value: "127.0.0.1")], record: record)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect((got.json["error"] as? [String: Any])?["message"] as? String
                == "veil: upstream ‹base-URL host›:\(port) is unreachable: connection refused")
        #expect(!got.body.contains("127.0.0.1"))
        let line = parse(try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .newlines))
        #expect((line["error"] as? String)?.contains("upstream 127.0.0.1:\(port) is unreachable") == true, "\(line)")
    }

    @Test func upstreamSilenceIs504() async throws {
        let (fd, port) = silentUpstream()
        defer { close(fd) }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url("http://127.0.0.1:\(port)"))], readTimeoutSeconds: 1))
        defer { inspector.shutdown() }
        let started = ContinuousClock.now
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 504)
        #expect((got.json["error"] as? [String: Any])?["type"] as? String == "timeout_error")
        // Far below the default 600 s read timeout, with room for a loaded CI machine.
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func malformedJSONIsScannedAsTextAndForwarded() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let canary = Canary(label: "host user name", value: "zebulonquixote")
        let inspector = try startInspector(.url(up.url), canaries: [canary])
        defer { inspector.shutdown() }
        let ok = try await request(inspector.port, "/v1/messages", body: #"{"messages": [ "unterminated"#)
        #expect(ok.status == 200)
        let blocked = try await request(inspector.port, "/v1/messages", body: #"{"messages": [ "I am zebulonquixote"#)
        #expect(blocked.status == 400)
        #expect(up.seen.count == 1)
    }

    /// Three requests in one write: the first is answered slowly upstream, the second at once,
    /// the third is blocked by the inspector. The answers come back in the order asked, and
    /// the upstream sees the second only after the first was answered.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let up = try TestUpstream { seen in
            let slow = seen.text.contains("one")
            return TestUpstream.Reply(chunks: [(slow ? 300 : 0, #"{"echo":"\#(slow ? "one" : "two")"}"#)])
        }
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url), canaries: [.init(label: "user name", value: "zebulonquixote")])
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        func post(_ body: String) -> String {
            "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        c.send(post(#"{"x":"one"}"#) + post(#"{"x":"two"}"#) + post(#"{"x":"zebulonquixote"}"#))
        let all = await c.read(until: #""type":"error"}"#)
        let one = try #require(all.range(of: #""echo":"one""#)), two = try #require(all.range(of: #""echo":"two""#))
        let blocked = try #require(all.range(of: "HTTP/1.1 400"))
        #expect(one.lowerBound < two.lowerBound && two.lowerBound < blocked.lowerBound)
        #expect(up.seen.map(\.text) == [#"{"x":"one"}"#, #"{"x":"two"}"#])
        // The connection is still usable after the queue drained.
        c.send(post(#"{"x":"two"}"#))
        #expect(await c.read(until: "0\r\n\r\n").hasPrefix("HTTP/1.1 200"))
        #expect(inspector.summary().requests == 4)
    }

    @Test func sequentialKeepAliveRequestsAllAnswered() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        for _ in 0..<5 {
            let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
            #expect(got.status == 200)
        }
        #expect(inspector.summary().requests == 5)
    }
}

@Suite("bound socket") struct BoundSocketTests {
    /// `veil run` makes the socket inside the sandbox's netns and hands it over bound.
    @Test func servesAHandedOverSocket() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        #expect(ok)
        let inspector = try Inspector.start(boundSocket: fd, config: InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)]))
        defer { inspector.shutdown() }
        #expect(inspector.port == Int(UInt16(bigEndian: addr.sin_port)))
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
    }
}

/// Records when each body part arrives, on the event loop.
final class ChunkTimes: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = [(text: String, at: ContinuousClock.Instant)]
    private var parts: Response = []

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        parts.append((String(buffer: buffer), ContinuousClock.now))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response { parts }
}
