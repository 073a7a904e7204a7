import Foundation
import Testing
@testable import VeilCompare

/// --json, schema version 1: real reports validate against docs/schema, code points are
/// structure, and each side carries its bytes in the body.
@Suite struct JSONReportTests {
    static let fingerprinted = "Today's date is 2026/07/01. Don\u{02BC}t stop.\u{200B}"
    static let clean = "Today's date is 2026-07-01. Don't stop."

    static func compareReport() -> CompareReport {
        var a = messages(system: fingerprinted), b = messages(system: clean, extra: #","stream":true"#)
        a.headers.append(("User-Agent", "agent/1 (ab)"))
        b.headers.append(("User-Agent", "agent/1 (localhost)"))
        let requests = CompareEngine.compare([a, messages(system: "title")], [b], normalizer: Normalizer(),
                                             attributor: Attributor(canaries: [], wholeWord: [.init(label: "host name", value: "ab")]))
        let output = OutputCompare.compare(ArmOutput(stdout: "hi\n", exitStatus: 0), ArmOutput(stdout: "hello\n", exitStatus: 1),
                                           normalizer: Normalizer(), attributor: Attributor(canaries: []))
        return CompareReport(command: ["python3", "agent.py"], hostRequests: 2, veilRequests: 1, requests: requests,
                             output: output.differences, outputVolatile: output.volatile, notes: ["a note"])
    }

    static func probeReport() -> ProbeReport {
        let base = ProbeRun(requests: [messages(system: clean)])
        let marked = ProbeRun(requests: [messages(system: fingerprinted)])
        let result = ProbeAnalysis.analyze(baseline: base, repeat: base, variations: [
            ("tz", "Asia/Shanghai", marked), ("tz", "Asia/Urumqi", marked), ("tz", "Europe/Paris", base),
            ("user", "ivanov", ProbeRun(requests: [], error: "veil run failed (exit 125): x")),
        ], normalizer: Normalizer())
        var r = ProbeReport(command: ["agent"], result: result, wallSeconds: 12.345, runs: 6, parallel: 2, notes: [])
        r.ownTypography = ["Don’t"]
        return r
    }

    @Test func realReportsValidateAgainstTheSchemas() throws {
        let compare = try JSONValue.parse(JSONReport.compare(Self.compareReport()))
        #expect(try SchemaValidator.load("compare-report.schema.json").errors(compare) == [])
        let probe = try JSONValue.parse(JSONReport.probe(Self.probeReport()))
        #expect(try SchemaValidator.load("probe-report.schema.json").errors(probe) == [])
        // The check has teeth: a missing field, an unknown field, a wrong kind.
        guard case .object(var members) = compare else { Issue.record("not an object"); return }
        members.removeAll { $0.0 == "exitStatus" }
        members.append(("extra", .null))
        let errors = try SchemaValidator.load("compare-report.schema.json").errors(.object(members))
        #expect(errors.contains { $0.contains("missing exitStatus") } && errors.contains { $0.contains("$.extra") })
    }

    @Test func theSchemasShareTheirCommonDefinitions() throws {
        let c = try SchemaValidator.load("compare-report.schema.json").root["$defs"]!
        let p = try SchemaValidator.load("probe-report.schema.json").root["$defs"]!
        for name in ["codePoint", "side", "context", "volatile", "rule", "kindCounts"] {
            #expect(c[name] != nil && c[name] == p[name], "$defs/\(name) differs")
        }
    }

    @Test func versionFirstCodePointsAsStructure() throws {
        let text = JSONReport.compare(Self.compareReport())
        #expect(text.hasPrefix("{\n  \"schemaVersion\": 1,"))
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let diffs = obj["differences"] as! [[String: Any]]
        let covert = diffs.first { $0["kind"] as? String == "covert-char" && ($0["host"] as? String)?.contains("U+02BC") == true }!
        let host = covert["hostSide"] as! [String: Any], veil = covert["veilSide"] as! [String: Any]
        #expect(host["changed"] as? String == "\u{02BC}" && veil["changed"] as? String == "'")
        let hcp = (host["codePoints"] as! [[String: Any]])[0], vcp = (veil["codePoints"] as! [[String: Any]])[0]
        #expect(hcp["codePoint"] as? String == "U+02BC" && hcp["name"] as? String == "MODIFIER LETTER APOSTROPHE")
        #expect(hcp["char"] as? String == "\u{02BC}" && hcp["offset"] as? Int == 0 && hcp["category"] as? String == "Lm")
        #expect(vcp["codePoint"] as? String == "U+0027" && vcp["name"] as? String == "APOSTROPHE" && vcp["invisible"] as? Bool == false)
        // Text that really says [U+02BC] is not a code point.
        let literal = CodePoints.notable("[U+02BC]")
        #expect(!literal.contains { $0.scalar.value == 0x02BC })
    }

    @Test func invisibleCharactersAreEscapedInTheFile() throws {
        let text = JSONReport.compare(Self.compareReport())
        #expect(!text.unicodeScalars.contains("\u{200B}"))
        #expect(text.contains(#""char": "\u200b""#))
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let zw = (obj["differences"] as! [[String: Any]]).first { ($0["hostSide"] as! [String: Any])["changed"] as? String == "\u{200B}" }
        let cp = ((zw?["hostSide"] as? [String: Any])?["codePoints"] as? [[String: Any]])?.first
        #expect(cp?["invisible"] as? Bool == true && cp?["name"] as? String == "ZERO WIDTH SPACE" && cp?["category"] as? String == "Cf")
    }

    @Test func bodyBytesPointIntoTheRecordedBody() throws {
        let report = Self.compareReport()
        let obj = try JSONSerialization.jsonObject(with: Data(JSONReport.compare(report).utf8)) as! [String: Any]
        let body = Array(messages(system: Self.fingerprinted).body.utf8)
        let diffs = obj["differences"] as! [[String: Any]]
        let format = diffs.first { $0["kind"] as? String == "format" }!
        let range = (format["hostSide"] as! [String: Any])["body"] as! [String: Int]
        #expect(String(decoding: body[range["offset"]! ..< range["offset"]! + range["length"]!], as: UTF8.self) == "/07/")
        let header = diffs.first { $0["path"] as? String == "header:user-agent" }!
        #expect((header["hostSide"] as! [String: Any])["bodyUnknown"] as? String == "header")
        #expect(header["kind"] as? String == "canary" && header["area"] as? String == "headers")
        let request = diffs.first { $0["path"] as? String == "request" }!
        #expect((request["veilSide"] as! [String: Any])["bodyUnknown"] as? String == "absent")
        #expect((request["hostSide"] as! [String: Any])["bodyUnknown"] as? String == "unpaired-request")
        let output = (obj["output"] as! [[String: Any]]).first!
        #expect((output["hostSide"] as! [String: Any])["bodyUnknown"] as? String == "output")
        let byArea = (obj["summary"] as! [String: Any])["byArea"] as! [String: [String: Int]]
        #expect(byArea["system prompt"]?["covert-char"] == 2 && byArea["headers"]?["canary"] == 1 && byArea["request"] != nil)
    }

    @Test func probeFoldsIdenticalVariations() throws {
        let obj = try JSONSerialization.jsonObject(with: Data(JSONReport.probe(Self.probeReport()).utf8)) as! [String: Any]
        let tz = (obj["dimensions"] as! [[String: Any]])[0]
        let vs = tz["variations"] as! [[String: Any]]
        #expect(vs[0]["sameAs"] is NSNull)
        #expect((vs[1]["sameAs"] as? [String: String]) == ["dimension": "tz", "value": "Asia/Shanghai"])
        let d = (vs[0]["differences"] as! [[String: Any]])[0]
        #expect(d["baselineSide"] is [String: Any] && d["variationSide"] is [String: Any] && d["host"] is String)
        #expect((tz["byKind"] as? [String: Int])?["format"] == 2)
    }
}

