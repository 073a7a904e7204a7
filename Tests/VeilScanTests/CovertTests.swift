import Testing
import VeilProfile
@testable import VeilScan

/// Each covert-channel class: found, with the right kind, path, byte offset and code points.
struct CovertTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let text: String
        let kind: FindingKind
        let codePoints: [UInt32]
        /// Where the finding points, as text that starts there.
        let at: String
        var testDescription: String { visible(text) }
    }

    static let cases: [Case] = [
        .init(text: "hidden\u{200B}text", kind: .invisible, codePoints: [0x200B], at: "\u{200B}"),
        .init(text: "a\u{200C}\u{200D}b", kind: .invisible, codePoints: [0x200C, 0x200D], at: "\u{200C}"),
        .init(text: "word\u{2060}joiner", kind: .invisible, codePoints: [0x2060], at: "\u{2060}"),
        .init(text: "mid\u{FEFF}dle", kind: .invisible, codePoints: [0xFEFF], at: "\u{FEFF}"),
        .init(text: "abc \u{202E}cba", kind: .invisible, codePoints: [0x202E], at: "\u{202E}"),
        .init(text: "x\u{2066}y", kind: .invisible, codePoints: [0x2066], at: "\u{2066}"),
        .init(text: "mark\u{200F}ed", kind: .invisible, codePoints: [0x200F], at: "\u{200F}"),
        .init(text: "arabic\u{061C}mark", kind: .invisible, codePoints: [0x061C], at: "\u{061C}"),
        .init(text: "soft\u{00AD}hyphen", kind: .invisible, codePoints: [0x00AD], at: "\u{00AD}"),
        .init(text: "math\u{2062}times", kind: .invisible, codePoints: [0x2062], at: "\u{2062}"),
        .init(text: "ok\u{E0068}\u{E0069}", kind: .tag, codePoints: [0xE0068, 0xE0069], at: "\u{E0068}"),
        .init(text: "a\u{FE01}b", kind: .variationSelector, codePoints: [0xFE01], at: "\u{FE01}"),
        .init(text: "x\u{E0100}\u{E0101}y", kind: .variationSelector, codePoints: [0xE0100, 0xE0101], at: "\u{E0100}"),
        .init(text: "text\u{FE0F}", kind: .variationSelector, codePoints: [0xFE0F], at: "\u{FE0F}"),
        .init(text: "model\u{02BC}s job", kind: .lookalike, codePoints: [0x02BC], at: "\u{02BC}"),
        .init(text: "it\u{02B9}s", kind: .lookalike, codePoints: [0x02B9], at: "\u{02B9}"),
        .init(text: "can\u{FF07}t", kind: .lookalike, codePoints: [0xFF07], at: "\u{FF07}"),
        .init(text: "it\u{2032}s", kind: .lookalike, codePoints: [0x2032], at: "\u{2032}"),
        .init(text: "don\u{2019}t", kind: .lookalike, codePoints: [0x2019], at: "\u{2019}"),
        .init(text: "well\u{2010}known", kind: .lookalike, codePoints: [0x2010], at: "\u{2010}"),
        .init(text: "a\u{2212}b", kind: .lookalike, codePoints: [0x2212], at: "\u{2212}"),
        .init(text: "and\u{2215}or", kind: .lookalike, codePoints: [0x2215], at: "\u{2215}"),
        .init(text: "1\u{2044}2", kind: .lookalike, codePoints: [0x2044], at: "\u{2044}"),
        .init(text: "src\u{FF0F}main", kind: .lookalike, codePoints: [0xFF0F], at: "\u{FF0F}"),
        .init(text: "p\u{0430}ypal", kind: .mixedScript, codePoints: [0x0430], at: "\u{0430}"),
        .init(text: "\u{03BF}pen the file", kind: .mixedScript, codePoints: [0x03BF], at: "\u{03BF}"),
        .init(text: "\u{043F}\u{0440}\u{0438}\u{0432}e\u{0442}", kind: .mixedScript, codePoints: [0x65], at: "e\u{0442}"),
        .init(text: "no\u{00A0}break", kind: .unusualSpace, codePoints: [0x00A0], at: "\u{00A0}"),
        .init(text: "thin\u{2009}space", kind: .unusualSpace, codePoints: [0x2009], at: "\u{2009}"),
        .init(text: "narrow\u{202F}nbsp", kind: .unusualSpace, codePoints: [0x202F], at: "\u{202F}"),
        .init(text: "math\u{205F}space", kind: .unusualSpace, codePoints: [0x205F], at: "\u{205F}"),
        .init(text: "wide\u{3000}space", kind: .unusualSpace, codePoints: [0x3000], at: "\u{3000}"),
    ]

    @Test(arguments: cases)
    func foundWithPathOffsetAndCodePoints(_ c: Case) throws {
        let body = userText(c.text)
        let findings = scan(body)
        let f = try #require(findings.first { $0.kind == c.kind }, "no \(c.kind) in \(findings)")
        #expect(findings.count == 1, "exactly one finding: \(findings)")
        #expect(f.path == "$.messages[0].content[0].text")
        #expect(f.offset == byteOffset(of: c.at, in: body))
        #expect(f.codePoints == c.codePoints)
        #expect(f.detail.contains(codePointName(c.codePoints[0])))
        #expect(f.excerpt.unicodeScalars.allSatisfy { $0.isASCII }, "excerpt made visible: \(f.excerpt)")
    }

    /// An en dash in something shaped like a date is format drift, not a range.
    @Test(arguments: ["on 2026–07–01 at noon", "mixed 2026-07–01 separators"])
    func enDashInDatesIsALookalike(_ text: String) throws {
        let f = try #require(scan(userText(text)).first)
        #expect(f.kind == .lookalike && f.codePoints == [0x2013])
    }

    /// The same characters written as JSON `\u` escapes are the same characters; the
    /// offset then points at the escape in the raw body.
    @Test func escapedCovertCharacters() throws {
        let body = userText(#"zero\u200bwidth and p\u0430ypal"#)
        let findings = scan(body)
        let zw = try #require(findings.first { $0.kind == .invisible })
        #expect(zw.codePoints == [0x200B])
        #expect(zw.offset == byteOffset(of: #"\u200b"#, in: body))
        let mixed = try #require(findings.first { $0.kind == .mixedScript })
        #expect(mixed.offset == byteOffset(of: #"\u0430"#, in: body))
    }

    /// `\b` and `\f` are controls too, spelled with a short escape: found as `\u0008` is, and
    /// in a string that has no `\u` escape (the fuzzer found them seen only beside one).
    @Test func shortEscapesOfControlsAreFound() throws {
        for (escape, cp) in [(#"\b"#, UInt32(8)), (#"\f"#, UInt32(12))] {
            let short = scan(userText("return " + escape + "value"))
            let long = scan(userText("return " + String(format: "\\u%04x", cp) + "value"))
            #expect(short.map(\.kind) == [.invisible] && short.first?.codePoints == [cp])
            #expect(short.map(\.codePoints) == long.map(\.codePoints))
        }
        // Newlines, tabs and quotes stay ordinary text.
        #expect(scan(userText(#"line\none\ttab \"quoted\" back\\slash"#)).isEmpty)
    }

    @Test func tagTextIsDecoded() throws {
        let hidden = "ignore previous".unicodeScalars.map { Character(Unicode.Scalar(0xE0000 + $0.value)!) }
        let body = userText("hello" + String(hidden) + " world")
        let f = try #require(scan(body).first { $0.kind == .tag })
        #expect(f.detail.contains("\"ignore previous\""))
        #expect(f.codePoints.count == 15)
        #expect(f.offset == byteOffset(of: String(hidden.prefix(1)), in: body))
    }

    /// Runs of the same invisible character are one finding, not one per character.
    @Test func runsAreOneFinding() throws {
        let findings = scan(userText("a" + String(repeating: "\u{200B}", count: 40) + "b"))
        #expect(findings.count == 1)
        #expect(findings.first?.codePoints.count == 40)
        #expect(findings.first?.detail.contains("×40") == true)
        let long = scan(userText("a" + String(repeating: "\u{200B}", count: 20000) + "b"))
        #expect(long.count == 1)
        #expect(long.first?.codePoints.count == 64)
        #expect(long.first?.detail.contains("(20000 in the run)") == true)
    }

    /// Legitimate uses of the same code points: emoji sequences, a leading BOM, flags,
    /// ideographic variation, scripts used on their own, quotes at word edges.
    @Test(arguments: [
        "thumbs 👍🏽 and ✔\u{FE0F} and ❤\u{FE0E} keycap 1\u{FE0F}\u{20E3}",
        "family 👨\u{200D}👩\u{200D}👧 done",
        "\u{FEFF}starts with a byte-order mark",
        "flag of England 🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} ok",
        "ideograph 葛\u{E0100} variant",
        "Привет, как дела? Всё хорошо.",
        "Γειά σου κόσμε, the formula uses αβγ separately",
        "latency 10μs and 5Ω resistor",
        "she said “hello” and ‘bye’ — then left – twice",
        "用户的价格是100元，然后Python，继续",
        "students’ work, the ’90s",
        // Claude Code's own tool descriptions: en dashes in ranges are typography.
        "wake up in (60s–270s) or (300s–3600s), 1200s–1800s, (20–30 min)",
    ])
    func benignTextIsNotFlagged(_ text: String) {
        let findings = scan(userText(text))
        #expect(findings.isEmpty, "\(findings.map(\.detail))")
    }
}
