import Foundation
import Testing
@testable import VeilProxy
import VeilScan

/// Lines the inspector hands to `onBlock`, collected across its event-loop threads.
final class NoticeLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite("block notice") struct BlockNoticeTests {
    let canary = Canary(label: "host user name", value: "zebulonquixote")

    /// One line per blocked request, saying what kind, where and where to look; no host value,
    /// and nothing for a request that went through.
    @Test func eachBlockedRequestTellsTheTerminal() async throws {
        let notices = NoticeLines()
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)], canaries: [canary],
                                     recordPath: tempPath("notice.jsonl"))
        config.onBlock = { notices.add($0) }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let ok = try await request(inspector.port, "/v1/messages", body: #"{"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(ok.status == 200)
        #expect(notices.all.isEmpty)

        let body = #"{"messages":[{"role":"user","content":"I am zebulonquixote"}]}"#
        _ = try await request(inspector.port, "/v1/messages?beta=true", body: body)
        _ = try await request(inspector.port, "/v1beta/models/zebulonquixote:generateContent",
                              body: #"{"contents":[{"parts":[{"text":"hi"}]}]}"#)
        _ = try await request(inspector.port, "/v1/chat/completions",
                              body: #"{"messages":[{"role":"user","content":"hi \#u{E0041}\#u{E0042} there"}]}"#)
        let lines = notices.all
        #expect(lines.count == 3)
        #expect(lines.first == "veil: blocked POST /v1/messages: canary (host user name) at $.messages[0].content"
            + " — see the record \(config.recordPath!)")
        #expect(lines.dropFirst().first?.hasPrefix("veil: blocked POST ‹request target›: canary (host user name) at uri") == true)
        #expect(lines.last?.hasPrefix("veil: blocked POST /v1/chat/completions: tag (2 hidden characters) at $.messages[0].content") == true)
        for line in lines {
            #expect(!line.lowercased().contains("zebulonquixote") && !line.contains("U+E0041"), "\(line)")
        }
    }

    /// A hostile agent's blocked requests cannot flood the terminal (or hold the inspector in
    /// write(2) to one that is paused): ten lines, then a count at most once a second, and the
    /// rest when the run ends; every blocked request is counted in them.
    @Test func aFloodOfBlockedRequestsIsCounted() async throws {
        let notices = NoticeLines()
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)], canaries: [canary])
        config.onBlock = { notices.add($0) }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        let body = #"{"messages":[{"role":"user","content":"I am zebulonquixote"}]}"#
        let start = ContinuousClock.now
        for _ in 0 ..< 60 { _ = try await request(inspector.port, "/v1/messages", body: body) }
        inspector.shutdown()
        let seconds = Int((ContinuousClock.now - start).components.seconds)
        let lines = notices.all
        let each = lines.filter { $0.hasPrefix("veil: blocked POST /v1/messages:") }
        let counted = lines.compactMap { line -> Int? in
            guard line.hasPrefix("veil: blocked "), let n = Int(line.dropFirst(14).prefix { $0.isNumber }) else { return nil }
            return n
        }
        #expect(each.count == NoticeThrottle.burst)
        // A count a second at most (a slow machine may take seconds), and one at the end.
        #expect(lines.count <= NoticeThrottle.burst + seconds + 2, "\(lines.count) lines for 60 blocked requests")
        #expect(each.count + counted.reduce(0, +) == 60, "\(lines)")
        #expect(lines.last?.hasSuffix("--record and --report list each)") == true)
    }

    @Test func theThrottleSaysEachThenCounts() {
        var t = NoticeThrottle()
        for k in 0 ..< NoticeThrottle.burst { #expect(t.blocked("line \(k)", now: 0.01 * Double(k)) == "line \(k)") }
        #expect(t.blocked("held", now: 0.5) == nil)
        #expect(t.blocked("held", now: 0.9) == nil)
        #expect(t.blocked("held", now: 1.2)?.hasPrefix("veil: blocked 3 more requests") == true)
        #expect(t.blocked("held", now: 1.3) == nil)
        #expect(t.finish()?.hasPrefix("veil: blocked 1 more request ") == true)
        #expect(t.finish() == nil)
    }

    @Test func withoutARecordItSaysHowToGetOne() {
        let f = Finding(kind: .rule, path: "$.system", offset: 3, detail: "rule \"no-corp\" forbids \"acme\"",
                        excerpt: "acme", rule: "no-corp")
        let line = BlockNotice.line(method: "POST", target: "/v1/responses", findings: [f, f], blocking: [f, f],
                                    canaries: [], recordPath: nil)
        #expect(line == "veil: blocked POST /v1/responses: rule \"no-corp\" at $.system and 1 more"
            + " — rerun with --record FILE to see it")
    }

    /// The request target is the agent's text, and the notice goes to the user's terminal.
    @Test func theTargetCannotWriteToTheTerminal() {
        let f = Finding(kind: .rule, path: "$.system", offset: 3, detail: "rule \"no-corp\" forbids \"acme\"",
                        excerpt: "acme", rule: "no-corp")
        let line = BlockNotice.line(method: "POST", target: "/v1/\u{1B}]0;x\u{07}\u{9B}2J\nveil: ok?k=v", findings: [f],
                                    blocking: [f], canaries: [], recordPath: nil)
        #expect(line.hasPrefix("veil: blocked POST /v1/[U+001B]]0;x[U+0007][U+009B]2J[U+000A]veil: ok: rule"), "\(line)")
    }
}
