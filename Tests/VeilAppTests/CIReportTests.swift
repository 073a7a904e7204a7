import Foundation
import FoundationXML
import Testing
import VeilProfile
import VeilProxy
@testable import VeilApp

/// `veil report`: GitHub's escaping, JUnit's XML, merging and the gate, on reports written as
/// `veil run --report` writes them.
@Suite struct CIReportTests {
    static func finding(_ kind: String, _ severity: String, at: String = "$.system", offset: Int = 10,
                        codePoints: [String] = [], what: String, word: String? = nil) -> String {
        let cps = codePoints.map { "\"\($0)\"" }.joined(separator: ",")
        let w = word.map { ", \"word\": \"\($0)\"" } ?? ""
        return """
            {"kind": "\(kind)", "severity": "\(severity)", "at": \(json(at)), "offset": \(offset), "codePoints": [\(cps)],
             "what": "\(what)", "request": "POST /v1/messages"\(w)}
            """
    }

    static func json(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }

    /// A report with these findings, counted as the inspector counts them.
    static func report(_ findings: [(kind: String, severity: String, json: String)], requests: Int = 2,
                       extraBySeverity: [String: Int] = [:], limits: String? = nil) -> String {
        var bySeverity = extraBySeverity, byKind: [String: Int] = [:]
        for f in findings { bySeverity[f.severity, default: 0] += 1; byKind[f.kind, default: 0] += 1 }
        let total = bySeverity.values.reduce(0, +)
        func dict(_ d: [String: Int]) -> String { "{" + d.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}" }
        let blocked = bySeverity["block"].map { _ in 1 } ?? 0
        return """
            {"requests": \(requests), "forwarded": \(requests - blocked), "blocked": \(blocked), "rejected": 0, "errors": 0,
             "tunnels": 0, "findings": \(total), "findingsByKind": \(dict(byKind)), "findingsBySeverity": \(dict(bySeverity)),
             "findingList": [\(findings.map(\.json).joined(separator: ","))],
             "refusals": [\(blocked > 0 ? #"{"time": "2026-12-06T07:00:00Z", "request": "POST /v1/messages", "status": 400, "reason": "blocked: canary (workdir path)"}"# : "")]
             \(limits.map { ", \"limitsHit\": \($0)" } ?? "")}
            """
    }

    static let canary = (kind: "canary", severity: "block", json: finding("canary", "block", what: "canary (workdir path)"))
    static let apostrophe = (kind: "lookalike", severity: "marker",
                             json: finding("lookalike", "marker", at: "$.messages[0].content", offset: 42,
                                           codePoints: ["U+2019"], what: "lookalike U+2019", word: "it’s"))
    static let own = (kind: "lookalike", severity: "typography",
                      json: finding("lookalike", "typography", at: "$.instructions", codePoints: ["U+2019"],
                                    what: "lookalike U+2019", word: "Don’t"))

    static func input(_ path: String, _ text: String) throws -> CIReport.Input {
        try CIReport.decode(Data(text.utf8), path: path)
    }

    // MARK: GitHub

