import Testing
import VeilProfile
@testable import VeilScan

/// decide(): pure, by finding kind, profile modes and per-rule modes.
struct DecideTests {
    static func finding(_ kind: FindingKind, _ cps: [UInt32] = [], rule: String? = nil) -> Finding {
        Finding(kind: kind, path: "$.system", offset: 7, codePoints: cps, detail: "d", excerpt: "e", rule: rule)
    }

    static var blockAll: Profile.Modes {
        var m = Profile.Modes()
        m.canary = .block; m.tag = .block; m.covert = .block; m.rule = .block
        return m
    }

    static var reportAll: Profile.Modes {
        var m = Profile.Modes()
        m.canary = .report; m.tag = .report; m.covert = .report; m.rule = .report
        return m
    }

    @Test(arguments: [
        // Defaults: block canaries and tags, report the rest.
        ([finding(.canary)], Profile.Modes(), true),
        ([finding(.tag, [0xE0068])], Profile.Modes(), true),
        ([finding(.invisible, [0x200B])], Profile.Modes(), false),
        ([finding(.lookalike, [0x02BC])], Profile.Modes(), false),
        ([finding(.mixedScript, [0x0430])], Profile.Modes(), false),
        ([finding(.unusualSpace, [0xA0])], Profile.Modes(), false),
        ([finding(.variationSelector, [0xFE01])], Profile.Modes(), false),
        ([finding(.rule, rule: "r")], Profile.Modes(), false),
        ([], blockAll, false),
        // Covert set to block: real look-alikes block, typography never does.
        ([finding(.lookalike, [0x02BC])], blockAll, true),
        ([finding(.lookalike, [0x2019])], blockAll, false),
        ([finding(.lookalike, [0x2019, 0x2019, 0x2014])], blockAll, false),
        ([finding(.lookalike, [0x2019, 0xFF07])], blockAll, true),
        ([finding(.invisible, [0x200B])], blockAll, true),
        // Everything reported.
        ([finding(.canary), finding(.tag, [0xE0041])], reportAll, false),
        // A rule's own mode wins over the profile's rule mode.
        ([finding(.rule, rule: "strict")], Profile.Modes(), true),
        ([finding(.rule, rule: "lenient")], blockAll, false),
    ])
    func decision(_ findings: [Finding], _ modes: Profile.Modes, _ blocks: Bool) {
        let rules = [Profile.Rule(name: "strict", kind: .forbid, pattern: "x", mode: .block),
                     Profile.Rule(name: "lenient", kind: .forbid, pattern: "y", mode: .report)]
        let d = decide(findings, modes: modes, rules: rules)
        if blocks {
            guard case .block = d else { Issue.record("expected block, got \(d)"); return }
        } else {
            #expect(d == .forward)
        }
    }

    @Test func reasonSaysWhatAndWhere() {
        let f = Finding(kind: .canary, path: "$.messages[0].content", offset: 42, detail: "user name \"alice\"", excerpt: "")
        let d = decide([f, f], modes: Profile.Modes(), rules: [])
        #expect(d == .block(reason: "canary user name \"alice\" at $.messages[0].content (byte 42) and 1 more"))
    }

    /// Past the cap on findings the scan goes on, keeping the first of each class: a
    /// thousand ordinary curly quotes (recorded, never blocking) cannot hide the canary after
    /// them, nor one zero-width space a thousand canaries.
    @Test func theCapOnFindingsHidesNothingThatBlocks() {
        let modes = Profile.Modes()
        let quotes = scan(userText(String(repeating: "don’t ", count: 3000) + "on alice-thinkpad"))
        #expect(quotes.count <= HitSink.maxFindings + 1)
        #expect(quotes.last?.kind == .canary)
        #expect(decide(quotes, modes: modes, rules: []) != .forward)

        let canaries = scan(userText(String(repeating: "alice ", count: 1500) + "a\u{200B}b \u{E0041}"))
        #expect(canaries.map(\.kind).suffix(2) == [.invisible, .tag])
        var covert = modes
        covert.canary = .report
        #expect(decide(canaries, modes: covert, rules: []) != .forward)

        // A string rescanned decoded (its `\u00e9`) drops what its first look found, the
        // canary too, and finds it again: past the cap it is still the first of its class.
        let quotesFirst = String(repeating: "don’t ", count: 1500)
        let rescanned = scan(#"{"messages":[{"role":"user","content":"\#(quotesFirst)"},{"role":"user","content":"on alice-thinkpad \u00e9"}]}"#)
        #expect(rescanned.last?.kind == .canary, "\(rescanned.suffix(2).map(\.detail))")
        #expect(decide(rescanned, modes: modes, rules: []) != .forward)
    }

    /// End to end: a planted canary blocks with the default modes; ordinary prose forwards.
    @Test func scanThenDecide() {
        let modes = Profile.Modes()
        #expect(decide(scan(userText("my home is /home/alice")), modes: modes, rules: []) != .forward)
        #expect(decide(scan(userText("I don’t think “so” — it’s fine")), modes: modes, rules: []) == .forward)
    }
}
