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
        // A zero-width space after every letter, on both sides of the junction: escaped and as sent.
        (#"{"messages":[{"role":"user","content":"A\u200bs\u200bi\u200ba\u200b/\u200bS\u200bh\u200ba\u200bn\u200bg"},{"role":"user","content":"h\u200ba\u200bi"}]}"#,
         "time zone", "A", "$.messages[0].content + $.messages[1].content"),
        ("{\"messages\":[{\"role\":\"user\",\"content\":\"A\u{200B}s\u{200B}i\u{200B}a\u{200B}/\u{200B}S\u{200B}h\u{200B}a\u{200B}n\u{200B}g\"},"
            + "{\"role\":\"user\",\"content\":\"h\u{200B}a\u{200B}i\"}]}",
         "time zone", "A", "$.messages[0].content + $.messages[1].content"),
        // An escape JSON does not have (`\A`) early in a long, disguised string: the read of
        // the text before the junction stopped there and held nothing (found by the scan fuzzer).
        ("{\"messages\":[{\"role\":\"user\",\"content\":\"\\A" + String(repeating: "X\u{200B}", count: 12)
            + " tz A\u{200B}s\u{200B}i\u{200B}a\u{200B}/\u{200B}S\u{200B}h\u{200B}a\u{200B}n\u{200B}g\"},"
            + "{\"role\":\"user\",\"content\":\"h\u{200B}a\u{200B}i\"}]}",
         "time zone", "A\u{200B}s\u{200B}i", "$.messages[0].content + $.messages[1].content"),
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

    /// The junction filter's own cases (HitSink+Joins.swift): one byte on a side (the runs
    /// of four that reach past the junction), and sides that are not ASCII (the view's bytes
    /// decide, raw, with no escape to fall back on).
    @Test(arguments: [
        (#"{"a":["x A","sia/Shanghai ok"]}"#, "A"),
        (#"{"a":["tz Asia/Shangha","i ok"]}"#, "Asia/Shangha"),
        (#"{"a":["tz As","ia/Shanghai"]}"#, "As"),
        ("{\"a\":[\"tz Ａｓｉａ／Ｓｈ\u{0430}\",\"nghai\"]}", "Ａ"),
        ("{\"a\":[\"tz Asia/Sh\",\"\u{0430}nghai ok\"]}", "Asia/Sh"),
        ("{\"a\":[\"tz Asia/Shang\u{200B}\",\"hai ok\"]}", "Asia/Shang"),
    ])
    func splitAtTheFilter(_ c: (body: String, at: String)) throws {
        let f = try #require(scan(c.body).first { $0.kind == .canary }, "\(scan(c.body).map(\.detail))")
        #expect(f.detail.hasPrefix("time zone \""), "\(f.detail)")
        #expect(f.offset == byteOffset(of: c.at, in: c.body))
    }

    /// The two strings of a stream join however many other streams come between them: the
    /// slot of `content` once went to whichever stream's hash met it (the scan fuzzer's case,
    /// keys with marks and a Cyrillic `а`), and to one of a thousand keys in between.
    @Test func streamsKeepTheirPlace() {
        // `a` as Cyrillic U+0430, U+0301 after every other letter, in keys and values alike.
        let mark = { (s: String) in String(s.flatMap { $0 == "a" ? "\u{430}" : $0.isLetter ? "\($0)\u{301}" : "\($0)" }) }
        let zws = { (s: String) in s.map(String.init).joined(separator: #"\u200b"#) }
        let message = { (text: String) in #"{"\#(mark("role"))":"\#(mark("user"))","\#(mark("content"))":"\#(zws(mark(text)))"}"# }
        let disguised = #"{"\#(mark("msesages"))":[\#(message("Asia/Shang")),\#(message("hai"))]}"#
        let between = (0 ..< 1000).map { #""k\#($0)":"v""# }.joined(separator: ",")
        let crowded = #"{"messages":[{"content":"tz Asia/Shang"},{\#(between)},{"content":"hai ok"}]}"#
        for (name, body) in [("disguised", disguised), ("crowded", crowded)] {
            guard let f = scan(body).first(where: { $0.kind == .canary }) else {
                Issue.record("no canary found in the \(name) body")
                continue
            }
            #expect(f.detail.hasPrefix("time zone \""), "\(f.detail)")
            #expect(f.path.contains(" + "))
        }
    }

    /// Prose in another script joins nothing, and a look-alike at a junction still does not
    /// make a canary of words that are none.
    @Test func otherScriptsJoinNothing() {
        let body = "{\"messages\":[{\"content\":[{\"type\":\"text\",\"text\":\"сервер отвечает\"},"
            + "{\"type\":\"text\",\"text\":\"запрос\"},{\"type\":\"text\",\"text\":\"ali\"},{\"type\":\"text\",\"text\":\"сe\"}]}]}"
        #expect(scan(body).filter { $0.kind == .canary }.isEmpty, "\(scan(body).map(\.detail))")
    }

    /// Strings the view leaves empty (a lone zero-width space or soft hyphen) between the
    /// letters of a canary: the read goes on past them however many there are. Covert
    /// characters are only reported by default, so the machine id cut this way (63 strings,
    /// more than the longest canary has bytes) went upstream.
    @Test(arguments: [#"\u200b"#, "\u{200B}", #"\u00ad"#])
    func emptyStringsBetweenTheLettersHideNothing(_ empty: String) {
        let body = #"{"stop":["# + sampleFacts().machineID.map { "\"\($0)\"" }.joined(separator: ",\"\(empty)\",") + "]}"
        let f = scan(body)
        #expect(f.contains { $0.kind == .canary && $0.detail.hasPrefix("machine-id \"3\" + ") }, "\(f.map(\.detail).prefix(3))")
        #expect(decide(f, modes: Profile.Modes(), rules: []) != .forward)
    }

    /// One-letter strings whose junctions each pass the pair filter (`a|i` is in `Shanghai`):
    /// enough of them spend the junction reads' budget, and what follows is read by the
    /// deferred pass (HitSink+JoinsDeferred.swift).
    static func pastTheBudget(_ body: String) -> String {
        #"{"zz":["# + Array(repeating: #""ia""#, count: 60_000).joined(separator: ",") + "]," + body.dropFirst()
    }

    /// The scan of `body` with the raw bytes its junction reads took.
    static func scanCounting(_ body: String) -> (findings: [Finding], work: Int) {
        let scanner = sampleScanner()
        return Array(body.utf8).withUnsafeBytes { raw in
            var sink = HitSink(body: raw)
            let walked = sink.scanJSON(matcher: scanner.matcher)
            #expect(walked)
            return (sink.finish(), sink.joinWork)
        }
    }

    @Test(arguments: split.indices)
    func splitCanaryIsFoundPastTheBudget(_ k: Int) throws {
        let c = JoinTests.split[k]
        let body = JoinTests.pastTheBudget(c.body)
        let (findings, work) = JoinTests.scanCounting(body)
        #expect(work > HitSink.joinBudget(bodySize: body.utf8.count), "the deferred pass did not run")
        let f = try #require(findings.first { $0.kind == .canary }, "\(findings.map(\.detail))")
        #expect(f.detail.hasPrefix(c.label + " \""), "\(f.detail)")
        #expect(f.path == c.path)
        #expect(f.offset == byteOffset(of: c.at, in: body))
    }

    @Test func noFalseJoinPastTheBudget() {
        for body in [#"{"messages":[{"content":"malice"},{"content":"and chalice"}]}"#,
                     #"{"a":["tz Asia","/Shanghaiese"]}"#, #"{"a":["mal","\u200b","ice"]}"#] {
            let findings = JoinTests.scanCounting(JoinTests.pastTheBudget(body)).findings
            #expect(findings.filter { $0.kind == .canary }.isEmpty, "\(findings.map(\.detail))")
        }
    }

    /// What the junction reads take is linear in the body whatever its strings: each read
    /// walks back as far as the longest canary, so one-letter strings (or strings the view
    /// leaves empty) cost that much per few bytes of the body, and seconds per MiB. Prompts
    /// stay far under the budget (their junctions are read one by one).
    @Test(arguments: [#""ia""#, #""é""#, #""\u00e9""#, #""\u200b""#, "\"\u{200B}\"", #""ia","\u200b""#, #""3","f","\u00ad""#])
    func junctionReadsAreLinear(_ item: String) {
        let body = #"{"stop":["# + Array(repeating: item, count: (1 << 20) / (item.utf8.count + 1)).joined(separator: ",") + "]}"
        let n = body.utf8.count
        let work = JoinTests.scanCounting(body).work
        #expect(work <= 2 * n, "\(work) bytes read at the junctions of a body of \(n)")
    }

    @Test func promptsStayUnderTheBudget() {
        let body = BenchCorpus.request(bytes: 1 << 20)
        let (_, work) = body.withUnsafeBytes { raw -> ([Finding], Int) in
            var sink = HitSink(body: raw)
            _ = sink.scanJSON(matcher: sampleScanner().matcher)
            return (sink.finish(), sink.joinWork)
        }
        #expect(work > 0 && work < HitSink.joinBudget(bodySize: body.count) / 8, "\(work)")
    }
}
