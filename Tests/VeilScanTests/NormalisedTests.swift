import Testing
import VeilProfile
@testable import VeilScan

/// Canaries a model reads through their disguise: compatibility forms, look-alike letters,
/// marks and controls inside the word. Each is found in the normalised view and reported
/// on the original text: its offset, its characters, the code points that disguised it.
struct NormalisedTests {
    static let disguised: [(text: String, label: String, at: String, cps: [UInt32])] = [
        ("tz Ａｓｉａ／Ｓｈａｎｇｈａｉ now", "time zone", "Ａ", "Ａｓｉａ／Ｓｈａｎｇｈａｉ".unicodeScalars.map(\.value)),
        ("on 𝐚𝐥𝐢𝐜𝐞-thinkpad", "host name", "𝐚", [0x1D41A, 0x1D425, 0x1D422, 0x1D41C, 0x1D41E]),
        ("tz Asia/Sh\u{0430}nghai", "time zone", "Asia", [0x0430]),
        ("user \u{0430}lice here", "user name", "\u{0430}", [0x0430]),
        // The word's first letter is Cyrillic but no look-alike: the one after it still is.
        ("user \u{0436}\u{0430}lice here", "user name", "\u{0430}", [0x0430]),
        // Latin letters the kernel never marks (C3-C9 leads) that the view still changes.
        ("user \u{0251}lice here", "user name", "\u{0251}", [0x0251]),
        ("user al\u{0131}ce here", "user name", "al", [0x0131]),
        ("tz A\u{017F}ia/Shanghai", "time zone", "A", [0x017F]),
        // Squared letters (U+1F100 block) start like emoji, which the kernel skips.
        ("tz \u{1F130}sia/Shanghai", "time zone", "\u{1F130}", [0x1F130]),
        // Combining Cyrillic marks inside the word, dropped by the view like U+0301.
        ("tz Asia/Shang\u{0483}hai", "time zone", "Asia", [0x0483]),
        ("tz Asia/Shang\u{2DE0}hai", "time zone", "Asia", [0x2DE0]),
        ("tz Asia/Shang\u{A66F}hai", "time zone", "Asia", [0xA66F]),
        ("tz Asia/Shan\u{0301}ghai", "time zone", "Asia", [0x0301]),
        ("tz Asia/Shang\u{0000}hai", "time zone", "Asia", [0x0000]),
        ("tz Asia/Shang\u{0007}hai", "time zone", "Asia", [0x0007]),
        ("tz Asia/Shang\u{2800}hai", "time zone", "Asia", [0x2800]),
        ("tz Asia/Shang\u{E000}hai", "time zone", "Asia", [0xE000]),
        ("tz Asia/Shang\u{180B}hai", "time zone", "Asia", [0x180B]),
        ("at ／home／alice／src", "home path", "／", [0xFF0F, 0xFF0F]),
        ("offset ＋０８：００ here", "time zone offset", "＋", [0xFF0B, 0xFF10, 0xFF18, 0xFF1A, 0xFF10, 0xFF10]),
        ("at UTC\u{2212}8? no: UTC\u{FF0B}8", "time zone offset", "UTC\u{FF0B}", [0xFF0B]),
        ("TZ=ＰＲＣ", "time zone", "Ｐ", [0xFF30, 0xFF32, 0xFF23]),
        // Latin small capitals and the modifier minus (they passed unseen).
        ("user \u{1D00}\u{029F}\u{026A}\u{1D04}\u{1D07} here", "user name", "\u{1D00}", [0x1D00, 0x029F, 0x026A, 0x1D04, 0x1D07]),
        ("tz Asia/Shan\u{0262}hai", "time zone", "Asia", [0x0262]),
        ("on alice\u{02D7}thinkpad", "host name", "alice", [0x02D7]),
    ]

    @Test(arguments: disguised.indices)
    func disguisedCanaryIsFound(_ k: Int) throws {
        let c = NormalisedTests.disguised[k]
        let body = userText(c.text)
        let findings = scan(body)
        let f = try #require(findings.first { $0.kind == .canary }, "nothing in \(visible(c.text)): \(findings)")
        #expect(f.detail.hasPrefix(c.label + " "), "\(f.detail)")
        #expect(f.offset == byteOffset(of: c.at, in: body))
        #expect(f.path == "$.messages[0].content[0].text")
        #expect(f.codePoints == c.cps, "\(f.codePoints.map(codePointName))")
        #expect(f.excerpt.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(decide(findings, modes: Profile.Modes(), rules: []) != .forward)
    }

    /// The matched text in the detail is what was sent, not what the view made of it.
    @Test func detailShowsTheOriginal() throws {
        let f = try #require(scan(userText("Ａｓｉａ／Ｓｈａｎｇｈａｉ")).first { $0.kind == .canary })
        #expect(f.detail == "time zone \"[U+FF21][U+FF53][U+FF49][U+FF41][U+FF0F][U+FF33][U+FF48][U+FF41][U+FF4E][U+FF47][U+FF48][U+FF41][U+FF49]\"")
    }

