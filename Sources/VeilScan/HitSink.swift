// Scans one run of text (a decoded JSON string, a raw body, a header value) and collects
// findings. The C kernel (CVeilScanKernel) flags the rare positions worth a look, 64 bytes
// at a time; only those reach the scalar code below.

import CVeilScanKernel

struct HitSink {
    /// Where offsets point: the whole request body (or header value).
    let body: UnsafeRawBufferPointer
    var findings: [Finding] = []
    /// Per finding: raw offset of the string holding it, and its decoded range there.
    var meta: [(stringStart: Int, start: Int, end: Int)] = []
    /// Per finding: how many characters a merged run holds (its detail is written at the end).
    var runs: [Int] = []
    /// Raw body offset of the current text's first byte (0 when the text is the body).
    var base = 0
    /// Raw offset of the content of the JSON string being scanned (paths, run merging).
    var stringStart = 0
    /// The text was decoded from escapes: offsets map back through `JSONWalk.rawOffset`.
    var escaped = false
    /// The text is JSON string content read without decoding (its escapes are all single
    /// letters like `\n`): an escape letter is a word break, and a quote ends excerpts.
    var rawEscapes = false
    /// Excerpts start no earlier than this text position.
    var textStart = 0
    /// Positions below these were already consumed by a multi-byte check.
    var covertResume = 0
    var wordCheckedUntil = 0
    var dateResume = 0
    /// Findings kept in full. Past that, a finding is kept only when it is the first of its
    /// `FindingClass`, and the scan goes on to the end: a thousand ordinary curly quotes
    /// (recorded, never blocking) must not hide the host name after them.
    static let maxFindings = 1000
    /// How many findings of each class there are, kept as they come and go: rebuilt after
    /// each string rescanned decoded (which drops what its first look found), it cost a
    /// thousand findings per string of a body built of them (`["\u200b",…]`).
    var classCounts: [FindingClass: Int] = [:]
    /// A character the normalised view changes was found in the current text: it is looked
    /// at again normalised, for canaries it disguises (HitSink+Normalised.swift).
    var foldFound = false
    /// While that second look runs: the view, mapped to the original text.
    var view: View? = nil
    /// The strings of a JSON body as the walk passes them (HitSink+Joins.swift).
    var joins = Joins()
    /// Raw bytes the junction reads took, once the body is walked: linear in its size
    /// whatever its strings (the tests hold it to that).
    var joinWork = 0
    /// The junction reads' budget when not the usual (0: every junction of a stream is left
    /// to the deferred pass, which the fuzzer compares with reading them one by one).
    var joinBudget: Int? = nil
    /// The JSON container stack while a body is walked (nil otherwise), and its depth.
    var path: UnsafeMutablePointer<PathFrame>? = nil
    var depth = 0
    /// Deeper containers are counted but not tracked; their paths end in `…`.
    static let maxDepth = 256

    /// The profile's `own_typography`: look-alikes in these words are the agent's own.
    let ownTypography: Set<String>

    init(body: UnsafeRawBufferPointer, ownTypography: Set<String> = []) {
        self.body = body
        self.ownTypography = ownTypography
    }

    var isFull: Bool { findings.count >= HitSink.maxFindings }

    /// Blocks of 64 bytes the kernel classifies per call (its output lives on the stack).
    static let window = 64

    /// Scans a run of plain text: a raw body, a header value, a decoded JSON string.
    mutating func scanText(_ text: UnsafeRawBufferPointer, base: Int, stringStart: Int, escaped: Bool,
                           matcher m: Matcher) {
        guard let p = text.baseAddress, text.count > 0 else { return }
        self.base = base
        self.stringStart = stringStart
        self.escaped = escaped
        rawEscapes = false
        textStart = 0
        covertResume = 0; wordCheckedUntil = 0; dateResume = 0
        foldFound = false
        let first = findings.count
        scanRun(p, text.count, m)
        if foldFound { lookAgainNormalised(p, text.count, since: first, m) }
    }

