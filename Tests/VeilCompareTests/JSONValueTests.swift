import Testing
@testable import VeilCompare

@Suite struct JSONValueTests {
    @Test func parsesInOrderAndKeepsNumberText() throws {
        let v = try JSONValue.parse(#"{"b":1.50,"a":[true,null,"x"],"c":{"d":-2e3}}"#)
        guard case .object(let m) = v else { Issue.record("not an object"); return }
        #expect(m.map(\.0) == ["b", "a", "c"])
        #expect(v["b"] == .number("1.50"))
        #expect(v["c"]?["d"] == .number("-2e3"))
        #expect(v.rendered() == #"{"b":1.50,"a":[true,null,"x"],"c":{"d":-2e3}}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try JSONValue.parse(#""don\u02bct \ud83d\ude00 \"q\" \\ \n""#)
        #expect(v == .string("don\u{02BC}t \u{1F600} \"q\" \\ \n"))
    }

    @Test func rejectsGarbage() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\":}") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1,2") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{} x") }
    }

    @Test func quotesControlCharacters() {
        #expect(JSONValue.quote("a\u{1}b\"\u{2028}") == #""a\u0001b\"\u2028""#)
    }
}
