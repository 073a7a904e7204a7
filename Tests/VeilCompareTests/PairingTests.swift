import Foundation
import Testing
@testable import VeilCompare

@Suite struct PairingTests {
    @Test func pairsByOrderWithinEndpoint() {
        let a = [RecordedRequest(method: "GET", path: "/v1/models", body: ""), messages(system: "one"), messages(system: "two")]
        let b = [messages(system: "one'"), RecordedRequest(method: "GET", path: "/v1/models?beta=true", body: ""), messages(system: "two'")]
        let p = Pairing.pair(a, b)
        #expect(p.count == 3)
        #expect(p[0].left?.path == "/v1/models" && p[0].right?.path == "/v1/models?beta=true")
        #expect(p[1].right?.body.contains("one'") == true)
        #expect(p[2].right?.body.contains("two'") == true)
        #expect(p.map(\.number) == [1, 2, 3])
    }

    @Test func prefersSameShapeWhenConcurrentCallsCross() {
        // A title request (1 message, other model) and the main request arrive in swapped order.
        let title = RecordedRequest(method: "POST", path: "/v1/messages", body: #"{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"t"}]}"#)
        let main = RecordedRequest(method: "POST", path: "/v1/messages", body: #"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"m"}],"tools":[]}"#)
        let p = Pairing.pair([title, main], [main, title])
        #expect(p.count == 2)
        #expect(p[0].left == p[0].right)
        #expect(p[1].left == p[1].right)
    }

    @Test func unpairedRequestsComeLast() {
        let p = Pairing.pair([messages(system: "a")], [messages(system: "a"), RecordedRequest(method: "POST", path: "/v1/messages/count_tokens", body: "{}")])
        #expect(p.count == 2)
        #expect(p[1].left == nil && p[1].right?.endpoint == "POST /v1/messages/count_tokens")
    }

    @Test func absoluteFormTargetsCountAsTheirPath() {
        #expect(RecordedRequest(method: "post", path: "http://api.deepseek.com:8080/v1/messages?x=1", body: "").endpoint == "POST /v1/messages")
    }

    @Test func loadsRecordLinesAndSkipsBrokenOnes() {
        let r = messages(system: "hi")
        let text = recordLine(r) + "\n{broken\n\n" + recordLine(r) + "\n"
        let loaded = RecordLoader.parse(text)
        #expect(loaded.requests == [r, r])
        #expect(loaded.skipped == 1)
    }
}

@Suite struct RecordRefusalTests {
    @Test func refusalComesFromTheRecordAndIsNotCompared() {
        let line = #"{"method":"POST","path":"/v1/messages","requestHeaders":[],"requestBody":"{}","decision":"reject","blockReason":"host x is not allowed"}"#
        let r = RecordLoader.parse(line).requests
        #expect(r.first?.refusal == "host x is not allowed")
        #expect(r.first == RecordedRequest(method: "POST", path: "/v1/messages", body: "{}"))
        let fwd = #"{"method":"POST","path":"/v1/messages","requestHeaders":[],"requestBody":"{}","decision":"forward"}"#
        #expect(RecordLoader.parse(fwd).requests.first?.refusal == nil)
    }
}

/// `veil probe` lists the agent's own typography from its neutral runs' records: the words
/// of look-alike findings made of curly quotes and dashes only.
@Suite struct RecordTypographyTests {
    @Test func typographyWordsComeFromTheRecordsFindings() {
        let line = #"{"method":"POST","path":"/v1/responses","requestHeaders":[],"requestBody":"{}","findings":["#
            + #"{"kind":"lookalike","word":"Don’t","codePoints":[8217]},"#
            + #"{"kind":"lookalike","word":"Donʼt","codePoints":[700]},"#
            + #"{"kind":"invisible","codePoints":[8203]},"#
            + #"{"kind":"lookalike","word":"Codex—and","codePoints":[8212]}]}"#
        #expect(RecordLoader.parse(line).requests.first?.typographyWords == ["Don’t", "Codex—and"])
    }

    @Test func probeReportsListThemAsProfileTOML() throws {
        var report = ProbeReport(command: ["codex"], result: ProbeResult(dimensions: [], volatile: [], baselineRequests: 1),
                                 wallSeconds: 1, runs: 2, parallel: 1)
        report.ownTypography = ["Don’t", "Codex—and"]
        let text = TerminalReport.probe(report, style: TerminalStyle(color: false))
        #expect(text.contains(#"own_typography = ["Don’t", "Codex—and"]"#))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(JSONReport.probe(report).utf8)) as? [String: Any])
        #expect(obj["ownTypography"] as? [String] == ["Don’t", "Codex—and"])
    }
}

/// The loader keeps the record reader's leniency: a header that is not a [name, value] pair is
/// no header, a missing body is empty, unknown keys are ignored, broken lines are counted.
@Suite struct RecordLoaderTests {
    @Test func lenientLines() {
        let text = #"{"method":"POST","path":"/v1/messages","requestHeaders":[["a","1"],["b"],["c","3","x"],[1,2]],"newKey":true}"#
            + "\n   \n\r\n" + #"{"path":"/x"}"# + "\n" + #"{"method":"GET","path":"/v1/models","status":"odd"}"# + "\n"
        let loaded = RecordLoader.parse(text)
        #expect(loaded.skipped == 1)
        #expect(loaded.requests == [RecordedRequest(method: "POST", path: "/v1/messages", headers: [("a", "1")], body: ""),
                                    RecordedRequest(method: "GET", path: "/v1/models", body: "")])
    }
}
