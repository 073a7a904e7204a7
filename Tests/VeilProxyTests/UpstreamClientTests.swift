import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import VeilProxy

/// The lean plain-http upstream client (UpstreamPool, UpstreamConnection, DirectCall), through
/// the inspector. One event loop, so every request meets the same pool.
@Suite("upstream client") struct UpstreamClientTests {
    @Test func reusesTheKeepAliveConnection() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        for _ in 0..<3 {
            #expect(try await request(inspector.port, "/v1/messages", body: anthropicBody).status == 200)
        }
        let ports = up.seen.map(\.peerPort)
        #expect(ports.count == 3)
        #expect(Set(ports).count == 1, "upstream connections: \(ports)")
    }

    @Test func connectionCloseFromUpstreamIsNotReused() async throws {
        let up = try TestUpstream { _ in
            TestUpstream.Reply(headers: [("content-type", "application/json"), ("connection", "close")], close: true)
        }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        for _ in 0..<2 {
            let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
            #expect(got.status == 200)
            #expect(got.body == #"{"ok":true}"#)
            #expect(got.headers.first(name: "connection") != "close", "the agent's connection stays open")
        }
        let ports = up.seen.map(\.peerPort)
        #expect(ports.count == 2 && ports[0] != ports[1])
    }

    /// The server closing a reused connection as the request arrives (its keep-alive timer
    /// racing ours) costs the agent nothing: the request goes again on a fresh connection.
    @Test func reusedConnectionClosedBeforeAnswerIsRetriedOnce() async throws {
        let count = Counter()
        let up = try TestUpstream { _ in TestUpstream.Reply(drop: count.next() == 2) }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        #expect(try await request(inspector.port, "/v1/messages", body: anthropicBody).status == 200)
        let second = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(second.status == 200)
        let seen = up.seen
        #expect(seen.count == 3)
        #expect(seen.count == 3 && seen[1].peerPort == seen[0].peerPort && seen[2].peerPort != seen[0].peerPort)
        #expect(seen.allSatisfy { $0.text == anthropicBody })
    }

    @Test func freshConnectionClosedBeforeAnswerIs502AndNotRetried() async throws {
        let up = try TestUpstream { _ in TestUpstream.Reply(drop: true) }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(((got.json["error"] as? [String: Any])?["message"] as? String)?.contains("closed the connection") == true)
        #expect(up.seen.count == 1)
    }

    @Test func contentLengthResponseKeepsItsLength() async throws {
        let up = try TestUpstream { _ in
            TestUpstream.Reply(headers: [("content-type", "application/json"), ("content-length", "11")])
        }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        #expect(got.body == #"{"ok":true}"#)
        #expect(got.headers.first(name: "content-length") == "11")
    }

    @Test func chunkedResponseArrivesWhole() async throws {
        let parts = (0..<20).map { "part \($0);" }
        let up = try TestUpstream { _ in
            TestUpstream.Reply(headers: [("content-type", "text/plain")], chunks: parts.map { (0, $0) })
        }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.body == parts.joined())
        #expect(got.headers.first(name: "content-length") == nil)
    }

    @Test func largeResponseStreamsThroughIntact() async throws {
        let block = String(repeating: "0123456789abcdef", count: 4096)  // 64 KiB
        let up = try TestUpstream { _ in TestUpstream.Reply(chunks: Array(repeating: (0, block), count: 64)) }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.body.utf8.count == 64 * 65536)
        #expect(got.body == String(repeating: block, count: 64))
    }

    @Test func concurrentRequestsEachGetTheirOwnAnswer() async throws {
        let up = try TestUpstream { seen in TestUpstream.Reply(chunks: [(20, seen.text)]) }
        defer { up.stop() }
        let inspector = try singleLoopInspector(up.url)
        defer { inspector.shutdown() }
        try await withThrowingTaskGroup(of: (String, Got).self) { group in
            for i in 0..<8 {
                let body = #"{"messages":[{"role":"user","content":"request \#(i)"}]}"#
                group.addTask { (body, try await request(inspector.port, "/v1/messages", body: body)) }
            }
            for try await (sent, got) in group {
                #expect(got.status == 200)
                #expect(got.body == sent)
            }
        }
        #expect(up.seen.count == 8)
    }
}

/// A thread-safe count of the requests an upstream has seen.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n
    }
}
