import Foundation
import Testing
import VeilScan

/// The `--record` line: its bytes on disk (records written before stay readable, tests and
/// scripts grep them) and its lenient reading.
@Suite struct RecordLineTests {
    static func encoded(_ line: RecordLine) throws -> String {
        String(decoding: try RecordLine.makeEncoder().encode(line), as: UTF8.self)
    }

    /// Keys sorted, `/` unescaped, nil optionals absent: the bytes the inspector always wrote.
    @Test func bytesOnDisk() throws {
        let line = RecordLine(time: "2026-07-01T00:00:00.000Z", method: "POST", path: "/v1/messages?key=[REDACTED]",
                              api: "anthropic", upstream: "https://api.anthropic.com/v1/messages",
                              requestHeaders: [["content-type", "application/json"]], requestBody: #"{"a":"b/c"}"#,
                              decision: .forward, status: 200, responseBody: "ok", durationMs: 1.5)
        #expect(try Self.encoded(line) == #"{"api":"anthropic","decision":"forward","durationMs":1.5,"findings":[],"#
            + #""method":"POST","path":"/v1/messages?key=[REDACTED]","requestBody":"{\"a\":\"b/c\"}","#
            + #""requestHeaders":[["content-type","application/json"]],"responseBody":"ok","responseTruncated":false,"#
            + #""status":200,"time":"2026-07-01T00:00:00.000Z","upstream":"https://api.anthropic.com/v1/messages"}"#)
        var tunnelled = line
        (tunnelled.via, tunnelled.blockReason, tunnelled.error) = ("CONNECT [::1]:443", "b", "e")
        let text = try Self.encoded(tunnelled)
        #expect(text.contains(#""via":"CONNECT [::1]:443""#) && text.contains(#""blockReason":"b""#)
            && text.contains(#""error":"e""#))
    }

    /// Every value comes back as written: non-ASCII text, U+02BC, invisible and tag
    /// characters, findings with all their fields, and the optional fields present or not.
    @Test func roundTrip() throws {
        var finding = Finding(kind: .lookalike, path: "$.messages[0].content", offset: 7, codePoints: [0x2BC],
                              detail: "U+02BC", excerpt: "Don\u{2BC}t", rule: nil)
        finding.word = "Don\u{2BC}t"
        let line = RecordLine(time: "t", method: "POST", path: "/v1/messages", api: "anthropic", upstream: "stub",
                              via: "TLS gw.corp.example:443",
                              requestHeaders: [["user-agent", "claude-cli/2.0 (中文)"], ["x-note", "a\u{200B}b"]],
                              requestBody: "Don\u{2BC}t 上海 \u{200B}\u{E0041}\u{FEFF} \\ \" /",
                              findings: [finding, Finding(kind: .canary, path: "$", offset: 0, detail: "host name: h", excerpt: "h")],
                              decision: .block, blockReason: "marker", status: 400, responseBody: "{}",
                              responseTruncated: true, durationMs: 12.25)
        #expect(RecordLine(line: try Self.encoded(line)) == line)
        var bare = line
        (bare.via, bare.blockReason, bare.error) = (nil, nil, nil)
        #expect(RecordLine(line: try Self.encoded(bare)) == bare)
    }

    /// Only `method` and `path` are required; the rest, missing or of another type, reads as
    /// the default, and unknown keys are ignored (a newer veil's, a test's).
    @Test func lenientReading() throws {
        let minimal = try #require(RecordLine(line: #"{"method":"GET","path":"/v1/models"}"#))
        #expect(minimal == RecordLine(method: "GET", path: "/v1/models"))
        #expect(minimal.decision == .forward && minimal.via == nil && minimal.requestBody.isEmpty)
        // The decision is one of three names; another reads as the default.
        #expect(RecordLine(line: #"{"method":"GET","path":"/","decision":"reject"}"#)?.decision == .reject)
        #expect(RecordLine(line: #"{"method":"GET","path":"/","decision":"maybe"}"#)?.decision == .forward)
        let odd = try #require(RecordLine(line: #"{"method":"POST","path":"/p","status":"200","extra":{"x":[1]},"#
            + #""requestHeaders":[["a","1"],["b"],[1,2],"c",["d","4"]],"via":7,"#
            + #""findings":[{"kind":"lookalike","word":"Don’t","codePoints":[8217]},{"kind":"from-the-future"},{"word":"x"}]}"# + "\r"))
        #expect(odd.status == 0 && odd.via == nil)
        #expect(odd.requestHeaders == [["a", "1"], ["b"], ["d", "4"]])
        #expect(odd.findings.map(\.word) == ["Don’t"] && odd.findings.first?.codePoints == [8217])
        for bad in ["{broken", "[]", "\"x\"", #"{"method":"GET"}"#, #"{"method":1,"path":"/"}"#, ""] {
            #expect(RecordLine(line: bad) == nil, "\(bad)")
        }
    }
}
