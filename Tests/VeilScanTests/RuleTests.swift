import Testing
import VeilProfile
@testable import VeilScan

/// Profile rules: `forbid` patterns and the `iso-date` expectation.
struct RuleTests {
    static let isoDate = Profile.Rule(name: "dates-iso", kind: .isoDate)

    @Test(arguments: [
        ("today is 2026/07/01.", "2026/07/01"),
        ("today is 2026.07.01", "2026.07.01"),
        ("due 01/07/2026", "01/07/2026"),
        ("due 7/1/2026 at noon", "7/1/2026"),
        ("am 01.07.2026 um", "01.07.2026"),
        ("on 12-31-2026", "12-31-2026"),
        ("(2026/7/1)", "2026/7/1"),
    ])
    func nonISODateIsARuleFinding(_ text: String, _ date: String) throws {
        let body = userText(text)
        let findings = scan(body, rules: [Self.isoDate])
        let f = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(f.kind == .rule)
        #expect(f.rule == "dates-iso")
        #expect(f.detail.contains("\"\(date)\""))
        #expect(f.offset == byteOffset(of: date, in: body))
    }

    @Test(arguments: [
        "ISO dates 2026-07-01 and 2026-07-01T10:00:00Z",
        "version 1.2.3 and 10.0.0.1 and 3.14/2.71",
        "ratio 1/2/3 and 2026/13/45 and 99/99/2026",
        "path src/2026/07/notes and v2026.07.01",
        "line\\n2026-07-01 ok",
    ])
    func noDateFalseAlarm(_ text: String) {
        let findings = scan(userText(text), rules: [Self.isoDate])
        #expect(findings.isEmpty, "\(findings.map(\.detail))")
    }

    @Test func dateAfterAnEscapeIsFound() throws {
        let f = try #require(scan(userText(#"line\n2026/07/01"#), rules: [Self.isoDate]).first)
        #expect(f.kind == .rule)
    }

    @Test func noDateRuleNoDateFinding() {
        #expect(scan(userText("2026/07/01")).isEmpty)
    }

    @Test func forbidIsCaseInsensitiveSubstring() throws {
        let rules = [Profile.Rule(name: "no-internal", kind: .forbid, pattern: "corp-secret", mode: .block)]
        let body = userText("this mentions CORP-SECRETS in text")
        let findings = scan(body, rules: rules)
        let f = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(f.kind == .rule)
        #expect(f.rule == "no-internal")
        #expect(f.offset == byteOffset(of: "CORP-SECRET", in: body))
        #expect(scan(userText("corp secret"), rules: rules).isEmpty)
    }

    /// A pattern holding `\` matches text, not JSON syntax: in a raw JSON string `a\b` is
    /// `a` and a backspace, whichever byte of the pattern the scanner anchors on.
    @Test func patternWithBackslashMatchesDecodedTextOnly() {
        let rules = [Profile.Rule(name: "bs", kind: .forbid, pattern: #"a\b"#)]
        let ruleFindings = { (body: String) in scan(body, rules: rules).filter { $0.kind == .rule } }
        #expect(ruleFindings(#"{"t":"xa\bc"}"#).isEmpty)
        #expect(ruleFindings(#"{"t":"xa\\bc\u0041"}"#).count == 1)  // decoded: xa\bcA
        #expect(ruleFindings(#"xa\bc"#).count == 1)  // not JSON: raw text
    }
}
