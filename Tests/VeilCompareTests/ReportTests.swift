import Foundation
import Testing
@testable import VeilCompare

@Suite struct ReportTests {
    func sampleCompare() -> CompareReport {
        let a = messages(system: "Today's date is 2026/07/01. <script>alert('x')</script> Don\u{02BC}t")
        let b = messages(system: "Today's date is 2026-07-01. <script>alert('x')</script> Don't")
        let r = CompareEngine.compare([a], [b], normalizer: Normalizer(), attributor: Attributor(canaries: []))
        return CompareReport(command: ["python3", "agent.py", "<x>"], hostRequests: 1, veilRequests: 1, requests: r)
    }

    @Test func compareJSONSchema() throws {
        let text = JSONReport.compare(sampleCompare())
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let diffs = obj["differences"] as! [[String: Any]]
        #expect(diffs.count == 2)
        for d in diffs {
            #expect(d["request"] as? Int == 1)
            #expect(d["path"] as? String == "$.system")
            #expect(d["host"] is String && d["veil"] is String)
            #expect(["canary", "covert-char", "format", "unexplained"].contains(d["kind"] as? String ?? ""))
        }
        #expect(obj["volatile"] is [Any])
        #expect(diffs.contains { ($0["host"] as? String)?.contains("U+02BC") == true })
        #expect(obj["exitStatus"] as? Int == 4)
    }

    @Test func probeJSONSchema() throws {
        let changed = Difference(request: 1, endpoint: "POST /v1/messages", path: "$.system", left: "2026-07-01", right: "2026/07/01", kind: .format, detail: "d")
        let result = ProbeResult(dimensions: [
            ProbeDimension(name: "tz", changed: true, variations: [ProbeVariation(value: "Asia/Shanghai", changed: true, differences: [changed], error: nil)]),
            ProbeDimension(name: "user", changed: false, variations: [ProbeVariation(value: "ivanov", changed: false, differences: [], error: nil)]),
        ], volatile: [VolatileHit(request: 1, path: "$.metadata.user_id", rule: "user-id")], baselineRequests: 1)
        let report = ProbeReport(command: ["agent"], result: result, wallSeconds: 12.345, runs: 4, parallel: 2)
        let obj = try JSONSerialization.jsonObject(with: Data(JSONReport.probe(report).utf8)) as! [String: Any]
        let dims = obj["dimensions"] as! [[String: Any]]
        #expect(dims.map { $0["name"] as? String } == ["tz", "user"])
        #expect(dims[0]["changed"] as? Bool == true && dims[1]["changed"] as? Bool == false)
        let v = (dims[0]["variations"] as! [[String: Any]])[0]
        #expect(v["value"] as? String == "Asia/Shanghai" && v["changed"] as? Bool == true)
        let d = (v["differences"] as! [[String: Any]])[0]
        #expect(d["baseline"] as? String == "2026-07-01" && d["variation"] as? String == "2026/07/01")
        #expect(d["host"] as? String == "2026-07-01" && d["kind"] as? String == "format")
        #expect(report.exitStatus == 4)
    }

    @Test func htmlIsEscapedAndSelfContained() {
        let html = HTMLReport.compare(sampleCompare())
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;x&gt;"))
        #expect(html.contains("<del>") && html.contains("<ins>"))
        #expect(html.contains("<span class=\"glyph\">\u{02BC}</span> <code>U+02BC</code> MODIFIER LETTER APOSTROPHE"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<link") && !html.contains("src="))
        #expect(HTMLReport.esc("a&b\"c'<>") == "a&amp;b&quot;c&#39;&lt;&gt;")
    }

    @Test func terminalMarksChangesWithoutColour() {
        let t = TerminalReport.compare(sampleCompare(), style: TerminalStyle(color: false))
        #expect(t.contains("[-") && t.contains("{+"))
        #expect(!t.contains("\u{1B}["))
        #expect(t.contains("covert-char") && t.contains("format"))
        let c = TerminalReport.compare(sampleCompare(), style: TerminalStyle(color: true))
        #expect(c.contains("\u{1B}[1;37;41m"))
    }
}

@Suite struct ProbeTerminalTests {
    @Test func identicalVariationsAreShownOnce() {
        let d = Difference(request: 1, endpoint: "POST /v1/messages", path: "$.system", left: "a", right: "b", kind: .format, detail: "")
        let result = ProbeResult(dimensions: [ProbeDimension(name: "tz", changed: true, variations: [
            ProbeVariation(value: "Asia/Shanghai", changed: true, differences: [d], error: nil),
            ProbeVariation(value: "Asia/Urumqi", changed: true, differences: [d], error: nil),
        ])], volatile: [], baselineRequests: 1)
        let t = TerminalReport.probe(ProbeReport(command: ["x"], result: result, wallSeconds: 1, runs: 4, parallel: 2), style: TerminalStyle(color: false))
        #expect(t.contains("tz = Asia/Urumqi: the same differences as tz = Asia/Shanghai"))
        #expect(t.contains("CHANGED") && t.contains("depends on: tz"))
    }

    /// A note carries the tail of the agent's standard error, which went to a file during the
    /// runs: its escape sequences are shown, not sent to the user's terminal with the report.
    @Test func theAgentsStandardErrorInANoteIsShownNotObeyed() {
        let result = ProbeResult(dimensions: [ProbeDimension(name: "user", changed: true, variations: [
            ProbeVariation(value: "ivanov", changed: true, differences: [], error: "veil run failed (exit 125): \u{1B}]0;x\u{07}"),
        ])], volatile: [], baselineRequests: 1)
        let report = ProbeReport(command: ["x"], result: result, wallSeconds: 1, runs: 3, parallel: 1,
                                 notes: ["baseline: exited 1: \u{1B}[2J\u{1B}]52;c;aGk=\u{07}\nsecond line"])
        let t = TerminalReport.probe(report, style: TerminalStyle(color: false))
        #expect(!t.contains("\u{1B}") && !t.contains("\u{07}"))
        #expect(t.contains("note: baseline: exited 1: [U+001B][2J[U+001B]]52;c;aGk=[U+0007]\nsecond line"))
        #expect(t.contains("run failed: veil run failed (exit 125): [U+001B]]0;x[U+0007]"))
    }
}
