import Foundation
import Testing
@testable import VeilProxy
import VeilScan

/// Bounds a hostile agent meets (issue 14, item 6), and the record and report of everything
/// refused (item 7).
@Suite("resource bounds and refusals") struct ResourceBoundsTests {
    static func inspector(requestTimeout: Int64 = 30, idleTimeout: Int64 = 75, maxBuffered: Int = 256 << 20,
                          maxConnections: Int = 512, record: String? = nil, upstream: Upstream = .stub,
                          readTimeout: Int64 = 600) throws -> Inspector {
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: upstream)],
                                     canaries: [Canary(label: "user name", value: "zebulonquixote")],
                                     recordPath: record, connectAllow: ["api.example.com"], readTimeoutSeconds: readTimeout)
        config.requestTimeoutSeconds = requestTimeout
        config.idleTimeoutSeconds = idleTimeout
        config.maxBufferedBytes = maxBuffered
        config.maxConnections = maxConnections
        return try Inspector.start(host: "127.0.0.1", port: 0, config: config)
    }

    /// A head sent a byte at a time never completes within the request timeout: 408, closed.
    @Test func aSlowHeadIsCutOff() async throws {
        let inspector = try Self.inspector(requestTimeout: 1)
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        // 1.5 s of a head that never ends (the timeout is 1 s), paced on a thread of its own
        // so that a busy test run cannot stretch it.
        await offPool {
            for ch in "POST /v1/messages HTT" {
                c.send(String(ch))
                usleep(75_000)
            }
        }
        // The answer, then the close: both within the client's own 5 s receive timeout.
        let reply = await c.read(until: "}}")
        #expect(reply.hasPrefix("HTTP/1.1 408"))
        #expect(await c.peerCloses())
        #expect(inspector.summary().refusals.first?.status == 408)
    }

    /// A keep-alive connection that sends nothing more is closed after the idle timeout, and
    /// one in use is not.
    @Test func anIdleConnectionIsClosed() async throws {
        let inspector = try Self.inspector(idleTimeout: 1)
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        // Timed from before the request: the close comes at least the idle timeout after the
        // answer, however late this test gets to read it.
        let start = Date()
        c.send("GET /v1/models HTTP/1.1\r\nHost: x\r\nanthropic-version: 1\r\n\r\n")
        #expect(await c.read(until: "has_more").hasPrefix("HTTP/1.1 200"))
        #expect(await c.peerCloses())  // a close, not the client's own 5 s timeout
        #expect(Date().timeIntervalSince(start) > 0.9)
    }

    /// Unfinished bodies hold at most max_buffered_bytes together: the request that would pass
    /// it gets 503 in its API's format, the others go on.
    @Test func bufferedBodiesAreBoundedOverAllConnections() async throws {
        let inspector = try Self.inspector(maxBuffered: 1 << 20)
        defer { inspector.shutdown() }
        let first = try RawClient(port: inspector.port), second = try RawClient(port: inspector.port)
        defer { first.close(); second.close() }
        let length = 700 << 10
        for c in [first, second] {
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nanthropic-version: 1\r\ncontent-length: \(length)\r\n\r\n{\"a\":\"")
            try await Task.sleep(for: .milliseconds(200))
        }
        let refused = await second.read(until: "}}")
        #expect(refused.hasPrefix("HTTP/1.1 503"))
        #expect(refused.contains("retry"))
        // The first finishes and is answered.
        first.send(String(repeating: "x", count: length - 6 - 2) + "\"}")
        #expect(await first.read(until: "}").hasPrefix("HTTP/1.1 "))
        #expect(inspector.summary().refusals.contains { $0.status == 503 })
    }

    /// The attack: a gzip body of 2 KiB decodes to 700 KiB, which veil keeps for the scan and
    /// the record until the response ends. Held as the body is, one of two such requests finds
    /// no room (503) while the other waits for its upstream; without that, a few hundred
    /// connections held 64 MiB each of the host's memory, sending a thousandth of it. Once
    /// that one is answered (504 here) its room is free again.
    @Test func decodedBodiesCountAgainstTheBound() async throws {
        let (fd, port) = silentUpstream()
        defer { close(fd) }
        let inspector = try Self.inspector(maxBuffered: 1 << 20, upstream: .url("http://127.0.0.1:\(port)"), readTimeout: 2)
        defer { inspector.shutdown() }
        let body = Compress.gzip(Array(("{\"a\":\"" + String(repeating: "x", count: 700 << 10) + "\"}").utf8))
        #expect(body.count < 4 << 10)
        func post(_ c: RawClient) {
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
                   + "content-length: \(body.count)\r\n\r\n")
            c.sendBytes(body)
        }
        let first = try RawClient(port: inspector.port), second = try RawClient(port: inspector.port)
        defer { first.close(); second.close() }
        post(first)
        post(second)
        let answers = [await first.read(until: "}}"), await second.read(until: "}}")]
        #expect(answers.filter { $0.hasPrefix("HTTP/1.1 503") && $0.contains("retry") }.count == 1, "\(answers)")
        #expect(answers.filter { $0.hasPrefix("HTTP/1.1 504") }.count == 1, "\(answers)")
        let third = try RawClient(port: inspector.port)
        defer { third.close() }
        post(third)
        #expect(await third.read(until: "}}").hasPrefix("HTTP/1.1 504"))
    }

    /// The attack: connections that each hold a little that no byte bound sees (a head being
    /// received, a read's buffer), by the thousand. Beyond max_connections one is closed at
    /// once, the others are served, and a closed one's place is free again.
    @Test func connectionsAreBounded() async throws {
        let inspector = try Self.inspector(maxConnections: 2)
        defer { inspector.shutdown() }
        func served(_ c: RawClient) async -> Bool {
            c.send("GET /v1/models HTTP/1.1\r\nHost: x\r\nanthropic-version: 1\r\n\r\n")
            return await c.read(until: "has_more").hasPrefix("HTTP/1.1 200")
        }
        let first = try RawClient(port: inspector.port), second = try RawClient(port: inspector.port)
        defer { first.close(); second.close() }
        #expect(await served(first))
        let third = try RawClient(port: inspector.port)
        defer { third.close() }
        #expect(await third.peerCloses())
        #expect(await served(second))
        #expect(inspector.summary().refusals.contains { $0.request == "connection" && $0.reason.contains("2 agent connections") })
        _ = Glibc.shutdown(first.fd, Int32(SHUT_RDWR))
        try await Task.sleep(for: .milliseconds(300))
        let fourth = try RawClient(port: inspector.port)
        defer { fourth.close() }
        #expect(await served(fourth))
    }

    /// Every refusal is in the record (host, reason, time) and the report; findings are listed
    /// with what and where, a canary by its label.
    @Test func refusalsAndFindingsAreRecordedAndReported() async throws {
        let record = tempPath("refusals.jsonl")
        defer { unlink(record) }
        let inspector = try Self.inspector(record: record)
        defer { inspector.shutdown() }
        let c = try RawClient(port: inspector.port)
        defer { c.close() }
        c.send("CONNECT elsewhere.example:443 HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n")
        #expect(await c.read(until: "}}").hasPrefix("HTTP/1.1 403"))
        let d = try RawClient(port: inspector.port)
        defer { d.close() }
        let body = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"zebulonquixote"}]}"#
        d.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(await d.read(until: "}}").hasPrefix("HTTP/1.1 400"))
        inspector.shutdown()

        let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let connect = try #require(lines.first { $0["method"] as? String == "CONNECT" })
        #expect(connect["path"] as? String == "elsewhere.example:443")
        #expect(connect["decision"] as? String == "reject" && connect["status"] as? Int == 403)
        #expect((connect["error"] as? String)?.contains("not allowed") == true && connect["time"] != nil)

        let summary = inspector.summary()
        #expect(summary.refusals.map(\.status).sorted() == [400, 403])
        #expect(summary.refusals.contains { $0.request == "CONNECT elsewhere.example:443" })
        let finding = try #require(summary.findingList.first)
        #expect(finding.kind == "canary" && finding.what == "canary (user name)" && finding.request == "POST /v1/messages")
        #expect(finding.at == "$.messages[0].content")
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        #expect(!json.contains("zebulonquixote"))
    }

    /// The agent chooses how much it sends (64 MiB a request, as many requests as it likes),
    /// and the record is written on the host: past `max_record_bytes` one line says the record
    /// is full, the user is told once, and nothing more is written.
    @Test func theRecordStopsAtItsBound() async throws {
        let record = tempPath("bounded.jsonl")
        defer { unlink(record) }
        let notices = NoticeLines()
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)], recordPath: record)
        config.maxRecordBytes = 64 << 10
        config.onNotice = { notices.add($0) }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let body = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"\#(String(repeating: "x", count: 16 << 10))"}]}"#
        for _ in 0 ..< 12 {
            let c = try RawClient(port: inspector.port)
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)")
            #expect(await c.read(until: "}}").hasPrefix("HTTP/1.1 200"))
            c.close()
        }
        inspector.shutdown()

        let text = try String(contentsOfFile: record, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(text.utf8.count <= (64 << 10) + 512, "\(text.utf8.count) bytes recorded")
        #expect(lines.count == 4, "three exchanges of 16 KiB fit, then the closing line")
        #expect(lines.dropLast().allSatisfy { RecordLine(line: $0)?.method == "POST" })
        #expect(RecordLine(line: lines.last!) == nil && lines.last!.contains(#""recordFull":"the record reached max_record_bytes (65536 bytes)"#))
        #expect(notices.all == ["veil: the record reached max_record_bytes (65536 bytes); later exchanges are not recorded"])
    }
}
