import Testing
import VeilProfile
@testable import VeilScan

/// A canary split across the strings of one request is read as the model reads it: whole.
struct JoinTests {
    static let split: [(body: String, label: String, at: String, path: String)] = [
        (#"{"messages":[{"role":"user","content":[{"type":"text","text":"tz Asia/Shang"},{"type":"text","text":"hai ok"}]}]}"#,
         "time zone", "Asia/Shang", "$.messages[0].content[0].text + $.messages[0].content[1].text"),
        (#"{"messages":[{"role":"user","content":"I am ali"},{"role":"assistant","content":"ce-thinkpad"}]}"#,
         "host name", "ali", "$.messages[0].content + $.messages[1].content"),
        (#"{"metadata":{"/home/al":"ice/src"}}"#, "home path", "/home/al", #"$.metadata["/home/al"] + $.metadata["/home/al"]"#),
        (#"{"stop":["A","s","i","a","/","S","h","a","n","g","h","a","i"]}"#, "time zone", "A", "$.stop[0] + $.stop[1] + $.stop[2] + $.stop[3] + $.stop[4] + $.stop[5] + $.stop[6] + $.stop[7] + $.stop[8] + $.stop[9] + $.stop[10] + $.stop[11] + $.stop[12]"),
        (#"{"messages":[{"content":[{"type":"text","text":"tz Ａｓｉａ／Ｓｈ"},{"type":"text","text":"\u0430nghai"}]}]}"#,
         "time zone", "Ａ", "$.messages[0].content[0].text + $.messages[0].content[1].text"),
        (#"{"messages":[{"content":[{"type":"text","text":"offset +08"},{"type":"text","text":":00 now"}]}]}"#,
         "time zone offset", "+08", "$.messages[0].content[0].text + $.messages[0].content[1].text"),
    ]

    @Test(arguments: split.indices)
    func splitCanaryIsFound(_ k: Int) throws {
        let c = JoinTests.split[k]
        let findings = scan(c.body)
        let f = try #require(findings.first { $0.kind == .canary }, "\(findings)")
        #expect(f.detail.hasPrefix(c.label + " \""), "\(f.detail)")
        #expect(f.path == c.path)
        #expect(f.offset == byteOffset(of: c.at, in: c.body))
        #expect(decide(findings, modes: Profile.Modes(), rules: []) != .forward)
    }

    @Test func detailNamesThePieces() throws {
        let f = try #require(scan(JoinTests.split[0].body).first)
        #expect(f.detail == #"time zone "Asia/Shang" + "hai""#)
        #expect(f.codePoints.isEmpty)
        let g = try #require(scan(JoinTests.split[4].body).first { $0.kind == .canary })
        #expect(g.codePoints.contains(0x0430) && g.codePoints.contains(0xFF21))
    }

    /// Strings that merely follow each other, or whose join reads as no canary.
    @Test(arguments: [
        #"{"messages":[{"role":"user","content":[{"type":"text","text":"Asia"},{"type":"text","text":"/Shanghaiese"}]}]}"#,
        #"{"a":"ali","b":"ce-thinkpad"}"#,
        #"{"messages":[{"content":"malice"},{"content":"and chalice"}]}"#,
        #"{"v":["1.2.3+","0800"],"w":["2026","+0800x"]}"#,
    ])
    func noFalseJoin(_ body: String) {
        #expect(scan(body).filter { $0.kind == .canary }.isEmpty, "\(scan(body).map(\.detail))")
    }
}
