import Testing
import VeilScan
@testable import VeilCompare

/// Each side's change as a byte range of its request body as recorded.
@Suite struct ByteOffsetTests {
    func compare(_ a: String, _ b: String, protected: [String] = [], raw: Bool = false) -> [Difference] {
        let l = RecordedRequest(method: "POST", path: "/v1/messages", body: a)
        let r = RecordedRequest(method: "POST", path: "/v1/messages", body: b)
        return CompareEngine.compare([l], [r], normalizer: Normalizer(enabled: !raw, protected: protected),
                                     attributor: Attributor(canaries: [])).differences
    }

    /// The body's bytes at a side's range, as text.
    func at(_ body: String, _ b: BodyBytes) -> String? {
        guard case let .span(offset, length) = b else { return nil }
        return String(decoding: Array(body.utf8)[offset ..< offset + length], as: UTF8.self)
    }

    @Test func escapesAndMultiByteCharactersBeforeTheChange() {
        // An emoji as a surrogate pair escape, a newline escape, é in UTF-8, then the change.
        let a = #"{"system":"\ud83d\ude00 caf\u00e9\nnaïve Don\u02bct stop 2026/07/01."}"#
        let b = #"{"system":"\ud83d\ude00 caf\u00e9\nnaïve Don't stop 2026-07-01."}"#
        let ds = compare(a, b)
        #expect(ds.count == 2)
        let covert = ds.first { $0.kind == .covertChar }!, format = ds.first { $0.kind == .format }!
        #expect(at(a, covert.leftSide.bytes) == #"\u02bc"# && at(b, covert.rightSide.bytes) == "'")
        #expect(at(a, format.leftSide.bytes) == "/07/" && at(b, format.rightSide.bytes) == "-07-")
        #expect(covert.leftSide.changed == "\u{02BC}" && covert.leftSide.before.hasSuffix("naïve Don"))
    }

    @Test func plainTextBody() {
        let a = "naïve text, Don\u{02BC}t\n", b = "naïve text, Don't\n"
        let d = compare(a, b)
        #expect(d.count == 1 && d[0].path == "$")
        #expect(at(a, d[0].leftSide.bytes) == "\u{02BC}" && at(b, d[0].rightSide.bytes) == "'")
        #expect(d[0].leftSide.bytes == .span(offset: 16, length: 2))
    }

    @Test func throughNormalisedValues() {
        // A UUID and a timestamp before the change are placeholders in the compared text.
        let a = #"{"system":"run 3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b at 2026-07-01T10:00:00Z: Don\u02bct"}"#
        let b = #"{"system":"run 11111111-2222-4333-8444-555555555555 at 2026-07-01T10:00:07Z: Don't"}"#
        let d = compare(a, b)
        #expect(d.count == 1)
        #expect(at(a, d[0].leftSide.bytes) == #"\u02bc"# && at(b, d[0].rightSide.bytes) == "'")
        #expect(d[0].leftSide.before.contains("<uuid>"))
        // A change that touches a placeholder has no exact bytes on that side, and says why.
        let p = compare(#"{"system":"id 3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b"}"#,
                        #"{"system":"id 11111111-2222-4333-8444-555555555555"}"#, protected: ["3f2b8c1e"])
        #expect(p.count == 1 && p[0].rightSide.bytes == .unknown(.normalised))
        #expect(at(#"{"system":"id 3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b"}"#, p[0].leftSide.bytes) == "3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b")
    }

    @Test func insertedArrayElementsPointAtTheirOwnSide() {
        let a = #"{"messages":[{"role":"user","content":"hi"},{"role":"user","content":"Don\u02bct"}]}"#
        // Aligned: b's first element is new, a[1] pairs with b[2] (the path names a's index).
        let b = #"{"messages":[{"role":"user","content":"extra"},{"role":"user","content":"hi"},{"role":"user","content":"Don't"}]}"#
        let d = compare(a, b)
        #expect(d.count >= 1)
        for x in d {
            if let s = at(a, x.leftSide.bytes) { #expect(a.contains(s)) }
            if case .span = x.rightSide.bytes { #expect(at(b, x.rightSide.bytes) != nil) }
        }
        let covert = d.first { $0.kind == .covertChar }
        #expect(covert?.path == "$.messages[1].content")
        #expect(covert.map { at(b, $0.rightSide.bytes) } == "'")
        #expect(covert.map { at(a, $0.leftSide.bytes) } == #"\u02bc"#)
    }

    @Test func wholeValuesHeadersAndAbsentSides() {
        let a = #"{"max_tokens":64,"system":"x"}"#, b = #"{"max_tokens":128,"system":"x","stream":true}"#
        let d = compare(a, b)
        let tokens = d.first { $0.path == "$.max_tokens" }!, stream = d.first { $0.path == "$.stream" }!
        #expect(at(a, tokens.leftSide.bytes) == "64" && at(b, tokens.rightSide.bytes) == "128")
        #expect(stream.leftSide.bytes == .unknown(.absent) && at(b, stream.rightSide.bytes) == "true")
        var l = messages(system: "x"), r = messages(system: "x")
        l.headers.append(("User-Agent", "a/1"))
        r.headers.append(("User-Agent", "a/2"))
        let h = CompareEngine.compare([l], [r], normalizer: Normalizer(), attributor: Attributor(canaries: [])).differences
        #expect(h.count == 1 && h[0].leftSide.bytes == .unknown(.header))
    }

    @Test func scalarMapComposesPasses() {
        var m = ScalarMap.identity(10)
        m.replace([(range: 2 ..< 5, length: 1)])       // 0 1 [P0] 5 6 7 8 9
        m.replace([(range: 2 ..< 4, length: 3)])       // 0 1 [P1 covers 2..<6] 6 7 8 9
        #expect(m.original(0 ..< 2) == 0 ..< 2)
        #expect(m.original(5 ..< 7) == 6 ..< 8)
        #expect(m.original(1 ..< 3) == nil)
        #expect(m.original(2 ..< 2) == 2 ..< 2)
        #expect(m.original(9 ..< 9) == 10 ..< 10)
    }
}
