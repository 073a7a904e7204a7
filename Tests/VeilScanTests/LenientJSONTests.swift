import Testing
import VeilProfile
@testable import VeilScan

/// Bodies the walk refuses but a lenient reader takes (the fourth red team's bypasses): they
/// are scanned as text, and with JSON's escapes decoded too, so an escaped canary is found.
struct LenientJSONTests {
    static let id = sampleFacts().machineID
    static let escaped = id.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
    static let message = #"{"model":"m","messages":[{"role":"user","content":"id \#(escaped)"}]}"#

    @Test(arguments: [
        ("a UTF-8 BOM before the document", "\u{FEFF}" + message),
        ("NaN, which Python's json takes", message.replacingOccurrences(of: #""model":"m","#, with: #""model":"m","temperature":NaN,"#)),
        ("-Infinity", message.replacingOccurrences(of: #""model":"m","#, with: #""top_k":-Infinity,"model":"m","#)),
        ("two documents", #"{"a":1}"# + message),
        ("a JSONL line in a multipart part", "--B\r\ncontent-type: application/jsonl\r\n\r\n\(message)\n--B--\r\n"),
        ("half escaped, after a BOM", "\u{FEFF}" + message.replacingOccurrences(of: String(escaped.prefix(16 * 6)), with: String(id.prefix(16)))),
    ])
    func anEscapedCanaryInTextIsFound(_ c: (why: String, body: String)) throws {
        let findings = scan(c.body)
        let f = try #require(findings.first { $0.kind == .canary }, "\(c.why): \(findings.map(\.detail))")
        #expect(f.detail.hasPrefix("machine-id"), "\(f.detail)")
        #expect(decide(findings, modes: Profile.Modes(), rules: []) != .forward, "\(c.why)")
        // At the escape that starts it, in the body as sent.
        let raw = Array(c.body.utf8)
        #expect(f.offset < raw.count && raw[f.offset] == UInt8(ascii: "\\") || c.why.hasPrefix("half"), "\(f.offset)")
    }

    @Test func escapesAreDecodedWhereverTheyAre() {
        let text = #"a\u0033b\/c\q\ud83d\ude00\"#
        let decoded = Array(text.utf8).withUnsafeBytes { JSONWalk.decodingEveryEscape($0) }
        #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == "a3b/c\\q😀\\")
        // Back to where each decoded byte came from: `3` at its escape, `😀`'s bytes at theirs.
        let raw = Array(text.utf8).withUnsafeBytes { JSONWalk.rawOffsetsDecodingEveryEscape($0, [0, 1, 2, 4, 6, 9, 12, 7]) }
        #expect(raw == [0, 1, 7, 10, 12, 13, 25, 13])
        #expect(Array("no escape".utf8).withUnsafeBytes { JSONWalk.decodingEveryEscape($0) } == nil)
    }

    /// Well-formed JSON is not scanned twice: its escapes are decoded string by string.
    @Test func wellFormedJSONIsWalked() {
        let findings = scan(LenientJSONTests.message)
        #expect(findings.filter { $0.kind == .canary }.count == 1)
        #expect(findings.first?.path == "$.messages[0].content")
    }
}
