import CVeilScanKernel
import Testing
import VeilProfile
@testable import VeilScan

// The C kernel against a byte-at-a-time reference of what its header promises, on every
// instruction set this machine runs (AVX-512, AVX2, SSSE3, portable C), and its prefilter tables
// against the patterns they stand for: a bucket may let too much through, never too little.

struct KernelTests {
    static let isas = Array(0 ... veil_kernel_best_isa())

    /// A matcher whose anchors do not fit eight buckets one to one, so buckets are merged.
    static let crowded = Matcher(
        canaries: sampleFacts().canaries(),
        rules: [Profile.Rule(name: "d", kind: .isoDate)] + ["secret", "Project X", "qux", "zap!", "k8s", "foo|bar",
            "naïve", "~/.ssh", "#tag", "$HOME", "%20", "@corp", "Jj9", "QQQ", "0x7F"].map {
            Profile.Rule(name: $0, kind: .forbid, pattern: $0)
        })

    /// The kernel's test of a position, from its tables (laid out end to end, 16 bytes each).
    static func hits(_ t: veil_kernel_tables, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        withUnsafeBytes(of: t) { r in
            r[Int(b & 15)] & r[16 + Int(b >> 4)] & r[32 + Int(c & 15)] & r[48 + Int(c >> 4)]
                & r[64 + Int(d & 15)] & r[80 + Int(d >> 4)] != 0
        }
    }

