import Testing
import VeilProfile
@testable import VeilScan

/// Characters that carry data without showing it, classed from Unicode's own properties.
struct HiddenDataTests {
    static let cases: [(text: String, kind: FindingKind, cps: [UInt32], at: String)] = [
        ("braille\u{2800}blank", .invisible, [0x2800], "\u{2800}"),
        ("line\u{2028}sep", .unusualSpace, [0x2028], "\u{2028}"),
        ("para\u{2029}sep", .unusualSpace, [0x2029], "\u{2029}"),
        ("ab\u{180B}cd", .variationSelector, [0x180B], "\u{180B}"),
        ("ab\u{180F}cd", .variationSelector, [0x180F], "\u{180F}"),
        ("pua\u{E000}\u{F8FF}x", .privateUse, [0xE000, 0xF8FF], "\u{E000}"),
        ("plane15\u{F0000}x", .privateUse, [0xF0000], "\u{F0000}"),
        ("plane16\u{10FFFD}x", .privateUse, [0x10FFFD], "\u{10FFFD}"),
        ("tags\u{E0080}\u{E00FF}x", .tag, [0xE0080, 0xE00FF], "\u{E0080}"),
        ("z\u{0300}\u{0301}\u{0302}\u{0303}\u{0304}algo", .markRun, [0x300, 0x301, 0x302, 0x303, 0x304], "\u{0300}"),
        // Combining Cyrillic letters count as Cyrillic in a word; the word's check must not
        // step over them.
        ("тест\u{2DE0}\u{2DE1}\u{2DE2}\u{2DE3}\u{2DE4}ы", .markRun, [0x2DE0, 0x2DE1, 0x2DE2, 0x2DE3, 0x2DE4], "\u{2DE0}"),
        ("nul\u{0000}x", .invisible, [0x0000], "\u{0000}"),
        ("bell\u{0007}x", .invisible, [0x0007], "\u{0007}"),
        ("del\u{007F}x", .invisible, [0x007F], "\u{007F}"),
        ("c1\u{0085}x", .invisible, [0x0085], "\u{0085}"),
        ("c1\u{009B}x", .invisible, [0x009B], "\u{009B}"),
    ]

    @Test(arguments: cases.indices)
    func found(_ k: Int) throws {
        let c = HiddenDataTests.cases[k]
        let body = userText(c.text)
        let findings = scan(body)
        let f = try #require(findings.first { $0.kind == c.kind }, "\(visible(c.text)): \(findings)")
        #expect(f.codePoints == c.cps)
        #expect(f.offset == byteOffset(of: c.at, in: body))
        #expect(f.path == "$.messages[0].content[0].text")
    }

    /// Controls arrive as JSON escapes (`\u0000`): found in the decoded text, offset at the escape.
    @Test func escapedControls() throws {
        let body = userText(#"a\u0000b and \u001b[31mred\u001b[0m, \u001bX"#)
        let found = scan(body).filter { $0.kind == .invisible }
        #expect(found.map(\.codePoints) == [[0x00], [0x1B]], "\(found)")
        #expect(found.first?.offset == byteOffset(of: #"\u0000"#, in: body))
    }

    /// Modes: tag-plane bytes block with the tags; the rest is reported (covert).
    @Test func modes() {
        let modes = Profile.Modes()
        #expect(decide(scan(userText("x\u{E0080}y")), modes: modes, rules: []) != .forward)
        for t in ["x\u{E000}y", "x\u{2800}y", "z\u{0300}\u{0301}\u{0302}\u{0303}\u{0304}", "a\u{0001}b", "a\u{2028}b"] {
            #expect(decide(scan(userText(t)), modes: modes, rules: []) == .forward, "\(visible(t))")
        }
    }

    /// Ordinary text with the same properties: emoji sequences, CJK, vocalised Arabic,
    /// Vietnamese with two marks on a vowel (decomposed too), Hindi, Mongolian with its
    /// selector, Hebrew with points, four marks in a row, terminal colours, tabs and newlines.
    @Test(arguments: [
        "family 👨\u{200D}👩\u{200D}👧, ✔\u{FE0F}, 👍🏽, keycap 1\u{FE0F}\u{20E3}",
        "中文，日本語のテキスト、한국어 텍스트",
        "العَرَبِيَّةُ لُغَةٌ جَمِيلَةٌ",
        "Tiếng Việt: người được",
        "Tie\u{0302}\u{0301}ng Vie\u{0323}\u{0302}t decomposed",
        "हिन्दी में लिखा गया पाठ",
        "ᠮᠣᠩᠭᠣᠯ\u{180B} text",
        "שָׁלוֹם עֲלֵיכֶם",
        "four a\u{0300}\u{0301}\u{0302}\u{0303} marks",
        "line\tone\nline two\r\n",
    ])
    func ordinaryTextIsNotFlagged(_ text: String) {
        let findings = scan(userText(text.replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")))
        #expect(findings.isEmpty, "\(findings.map(\.detail))")
    }

    @Test func terminalColoursInAToolResult() {
        #expect(scan(userText(#"\u001b[1;31merror\u001b[0m: \u001b]8;;file:///x\u0007link"#)).filter {
            $0.codePoints == [0x1B]
        }.isEmpty)
    }

    /// The classes come from Unicode's properties: a sample per class, and no list needed.
    @Test func classesFromProperties() {
        #expect(Covert.classify(0x2800) == .invisible)
        #expect(Covert.classify(0x2028) == .space)
        #expect(Covert.classify(0xE0080) == .tag && Covert.classify(0xE0FFF) == .tag)
        #expect(Covert.classify(0xE0100) == .variationSelector && Covert.classify(0x180D) == .variationSelector)
        #expect(Covert.classify(0xF8FF) == .privateUse && Covert.classify(0x10FFFD) == .privateUse)
        #expect(Covert.classify(0x0301) == .mark && Covert.classify(0x064E) == .mark)
        #expect(Covert.classify(0x0000) == .control && Covert.classify(0x009F) == .control)
        #expect(Covert.classify(0x0009) == .none && Covert.classify(0x000A) == .none && Covert.classify(0x0041) == .none)
        #expect(Covert.classify(0x4E2D) == .none && Covert.classify(0x1F600) == .none)
    }
}