    /// GitHub's toolkit: `%`, CR, LF in messages; also `:` and `,` in properties. A CR LF pair
    /// (one Character in Swift) still becomes both escapes, and an escape sequence already in
    /// the text is escaped again, so it cannot decode into a line break.
    @Test func githubEscaping() {
        #expect(GitHubCommand.escape("50% a\r\nb\rc\nd: e, f", property: false) == "50%25 a%0D%0Ab%0Dc%0Ad: e, f")
        #expect(GitHubCommand.escape("50% a\r\nb: e, f", property: true) == "50%25 a%0D%0Ab%3A e%2C f")
        #expect(GitHubCommand.escape("%0A::error::x", property: false) == "%250A::error::x")
        #expect(GitHubCommand.escape("%0A::error::x", property: true) == "%250A%3A%3Aerror%3A%3Ax")
        #expect(GitHubCommand(name: "warning", title: "veil marker: a, b", message: "m: 1,2\n").line
            == "::warning title=veil marker%3A a%2C b::m: 1,2%0A")
        #expect(GitHubCommand(name: "notice", title: nil, message: "x").line == "::notice::x")
    }

    @Test func githubLevelPerSeverity() throws {
        let out = try CIReport.render([try Self.input("r.json", Self.report([Self.canary, Self.apostrophe, Self.own]))],
                                      format: .github, gate: nil)
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "::error title=veil block%3A canary (workdir path)::POST /v1/messages $.system offset 10 (report r.json)")
        #expect(lines[1] == "::warning title=veil marker%3A lookalike U+2019::POST /v1/messages $.messages[0].content offset 42 in “it’s” (report r.json)")
        #expect(lines[2].hasPrefix("::notice title=veil typography%3A lookalike U+2019::"))
        #expect(lines[3] == "veil: 1 report(s), 2 request(s), 1 blocked, findings: block 1, marker 1, typography 1")
    }

    /// Text the agent chose (a JSON key in the path) cannot end the line and start a command.
    @Test func githubAgentTextStaysInItsLine() throws {
        let hostile = (kind: "invisible", severity: "marker",
                       json: Self.finding("invisible", "marker", at: "$.x\r\n::error title=pwned::owned,:", what: "invisible U+200B"))
        let out = try CIReport.render([try Self.input("r.json", Self.report([hostile]))], format: .github, gate: nil)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2)
        #expect(lines[0] == "::warning title=veil marker%3A invisible U+200B::POST /v1/messages $.x%0D%0A::error title=pwned::owned,: offset 10 (report r.json)")
        #expect(!out.contains("\r"))
    }

    /// The gate's verdict comes first: GitHub shows only the first annotations of each level.
    @Test func githubGateFirst() throws {
        let a = try Self.input("a/report.json", Self.report([Self.apostrophe]))
        let b = try Self.input("b/report.json", Self.report([Self.own]))
        let failed = try CIReport.render([a, b], format: .github, gate: .marker).split(separator: "\n")[0]
        #expect(failed == "::error title=veil gate (--fail-on marker)::failed: 1 finding(s) at marker or above in a/report.json (1)")
        let passed = try CIReport.render([a, b], format: .github, gate: .block).split(separator: "\n")[0]
        #expect(passed == "::notice title=veil gate (--fail-on block)::passed: no finding at block or above in 2 report(s)")
    }

    // MARK: JUnit

    @Test func xmlEscaping() {
        #expect(XML.escape(#"<a & "b" 'c'>"#) == "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;")
        #expect(XML.escape("x\ty\nz\r", attribute: true) == "x&#9;y&#10;z&#13;")
        #expect(XML.escape("x\ty\nz", attribute: false) == "x\ty\nz")
        #expect(XML.escape("esc\u{1B}[31m nul\u{0} \u{FFFF}") == "esc[U+001B][31m nul[U+0000] [U+FFFF]")
        #expect(XML.escape("’ é 😀") == "’ é 😀")
    }

    /// One suite per file, a failed case per finding at or above the gate (default marker),
    /// the file well-formed for a real XML parser even with markup and controls in the text.
    @Test func junitSuitesAndFailures() throws {
        let hostile = (kind: "invisible", severity: "marker",
                       json: Self.finding("invisible", "marker", at: "$.a<b>&\"c\"\u{1B}]]>", what: "invisible U+200B"))
        let a = try Self.input("a & b.json", Self.report([Self.canary, Self.apostrophe, hostile]))
        let b = try Self.input("b.json", Self.report([Self.own]))
        let c = try Self.input("c.json", Self.report([]))
        let xml = try CIReport.render([a, b, c], format: .junit, gate: nil)
        let doc = try XMLDocument(data: Data(xml.utf8))
        let suites = try doc.nodes(forXPath: "/testsuites/testsuite").compactMap { $0 as? XMLElement }
        #expect(suites.map { $0.attribute(forName: "name")?.stringValue } == ["a & b.json", "b.json", "c.json"])
        #expect(suites.map { $0.attribute(forName: "failures")?.stringValue } == ["3", "0", "0"])
        #expect(suites.map { $0.attribute(forName: "tests")?.stringValue } == ["3", "1", "1"])
        #expect(try doc.nodes(forXPath: "//failure").count == 3)
        #expect(doc.rootElement()?.attribute(forName: "failures")?.stringValue == "3")
        let hostileCase = try doc.nodes(forXPath: "/testsuites/testsuite[1]/testcase[3]").first as? XMLElement
        #expect(hostileCase?.attribute(forName: "name")?.stringValue?.contains("$.a<b>&\"c\"[U+001B]]]>") == true)

        let blockOnly = try XMLDocument(data: Data(try CIReport.render([a, b, c], format: .junit, gate: .block).utf8))
        #expect(try blockOnly.nodes(forXPath: "//failure").count == 1)
        let everything = try XMLDocument(data: Data(try CIReport.render([a, b, c], format: .junit, gate: .typography).utf8))
        #expect(try everything.nodes(forXPath: "//failure").count == 4)
    }

    /// A report lists its first 1000 findings; the rest still count, and still fail.
    @Test func unlistedFindingsStillShow() throws {
        let r = try Self.input("r.json", Self.report([Self.apostrophe], extraBySeverity: ["marker": 1500]))
        let doc = try XMLDocument(data: Data(try CIReport.render([r], format: .junit, gate: .marker).utf8))
        #expect(try doc.nodes(forXPath: "//failure").count == 2)
        let github = try CIReport.render([r], format: .github, gate: nil)
        #expect(github.contains("::warning title=veil marker%3A 1500 more::1500 more marker finding(s) not listed in r.json"))
    }

    // MARK: Merging and the gate

    @Test func mergingAddsUpAndReadsBack() throws {
        let a = try Self.input("a.json", Self.report([Self.canary, Self.apostrophe], requests: 3,
                                                     limits: #"{"pidsRefused": 2, "oomKills": 0, "cpuTime": false}"#))
        let b = try Self.input("b.json", Self.report([Self.own, Self.apostrophe], requests: 5,
                                                     limits: #"{"pidsRefused": 1, "oomKills": 1, "cpuTime": true}"#))
        let c = try Self.input("c.json", Self.report([], requests: 1))
        let m = InspectorSummary.merged([a, b, c].map(\.summary))
        #expect(m.requests == 9 && m.blocked == 1 && m.forwarded == 8 && m.findings == 4)
        #expect(m.findingsBySeverity == ["block": 1, "marker": 2, "typography": 1])
        #expect(m.findingsByKind == ["canary": 1, "lookalike": 3])
        #expect(m.findingList.map(\.severity) == ["block", "marker", "typography", "marker"])
        #expect(m.refusals.count == 1)
        #expect(m.limitsHit == .init(pidsRefused: 3, oomKills: 1, cpuTime: true))
        #expect(InspectorSummary.merged([c.summary, c.summary]).limitsHit == nil)

        // `--format json` is a report like any run's: it reads back, and merges again.
        let json = try CIReport.render([a, b, c], format: .json, gate: nil)
        let back = try CIReport.decode(Data(json.utf8), path: "merged.json").summary
        #expect(back == m)
        #expect(InspectorSummary.merged([InspectorSummary.merged([a.summary, b.summary]), c.summary]) == m)
    }

    @Test func gateReadsEveryFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veil-report-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: p))
            return p
        }
        let clean = try file("clean.json", Self.report([]))
        let typo = try file("typo.json", Self.report([Self.own]))
        let marker = try file("marker.json", Self.report([Self.apostrophe]))
        func status(_ paths: [String], _ gate: Severity?) -> Int32 {
            CIReport.run(paths: paths, format: .text, gate: gate, output: { _ in }, error: { _ in })
        }
        #expect(status([clean, typo, marker], nil) == 0)
        #expect(status([clean, typo, marker], .marker) == 3)
        #expect(status([clean, typo], .marker) == 0)
        #expect(status([clean, typo], .typography) == 3)
        #expect(status([clean, typo, marker], .block) == 0)
        var text = ""
        _ = CIReport.run(paths: [typo, marker], format: .text, gate: .marker, output: { text += $0 }, error: { _ in })
        #expect(text.contains("total (2 reports): 4 request(s)"))
        #expect(text.hasSuffix("gate --fail-on marker: FAILED, 1 finding(s) at marker or above\n"))
    }

    /// A report that cannot be read is never a pass: exit 2, a reason, nothing printed.
    @Test func unreadableReports() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veil-report-\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.json").path
        try Data(Self.report([]).utf8).write(to: URL(fileURLWithPath: good))
        let cases: [(String, String?, String)] = [
            ("missing.json", nil, "No such file or directory"),
            ("empty.json", "  \n", "the file is empty"),
            ("text.json", "veil: blocked POST", "not JSON"),
            ("other.json", #"{"requests": 1}"#, "not a veil --report file: no 'forwarded' at the top level"),
            ("typed.json", Self.report([]).replacingOccurrences(of: #""requests": 2"#, with: #""requests": "2""#),
             "not a veil --report file: .requests is not Int"),
            ("level.json", Self.report([(kind: "x", severity: "severe", json: Self.finding("x", "severe", what: "x"))]),
             "unknown severity 'severe'"),
        ]
        for (name, content, reason) in cases {
            let path = dir.appendingPathComponent(name).path
            if let content { try Data(content.utf8).write(to: URL(fileURLWithPath: path)) }
            var out = "", err = ""
            let status = CIReport.run(paths: [good, path], format: .github, gate: .marker,
                                      output: { out += $0 }, error: { err += $0 })
            #expect(status == 2, "\(name)")
            #expect(out.isEmpty, "\(name)")
            #expect(err.hasPrefix("veil: cannot read the report \(path): ") && err.contains(reason), "\(name): \(err)")
        }
    }

    /// The human form shows an agent's controls as code points, never sends them to a terminal.
    @Test func textShowsControlsAsCodePoints() throws {
        let hostile = (kind: "invisible", severity: "marker",
                       json: Self.finding("invisible", "marker", at: "$.k\u{1B}]0;x\u{07}\u{9B}", what: "invisible U+200B"))
        let text = try CIReport.render([try Self.input("r.json", Self.report([hostile]))], format: .text, gate: nil)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })
        #expect(text.contains("$.k[U+001B]]0;x[U+0007][U+009B] offset 10"))
    }
}
