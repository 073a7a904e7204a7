import Testing
import VeilScan
@testable import VeilCompare

@Suite struct AttributionTests {
    func classify(_ a: String, _ b: String, canaries: [Canary] = []) -> [(DifferenceKind, String)] {
        let x = scalars(a), y = scalars(b)
        let at = Attributor(canaries: canaries)
        return TextDiff.hunks(x, y).map { at.classify(x, y, $0) }
    }

    @Test func canaryOnEitherSide() {
        let c = [Canary(label: "workdir path", value: "/home/alice/project"), Canary(label: "user name", value: "alice")]
        let r = classify("cwd: /home/alice/project", "cwd: /home/user/project", canaries: c)
        #expect(r.count == 1 && r[0].0 == .canary && r[0].1.contains("workdir path"))
        let tz = classify("zone UTC", "zone Asia/Shanghai", canaries: [Canary(label: "time zone", value: "Asia/Shanghai")])
        #expect(tz.first?.0 == .canary && tz.first?.1.contains("veil side") == true)
    }

    @Test func covertCharacters() {
        let r = classify("Don't", "Don\u{02BC}t")
        #expect(r.count == 1 && r[0].0 == .covertChar)
        #expect(r[0].1.contains("U+0027") && r[0].1.contains("U+02BC MODIFIER LETTER APOSTROPHE"))
        #expect(classify("a b", "a\u{200B} b").first?.0 == .covertChar)
        #expect(classify("paypal", "p\u{0430}ypal").first?.0 == .covertChar)
    }

    @Test func formatDrift() {
        let r = classify("Today is 2026-07-01.", "Today is 2026/07/01.")
        #expect(r.count == 1 && r[0].0 == .format && r[0].1 == "date written differently: 2026-07-01 → 2026/07/01")
        #expect(classify("total 1,234.5 units", "total 1.234,5 units").first?.0 == .format)
    }

    @Test func unexplained() {
        #expect(classify("Say hello.", "Say goodbye.").first?.0 == .unexplained)
        // Different digits are not a format change.
        #expect(classify("2026-07-01", "2026-07-02").first?.0 == .unexplained)
        // Chinese prose is not a look-alike substitution.
        #expect(classify("Hello there, friend.", "\u{4F60}\u{597D}\u{FF0C}\u{670B}\u{53CB}\u{3002}").first?.0 == .unexplained)
    }

    @Test func decoyCanariesExpandTimeZones() {
        let c = DecoyCanaries.canaries(dimension: "tz", value: "Asia/Shanghai").map(\.value)
        #expect(c.contains("Asia/Shanghai"))
        #expect(c.contains("+08:00"))
        #expect(DecoyCanaries.canaries(dimension: "base-host", value: "api.deepseek.com").map(\.value).contains("api.deepseek.com"))
    }
}

@Suite struct DateShiftTests {
    @Test func anotherLocalDateIsNamedButUnexplained() {
        let a = scalars("Today's date is 2026-11-23."), b = scalars("Today's date is 2026-11-24.")
        let h = TextDiff.hunks(a, b)
        let (kind, detail) = Attributor(canaries: []).classify(a, b, h[0])
        #expect(kind == .unexplained && detail.contains("time zone"))
    }
}