    /// Every way a pattern can occur, in any case its comparison allows, hits at its anchor;
    /// so does every digit, separator, digit.
    @Test(arguments: [sampleScanner(rules: [Profile.Rule(name: "d", kind: .isoDate)]).matcher, crowded])
    func bucketsCoverEveryPattern(_ m: Matcher) {
        let t = m.compiled.kernel.pointee
        func cases(_ b: UInt8, _ exact: Bool) -> [UInt8] { exact || b &- 0x61 >= 26 ? [b] : [b, b - 0x20] }
        for p in m.patterns {
            let src = Array((p.exactCase ? p.bytes : p.folded)[p.anchor...]) + [0, 0]
            for b in cases(src[0], p.exactCase) {
                for c in src.count > 3 ? cases(src[1], p.exactCase) : Array(0 ... 255) {
                    for d in src.count > 4 ? cases(src[2], p.exactCase) : Array(0 ... 255) {
                        #expect(KernelTests.hits(t, b, c, d), "\(p.label) at \(p.anchor): \(b) \(c) \(d)")
                    }
                }
            }
        }
        for b in Array("0123456789".utf8) {
            for c in Array("/.-".utf8) { for d in Array("0123456789".utf8) { #expect(KernelTests.hits(t, b, c, d)) } }
        }
    }

    /// Only lead bytes are visited, and only those some covert character starts with or the
    /// normalised view changes: every scalar that `Covert.classify` does not call `.none`, and
    /// every one `Fold` changes (else a text holding only those is never looked at through
    /// the view: `user ɑlice`), must start with flagged bytes.
    @Test func covertStartsCoverEveryCovertOrFoldedScalar() {
        var needed = Set<[UInt8]>()
        for cp in UInt32(0x80) ... 0x10FFFF where !(0xD800 ... 0xDFFF).contains(cp) {
            if Covert.classify(cp) != .none || Fold.changes(cp) {
                needed.insert(Array(Array(String(UnicodeScalar(cp)!).utf8)[0 ..< (cp < 0x800 ? 2 : 3)]))
            }
        }
        for bytes in needed {
            let marked = veil_kernel_covert_start(bytes[0], bytes[1], bytes.count > 2 ? bytes[2] : 0x80) != 0
            #expect(marked, "bytes \(bytes) start covert or folded characters")
        }
        for b in 0 ..< 0xC2 {
            for c in 0 ... 255 {
                let marked = veil_kernel_covert_start(UInt8(b), UInt8(c), 0x80) != 0
                let control = b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D || b == 0x7F
                #expect(marked == control, "byte \(b) is a control, other ASCII or a continuation byte")
            }
        }
        // Most accented Latin, CJK: the bulk of non-English prompts, and emoji, of chat: never visited.
        for b: UInt8 in [0xC3, 0xC6, 0xC8, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9] {
            #expect(veil_kernel_covert_start(b, 0x80, 0x80) == 0)
        }
        #expect(veil_kernel_covert_start(0xF0, 0x9F, 0x98) == 0)  // 😀
        #expect(veil_kernel_covert_start(0xF0, 0x9F, 0x84) != 0)  // U+1F130 SQUARED LATIN CAPITAL LETTER A
        #expect(veil_kernel_covert_start(0xF3, 0xA0, 0x80) != 0)  // tags
    }

    @Test func jsonBytesOutsideStrings() {
        var t = veil_kernel_tables()
        var carry = veil_json_carry()
        var out = [UInt64](repeating: 0, count: 1)
        for isa in KernelTests.isas {
            t.isa = isa
            for b in 0 ..< 256 where b != 0x22 {
                carry = veil_json_carry()
                let body: [UInt8] = [0x5B, UInt8(b), 0x5D]
                let r = veil_json_events(body, body.count, 0, 1, &t, &carry, &out)
                #expect((r < 0) == (JSONWalk.outside[b] == 2), "byte \(b), isa \(isa)")
            }
        }
    }

    /// The header's promise, one byte at a time; nil when a byte outside strings is not JSON.
    static func reference(_ p: [UInt8], _ t: veil_kernel_tables) -> [UInt64]? {
        var out = [UInt64](repeating: 0, count: (p.count + 63) / 64)
        func mark(_ i: Int) { out[i >> 6] |= 1 << UInt64(i & 63) }
        func at(_ i: Int) -> UInt8 { i < p.count ? p[i] : 0 }
        var i = 0, inString = false
        while i < p.count {
            let b = p[i]
            if !inString {
                if b == 0x22 { inString = true; mark(i) }
                else if JSONWalk.outside[Int(b)] == 2 { return nil }
                else if JSONWalk.outside[Int(b)] >= 3 { mark(i) }
            } else if b == 0x22 {
                inString = false; mark(i)
            } else if b == 0x5C {
                if Array("u/bf".utf8).contains(at(i + 1)) { mark(i) }
                i += 1
            } else if veil_kernel_covert_start(b, at(i + 1), at(i + 2)) != 0 || hits(t, b, at(i + 1), at(i + 2)) {
                mark(i)
            }
            i += 1
        }
        return out
    }

    /// Bodies made of the bytes that matter: quotes, backslash runs, `u`, `/`, anchors,
    /// non-ASCII, structure, sometimes a byte that is not JSON.
    static func bodies() -> [[UInt8]] {
        var rng = BenchCorpus.LCG(s: 7)
        let alphabet = Array("\"\"\\\\\\u/bfnace{}[],: +08Ch1x2éа😀🄰ı".utf8) + [0xE2, 0x80, 0x8B, 0xF0, 0x9F, 0x7F, 0x01]
        var out: [[UInt8]] = []
        for k in 0 ..< 400 {
            var b: [UInt8] = [0x7B]
            for _ in 0 ..< rng.next() % 300 { b.append(alphabet[rng.next() % alphabet.count]) }
            if k % 7 == 0 { b.append(UInt8(rng.next() % 256)) }
            out.append(b)
        }
        out.append(BenchCorpus.request(bytes: 64 << 10))
        return out
    }

    @Test func jsonEventsMatchTheReference() {
        let m = KernelTests.crowded
        var t = m.compiled.kernel.pointee
        for body in KernelTests.bodies() {
            let expected = KernelTests.reference(body, t)
            for isa in KernelTests.isas {
                t.isa = isa
                // Three blocks per call, so that carries cross calls too.
                var out = [UInt64](repeating: 0, count: (body.count + 63) / 64 + 3)
                var carry = veil_json_carry()
                var block = 0, failed = false
                while block * 64 < body.count {
                    let r = out.withUnsafeMutableBufferPointer {
                        veil_json_events(body, body.count, block * 64, 3, &t, &carry, $0.baseAddress! + block)
                    }
                    if r < 0 { failed = true; break }
                    block += r
                }
                if let expected {
                    #expect(!failed && Array(out.prefix(expected.count)) == expected, "isa \(isa), \(body.count) bytes")
                } else {
                    #expect(failed, "isa \(isa), \(body.count) bytes")
                }
            }
        }
    }

    /// The scanner's findings, not only the kernel's bits, are the same on every instruction
    /// set: random bodies, and canaries, escapes and covert characters at every offset around
    /// a block's edge (the AVX-512 block is one load, the AVX2 one two, SSSE3 four).
    @Test func findingsAgreeAcrossInstructionSets() {
        let scanner = sampleScanner(rules: [Profile.Rule(name: "d", kind: .isoDate),
                                            Profile.Rule(name: "x", kind: .forbid, pattern: "Project X")])
        let m = scanner.matcher
        let best = m.compiled.kernel.pointee.isa
        defer { m.compiled.kernel.pointee.isa = best }
        var bodies = KernelTests.bodies()
        for piece in [#"Asia/Shanghai"#, #"\u0041sia\/Shanghai"#, "alice\u{200B}", #"\"alice\""#, #"\\"#, "Project X",
                      "2026/07/01", "а", "\u{E0041}\u{E0042}", #"\b\f"#, "😀\u{200D}😀", #"","text":"Shang"#] {
            for pad in 50 ..< 130 {
                let text = String(repeating: "x", count: pad) + " " + piece + " tail"
                bodies.append(Array(#"{"messages":[{"content":"\#(text)"},{"content":"hai"}]}"#.utf8))
            }
        }
        for body in bodies {
            m.compiled.kernel.pointee.isa = 0
            let reference = scanner.scanBody(body, api: .anthropic)
            for isa in KernelTests.isas.dropFirst() {
                m.compiled.kernel.pointee.isa = isa
                #expect(scanner.scanBody(body, api: .anthropic) == reference, "isa \(isa), \(String(decoding: body, as: UTF8.self))")
            }
        }
    }

    @Test func textEventsAgreeAcrossInstructionSets() {
        var t = KernelTests.crowded.compiled.kernel.pointee
        for body in KernelTests.bodies() {
            var results: [[UInt64]] = []
            for isa in KernelTests.isas {
                t.isa = isa
                var out = [UInt64](repeating: 0, count: (body.count + 63) / 64)
                #expect(veil_text_events(body, body.count, 0, out.count, &t, &out) == out.count)
                results.append(out)
            }
            #expect(Set(results).count == 1)
        }
    }
}