    /// Mathematical letters written as JSON surrogate-pair escapes: decoded, folded, and the
    /// offset is the escape's in the raw body.
    @Test func surrogatePairEscapes() throws {
        let body = userText(#"user \ud835\udc1a\ud835\udc25\ud835\udc22\ud835\udc1c\ud835\udc1e!"#)
        let f = try #require(scan(body).first { $0.kind == .canary })
        #expect(f.detail.hasPrefix("user name "))
        #expect(f.offset == byteOffset(of: #"\ud835"#, in: body))
        #expect(f.codePoints.first == 0x1D41A)
    }

    /// In a header value and in a body that is not JSON, the same.
    @Test func elsewhereToo() {
        let h = sampleScanner().scanHeaders([(name: "x-tz", value: "Ａｓｉａ／Ｓｈａｎｇｈａｉ")])
        #expect(h.contains { $0.kind == .canary && $0.path == "header:x-tz" })
        let raw = scan("plain text: Asia/Sh\u{0430}nghai")
        #expect(raw.contains { $0.kind == .canary && $0.offset == 12 })
    }

    /// What the view must not invent: accented names are other names, and ordinary
    /// non-English text holds no canary.
    @Test(arguments: [
        "Alíce and Shànghai are not folded",
        "Привет, как дела? Всё хорошо.",
        "Tiếng Việt có dấu: người, được",
        "العَرَبِيَّة مع الحركات",
        "family 👨\u{200D}👩\u{200D}👧 and ✔\u{FE0F}",
        "用户的价格是100元，然后Python",
    ])
    func noFalseCanary(_ text: String) {
        #expect(scan(userText(text)).filter { $0.kind == .canary }.isEmpty)
    }

    @Test func foldedCanariesMatchThemselves() {
        #expect(Fold.string("Ａｓｉａ／Ｓｈａｎｇｈａｉ") == "Asia/Shanghai")
        #expect(Fold.string("𝐒𝐡𝐚") == "Sha")
        #expect(Fold.string("Sh\u{0430}n\u{0301}g\u{200B}\u{0000}hai") == "Shanghai")
        #expect(Fold.string("José") == "José")
        #expect(Fold.string("ﬁle ㎏") == "file kg")
    }

    /// The view of a text and where each of its bytes came from.
    @Test func theViewKeepsASCIIAndItsOffsets() {
        let text = Array("0123456789abcdef al\u{0131}ce \u{1F130}x Shang\u{200B}hai; tail\u{7F}end \u{E9}\u{0430}\u{0301}b".utf8)
        let cap = text.count * 4 + 16
        var out = [UInt8](repeating: 0, count: cap), origin = [Int32](repeating: 0, count: cap)
        let (count, changed) = text.withUnsafeBytes { t in
            HitSink.normalise(t.baseAddress!, t.count, false, &out, &origin)
        }
        #expect(changed)
        #expect(String(decoding: out[..<count], as: UTF8.self) == "0123456789abcdef alice Ax Shanghai; tailend \u{E9}ab")
        // Two-byte scalars kept (é: both bytes, each its own offset), made one byte (а), dropped (U+0301).
        let e = text.count - 7
        #expect(Array(origin[count - 4 ..< count]) == [Int32(e), Int32(e + 1), Int32(e + 2), Int32(text.count - 1)])
        #expect(Array(origin[0 ..< 17]) == (0 ..< 17).map(Int32.init))
        let a = text.firstIndex(of: 0x78)!  // the `x` after the squared A
        #expect(origin[19] == 19)
        #expect(origin[23] == 24 && origin[24] == Int32(a))  // the squared A's four bytes became one
    }
}

/// Time-zone offsets in every spelling, with boundaries that keep ordinary numbers out.
struct TimeZoneSpellingTests {
    @Test func offsetFormsOfShanghai() {
        var f = HostFacts()
        f.timeZone = "Asia/Shanghai"
        let values = Set(f.canaries().map(\.value))
        #expect(values.isSuperset(of: ["UTC+8:00", "UTC+08:00", "GMT+08", "GMT+8", "+08:00", "+0800", "Etc/GMT-8",
                                       "UTC+8", "UTC+08", "GMT+8:00", "GMT+0800", "UTC +8"]))
        f.timeZone = "Asia/Kolkata"
        let india = Set(f.canaries().map(\.value))
        #expect(india.isSuperset(of: ["+05:30", "+0530", "UTC+5:30", "UTC+05:30", "GMT+0530"]))
        #expect(!india.contains("UTC+05") && !india.contains("UTC+5"))
        f.timeZone = "Etc/GMT-8"
        #expect(Set(f.canaries().map(\.value)).isSuperset(of: ["Etc/GMT-8", "+08:00", "UTC+8"]))
        f.timeZone = "Etc/GMT"
        #expect(f.canaries().isEmpty)
    }

    @Test(arguments: [
        ("(UTC+08:00) Beijing", "UTC+08:00"), ("tz UTC+8:00 set", "UTC+8:00"), ("GMT+08 here", "GMT+08"),
        ("TZ=Etc/GMT-8", "Etc/GMT-8"), ("at 2026-07-01T10:00:00+08:00", "+08:00"), ("10:00:00.123+0800", "+0800"),
        ("20260701T100000+0800", "+0800"), ("Date: Wed, 01 Jul 2026 10:00 +0800", "+0800"),
    ])
    func spelled(_ text: String, _ at: String) throws {
        let body = userText(text)
        let f = try #require(scan(body).first { $0.kind == .canary }, "\(text)")
        #expect(f.offset == byteOffset(of: at, in: body), "\(f)")
    }

    @Test(arguments: [
        "build 20260701+0800", "version 1.2.3+0800", "sum 12+0800=812", "id +08001234", "x+0800",
        "UTC+80 and GMT+800", "Etc/GMT-80", "range 2+08:00", "call +0800 555?",
    ])
    func ordinaryNumbers(_ text: String) {
        let found = scan(userText(text)).filter { $0.kind == .canary }
        // `call +0800 555` is written like an offset; the rest must not match.
        #expect(found.isEmpty == !text.hasPrefix("call"), "\(found.map(\.detail))")
    }
}

