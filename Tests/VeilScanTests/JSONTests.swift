import Testing
@testable import VeilScan

/// The walk over the body: paths, keys, non-JSON and malformed JSON.
struct JSONTests {
    @Test(arguments: [
        (#"{"system":"at /home/alice"}"#, "$.system"),
        (#"{"system":[{"type":"text","text":"x"},{"type":"text","text":"at /home/alice"}]}"#, "$.system[1].text"),
        (#"{"tools":[{"name":"a"},{"name":"b"},{"name":"c","description":"for /home/alice"}]}"#, "$.tools[2].description"),
        (#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","input":{"path":"/home/alice/x"}}]}]}"#,
         "$.messages[1].content[0].input.path"),
        (#"{"a b":{"c\"d":["/home/alice"]}}"#, #"$["a b"]["c\"d"][0]"#),
        (#"{"esc\u0061ped":"/home/alice"}"#, "$.escaped"),
        (#"[{"x":1,"y":[true,null,-1.5e3,"/home/alice"]}]"#, "$[0].y[3]"),
        ("{\n  \"pretty\": {\n    \"deep\": \"/home/alice\"\n  }\n}\n", "$.pretty.deep"),
    ])
    func pathOfFinding(_ body: String, _ path: String) throws {
        let f = try #require(scan(body, api: .unknown).first)
        #expect(f.path == path)
        #expect(f.offset == byteOffset(of: "/home/alice", in: body))
    }

    /// Not JSON, or JSON that does not parse: every byte is text, path `$`.
    @Test(arguments: [
        "plain text from /home/alice",
        #"{"unterminated": "/home/alice"#,
        #"{"a":"x"} trailing /home/alice"#,
        #"{"a":"x", /home/alice}"#,
        #"{"a":"x"}}"#  + " /home/alice",
        "",
    ])
    func nonJSONIsScannedRaw(_ body: String) {
        let findings = scan(body)
        if body.isEmpty { #expect(findings.isEmpty); return }
        #expect(findings.count == 1)
        #expect(findings.first?.path == "$")
        #expect(findings.first?.offset == byteOffset(of: "/home/alice", in: body))
    }

    /// Outside strings the kernel lets through only bytes that numbers, literals and
    /// whitespace are made of, in any order. A bare host address or time zone offset spelled
    /// with them is not JSON: the body is scanned as text, and the canary is found.
    @Test(arguments: [
        #"{"model":"m","x": 192.168.3.17}"#, #"{"a": +08:00}"#, #"{"a":"b" 114.114.114.114}"#,
        #"[1, 114.114.114.114]"#, #"{"a":1 +0800}"#, #"[0 192.168.3.17]"#, #"{"a": 192.168.3.17 }"#,
    ])
    func bareCanaryOutsideStringsIsFound(_ body: String) {
        let findings = scan(body).filter { $0.kind == .canary }
        #expect(findings.count == 1 && findings.first?.path == "$", "\(findings)")
    }

    /// Every kind of JSON number and literal still walks as JSON.
    @Test func numbersAndLiteralsAreJSON() {
        let body = #"{"n": -1.5e+3, "m" : 0, "t":true,"f":false, "z" :null, "a":[0, 10, 2.0E-7, -0.5, 1e9],"s":"alice"}"#
        #expect(scan(body).map(\.path) == ["$.s"])
    }

    @Test func everyStringIsScannedWhateverTheAPI() {
        let body = #"{"contents":[{"parts":[{"text":"hi"}]}],"systemInstruction":{"parts":[{"text":"Asia/Shanghai"}]}}"#
        for api in [APIKind.gemini, .openai, .anthropic, .unknown] {
            #expect(scan(body, api: api).first?.path == "$.systemInstruction.parts[0].text")
        }
    }

    /// Findings in a long body come back in order with exact offsets (the SIMD blocks,
    /// the tail and long strings agree).
    @Test func offsetsAcrossBlocks() {
        for pad in 0 ..< 40 {
            let filler = String(repeating: "x ", count: pad)
            let body = userText(filler + "a\u{200B}b " + filler + "by alice " + String(repeating: "y", count: pad % 7))
            let findings = scan(body)
            #expect(findings.map(\.kind) == [.invisible, .canary], "pad \(pad)")
            #expect(findings.first?.offset == byteOffset(of: "\u{200B}", in: body))
            #expect(findings.last?.offset == byteOffset(of: "alice", in: body))
        }
    }

    @Test func scanBodyFromRawPointerMatchesArray() {
        let body = Array(userText("don\u{02BC}t tell alice").utf8)
        let s = sampleScanner()
        let a = s.scanBody(body, api: .anthropic)
        let b = body.withUnsafeBytes { s.scanBody($0, api: .anthropic) }
        #expect(a == b)
        #expect(a.count == 2)
    }
}