    /// The kernel's flagged positions in `p[0 ..< n]`, each visited.
    mutating func scanRun(_ p: UnsafeRawPointer, _ n: Int, _ m: Matcher) {
        let tables = m.compiled.kernel
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: HitSink.window) { words in
            let out = words.baseAddress!
            var block = 0
            while block << 6 < n {
                let filled = veil_text_events(p, n, block << 6, HitSink.window, tables, out)
                var w = HitSink.nextWord(out, 0, filled)
                while w < filled {
                    var bits = out[w]
                    while bits != 0 {
                        let pos = (block + w) << 6 + bits.trailingZeroBitCount
                        if mustVisit(p, n, pos, m) { visit(p, n, pos, m) }
                        bits &= bits &- 1
                    }
                    w = HitSink.nextWord(out, w + 1, filled)
                }
                block += filled
            }
        }
    }

    /// The first of `out[from ..< end]` with a mark in it, or `end`. Out of line: most words
    /// are empty (prose has a mark every few hundred bytes), and in the walk's loop, whose
    /// registers the events take, the word's index lived on the stack, a store and a load
    /// per word: 15% of the scan of the proxy benchmark's body once the kernel had AVX-512.
    @inline(never)
    static func nextWord(_ out: UnsafeMutablePointer<UInt64>, _ from: Int, _ end: Int) -> Int {
        var w = from
        while w < end, out[w] == 0 { w += 1 }
        return w
    }

    /// Whether `visit` can do anything at `pos`: not at a lead byte no pattern is anchored
    /// at when it is inside a stretch already checked (a word of Russian prose: its letters
    /// after the first), in the second look (which reads anchors only), or when it starts a
    /// two-byte scalar neither covert nor changed by the view (Polish `ł`, Turkish `ş`: their
    /// lead bytes start `ſ` and `ı` too). Inlined: Russian and Polish prose have a mark at
    /// most letters, and the call was most of the cost of the ones that do nothing.
    @inline(__always)
    func mustVisit(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) -> Bool {
        let b = p.load(fromByteOffset: pos, as: UInt8.self)
        let c = m.compiled
        guard b >= 0x80, c.byteFlags[Int(b)] == 0 else { return true }
        guard view == nil, pos >= covertResume else { return false }
        guard b &- 0xC2 < 0x1E, pos + 1 < n else { return true }
        let b1 = p.load(fromByteOffset: pos + 1, as: UInt8.self)
        // Not a continuation byte: `covert` finds no scalar here either.
        return b1 & 0xC0 == 0x80 && c.traits(UInt32(b & 0x1F) << 6 | UInt32(b1 & 0x3F)) != 0
    }

    /// One flagged position: canary anchors first, then the character and date checks.
    /// Out of line: inlined, its many paths crowd the registers of the scan loops.
    @inline(never)
    mutating func visit(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) {
        let b = p.load(fromByteOffset: pos, as: UInt8.self)
        let b1: UInt8 = pos + 1 < n ? p.load(fromByteOffset: pos + 1, as: UInt8.self) : 0
        let c = m.compiled
        let fb = Int(Matcher.fold(b))
        let pair = c.pair(fb << 8 | Int(Matcher.fold(b1)))
        let flags = c.byteFlags[Int(b)]
        let single = flags & CompiledPatterns.singleFlag != 0 ? Int(c.singleIndex[fb]) : 0
        if pair | single != 0 { verify(pair, single, p, n, pos, m) }
        if flags & CompiledPatterns.rawFlag != 0 {
            let rp = c.pair(Matcher.key(b, b1, true)), rs = Int(c.singleIndex[Matcher.key(b, true)])
            if rp | rs != 0 { verify(rp, rs, p, n, pos, m) }
        }
        guard view == nil else { return }  // the second look is for canaries and rules only
        if b >= 0x80 {
            if pos >= covertResume { covert(p, n, pos, m) }
        } else if b < 0x20 || b == 0x7F {
            if Covert.classify(UInt32(b)) == .control {
                foldFound = true
                if pos >= covertResume { control(p, n, pos, 1, UInt32(b)) }
            }
        } else if b &- 0x30 < 10, m.hasDates, pos >= dateResume,
                  b1 == 0x2F || b1 == 0x2E || b1 == 0x2D {
            checkDate(p, n, pos, m)
        }
    }

    /// Full comparison of the patterns anchored here (buckets are 1-based, 0: none).
    @inline(never)
    private mutating func verify(_ pair: Int, _ single: Int, _ p: UnsafeRawPointer, _ n: Int, _ pos: Int,
                                 _ m: Matcher) {
        if pair != 0 { verifyBucket(pair - 1, p, n, pos, m) }
        if single != 0 { verifyBucket(single - 1, p, n, pos, m) }
    }

    private mutating func verifyBucket(_ bucket: Int, _ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) {
        let c = m.compiled
        for k in Int(c.bucketStart[bucket]) ..< Int(c.bucketStart[bucket + 1]) {
            let pi = Int(c.items[k])
            let s = pos - Int(c.infos[pi].anchor)
            if c.matches(pi, p, n, s, escapes: rawEscapes, breaks: view.map { breaks($0, s, s + Int(c.infos[pi].count)) }) {
                addPattern(m.patterns[pi], p, n, s, s + Int(c.infos[pi].count))
            }
        }
    }

    private mutating func addPattern(_ pat: Pattern, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) {
        // The text as it was sent, also when the match was made in the normalised view.
        let (os, oe) = original(s, e)
        let text = String(decoding: UnsafeRawBufferPointer(start: (view?.p ?? UnsafeRawPointer(p)) + os, count: oe - os),
                          as: UTF8.self)
        let cps = disguise(os, oe)
        if let rule = pat.rule {
            add(.rule, p, n, s, e, codePoints: cps, detail: "rule \"\(rule)\" forbids \"\(visible(text))\"", rule: rule)
        } else {
            add(.canary, p, n, s, e, codePoints: cps, detail: "\(pat.label) \"\(visible(text))\"")
        }
    }

    /// Records a finding for decoded range `s..<e` of the current text.
    mutating func add(_ kind: FindingKind, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int,
                      codePoints: [UInt32] = [], detail: @autoclosure () -> String, rule: String? = nil, word: String? = nil) {
        let own = word.map(ownTypography.contains) ?? false
        guard admit(FindingClass(kind, codePoints, rule, own: own)) else { return }
        // In the second look, positions count in the view; the finding's, in the original.
        let (start, end) = original(s, e)
        let offset = escaped ? JSONWalk.rawOffset(body, stringStart: stringStart, decoded: start) : base + start
        let shown = view.map { excerpt($0.p, $0.n, start, end) } ?? excerpt(p, n, s, e)
        var f = Finding(kind: kind, path: currentPath(), offset: offset, codePoints: codePoints, detail: detail(),
                        excerpt: shown, rule: rule)
        f.word = word
        if own { f.ownTypography = true }
        findings.append(f)
        meta.append(escaped ? (stringStart, start, end) : (stringStart, base + start, base + end))
        runs.append(1)
    }

    /// Below the cap, yes; past it, only the first of its class. The finding admitted must
    /// be appended.
    mutating func admit(_ c: FindingClass) -> Bool {
        if isFull, classCounts[c] != nil { return false }
        classCounts[c, default: 0] += 1
        return true
    }

    /// Findings `range` are about to go.
    private mutating func forget(_ range: Range<Int>) {
        for k in range { uncount(FindingClass(findings[k])) }
    }

    private mutating func uncount(_ c: FindingClass) {
        let left = classCounts[c, default: 1] - 1
        classCounts[c] = left > 0 ? left : nil
    }

    /// Extends the last finding when the same kind of character continues it: a run of 40
    /// zero-width characters is one finding, not 40.
    mutating func addCharacter(_ kind: FindingKind, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int,
                               _ cp: UInt32, word: String? = nil) {
        if let last = findings.indices.last, findings[last].kind == kind,
           meta[last].stringStart == stringStart, meta[last].end == s {
            if findings[last].codePoints.count < 64 {
                // Its class may change (typography no more).
                let was = FindingClass(findings[last])
                findings[last].codePoints.append(cp)
                let now = FindingClass(findings[last])
                if now != was {
                    uncount(was)
                    classCounts[now, default: 0] += 1
                }
            }
            meta[last].end = e
            runs[last] += 1
            return
        }
        add(kind, p, n, s, e, codePoints: [cp], detail: HitSink.describe([cp]), word: word)
    }

    /// `U+200B ZERO WIDTH SPACE ×3, U+200C ZERO WIDTH NON-JOINER`.
    static func describe(_ cps: [UInt32]) -> String {
        var order: [UInt32] = []
        var count: [UInt32: Int] = [:]
        for c in cps { if count[c] == nil { order.append(c) }; count[c, default: 0] += 1 }
        return order.prefix(8).map { c in
            describeCodePoint(c) + (count[c]! > 1 ? " ×\(count[c]!)" : "")
        }.joined(separator: ", ") + (order.count > 8 ? ", …" : "")
    }

    /// About 40 bytes around the match, cut at character boundaries and, in raw JSON, at
    /// the string's closing quote; made visible.
    func excerpt(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) -> String {
        var a = max(textStart, s - 20)
        var b = min(n, max(e, s + 1) + 20, s + 120)
        if rawEscapes {
            var k = e
            while k < b, !(Matcher.byte(p, k) == 0x22 && !Matcher.isEscapeLetter(p, k)) { k += 1 }
            b = k
        }
        while a > textStart, a < s, Matcher.byte(p, a) & 0xC0 == 0x80 { a -= 1 }
        while b < n, Matcher.byte(p, b) & 0xC0 == 0x80 { b += 1 }
        return visible(String(decoding: UnsafeRawBufferPointer(start: p + a, count: max(0, b - a)), as: UTF8.self))
    }

    mutating func dropFinding(at k: Int) {
        forget(k ..< k + 1)
        findings.remove(at: k)
        meta.remove(at: k)
        runs.remove(at: k)
    }

    /// Drops the findings made since `count` (a string about to be rescanned decoded).
    mutating func truncate(to count: Int) {
        forget(count ..< findings.count)
        findings.removeLast(findings.count - count)
        meta.removeLast(meta.count - count)
        runs.removeLast(runs.count - count)
    }
}
