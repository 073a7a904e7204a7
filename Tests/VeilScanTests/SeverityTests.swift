import Testing
import VeilProfile
@testable import VeilScan

/// Severity levels (issue 18, item 4): an agent's own curly quotes and dashes (its profile's
/// `own_typography`) are `typography`, below the default gate; the same characters in any
/// other word, a modifier-letter apostrophe anywhere, or a slash date are still `marker`.
struct SeverityTests {
    /// Codex writes `Don’t` and `Codex—and` in its own instructions.
    static let own: Set<String> = ["Don’t", "Codex—and"]

    static func scanOwn(_ body: String, rules: [Profile.Rule] = []) -> [Finding] {
        Scanner(config: ScanConfig(canaries: sampleFacts().canaries(), rules: rules, ownTypography: own))
            .scanBody(Array(body.utf8), api: .openai)
    }

    static func levels(_ findings: [Finding]) -> [String: Severity] {
        Dictionary(findings.map { ($0.word ?? $0.detail, severity(of: $0, modes: Profile.Modes(), rules: [])) },
                   uniquingKeysWith: { a, _ in a })
    }

    @Test func theAgentsOwnWordsAreTypographyAndOthersAreMarkers() {
        let body = #"{"instructions":"Don’t guess. Refer to Codex—and be brief.","input":"don’t and it’s"}"#
        let found = Self.scanOwn(body)
        #expect(found.map(\.word) == ["Don’t", "Codex—and", "don’t", "it’s"])
        #expect(found.map(\.ownTypography) == [true, true, nil, nil])
        // Case counts: `don’t` is not a word the agent wrote.
        #expect(Self.levels(found) == ["Don’t": .typography, "Codex—and": .typography, "don’t": .marker, "it’s": .marker])
    }

    /// The 2026 incident's marker: another apostrophe swapped into a word the agent writes.
    /// U+02BC and U+02B9 are never the agent's own, whatever its list says.
    @Test(arguments: ["Don\u{02BC}t", "Don\u{02B9}t", "Don\u{FF07}t"])
    func aModifierLetterInAnOwnWordIsAMarker(_ word: String) throws {
        let f = try #require(Self.scanOwn(#"{"instructions":"\#(word) guess."}"#).first)
        #expect(f.kind == .lookalike && f.word == word && f.ownTypography == nil)
        #expect(severity(of: f, modes: Profile.Modes(), rules: []) == .marker)
    }

    /// Without a list (the default profile, a user's own agent) every look-alike is a marker.
    @Test func withoutAListTypographyIsAMarker() throws {
        let f = try #require(scan(userText("Don’t")).first)
        #expect(f.word == "Don’t" && f.ownTypography == nil)
        #expect(severity(of: f, modes: Profile.Modes(), rules: []) == .marker)
    }

    /// The word stops at an escape letter: `\nDon’t` in raw JSON text is `Don’t`.
    @Test func theWordStopsAtEscapesAndOtherCharacters() {
        let found = Self.scanOwn(#"{"instructions":"Intro\nDon’t, (Codex—and)."}"#)
        #expect(found.map(\.word) == ["Don’t", "Codex—and"])
        #expect(found.allSatisfy { $0.ownTypography == true })
    }

    @Test func aSlashDateIsAMarkerAndACanaryBlocks() throws {
        let rule = Profile.Rule(name: "iso-date", kind: .isoDate)
        let date = try #require(Self.scanOwn(#"{"input":"today is 2026/07/01"}"#, rules: [rule]).first)
        #expect(severity(of: date, modes: Profile.Modes(), rules: [rule]) == .marker)
        let canary = try #require(Self.scanOwn(#"{"input":"tz Asia/Shanghai"}"#).first { $0.kind == .canary })
        #expect(severity(of: canary, modes: Profile.Modes(), rules: []) == .block)
    }

    /// Past the scanner's cap a finding is kept only as the first of its class: a thousand of
    /// the agent's own words must not hide the one apostrophe that is not.
    @Test func theAgentsOwnWordsCannotHideAMarkerPastTheCap() {
        let many = String(repeating: "Don’t ", count: HitSink.maxFindings + 10)
        let found = Self.scanOwn(#"{"instructions":"\#(many)","input":"it’s"}"#)
        #expect(found.contains { $0.word == "it’s" && severity(of: $0, modes: Profile.Modes(), rules: []) == .marker })
    }

    @Test func levelsAreOrdered() {
        #expect(Severity.typography < .marker && Severity.marker < .block)
        #expect(Severity.allCases.filter { $0 >= .marker } == [.marker, .block])
    }
}
