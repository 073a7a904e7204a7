import Foundation
import NIOCore
import NIOHTTP1
import Testing
import VeilCompare
@testable import VeilProxy
import VeilScan

/// A record written by the inspector's recorder reads back through compare's and probe's loader
/// with every value the prompt had: one type (`RecordLine`) on both sides.
@Suite struct RecordRoundTripTests {
    @Test func theLoaderReadsWhatTheRecorderWrote() throws {
        let path = NSTemporaryDirectory() + "veil-record-roundtrip-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        defer { unlink(path) }
        let recorder = try ExchangeRecorder(path: path, redaction: Redaction(credentials: []))
        let body = "{\"system\":\"Don\u{2BC}t 上海 a\u{200B}b\u{E0041}\u{FEFF} \\\\ / é\"}"
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/messages?beta=true")
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "x-title", value: "Zürich 北京")
        var typography = Finding(kind: .lookalike, path: "$.system", offset: 3, codePoints: [0x2019], detail: "U+2019", excerpt: "Don’t")
        typography.word = "Don’t"
        let blocked = Exchange(head: head, absolute: nil, api: .anthropic, body: ByteBuffer(string: body))
        (blocked.findings, blocked.decision, blocked.blockReason, blocked.status) = ([typography], .block, "a marker", 400)
        recorder.write(blocked)
        // A tunnelled one: `via` present; the first has none (an optional field left out).
        let tunnelled = Exchange(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/models"), absolute: nil,
                                 api: .openai, body: ByteBuffer())
        tunnelled.via = "CONNECT [::1]:8443"
        recorder.write(tunnelled)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").compactMap { RecordLine(line: $0) }
        #expect(lines.count == 2)
        #expect(lines.first?.via == nil && !text.split(separator: "\n")[0].contains("\"via\""))
        #expect(lines.last?.via == "CONNECT [::1]:8443")
        #expect(lines.first?.requestBody == body && lines.first?.findings == [typography])

        let loaded = RecordLoader.parse(text + "{\"method\":\n")
        #expect(loaded.skipped == 1)
        #expect(loaded.requests == [
            RecordedRequest(method: "POST", path: "/v1/messages?beta=true",
                            headers: [("content-type", "application/json"), ("x-title", "Zürich 北京")], body: body),
            RecordedRequest(method: "GET", path: "/v1/models", body: ""),
        ])
        #expect(loaded.requests.first?.refusal == "a marker" && loaded.requests.last?.refusal == nil)
        #expect(loaded.requests.first?.typographyWords == ["Don’t"])
    }
}
