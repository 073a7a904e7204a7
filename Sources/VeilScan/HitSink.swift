// Scans one run of text (a decoded JSON string, a raw body, a header value) and collects
// findings. The loop is the hot path of the inspector: 16 bytes per step through the SIMD
// prefilter, and only the rare positions it flags reach the scalar code below.

struct HitSink {
    /// Where offsets point: the whole request body (or header value).
    let body: UnsafeRawBufferPointer
    private(set) var findings: [Finding] = []
    /// Per finding: raw offset of the string holding it, and its decoded range there.
    var meta: [(stringStart: Int, start: Int, end: Int)] = []
    /// Raw offset of the current text's first byte; whether it was decoded from escapes.
    var rawStart = 0
    var escaped = false
    /// Positions below these were already consumed by a multi-byte check.
    var covertResume = 0
    var wordCheckedUntil = 0
    var dateResume = 0
    static let maxFindings = 1000

    init(body: UnsafeRawBufferPointer) { self.body = body }

    var isFull: Bool { findings.count >= HitSink.maxFindings }

    mutating func scanText(_ text: UnsafeRawBufferPointer, rawStart: Int, escaped: Bool, matcher: Matcher) {
        guard let p = text.baseAddress, text.count > 0, !isFull else { return }
        self.rawStart = rawStart
        self.escaped = escaped
        covertResume = 0; wordCheckedUntil = 0; dateResume = 0
        let n = text.count
        let table = matcher.prefilterTable
        var i = 0
        table.vectors.withUnsafeBufferPointer { vec in
            while i + 17 <= n {
                let v = p.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let v1 = p.loadUnaligned(fromByteOffset: i + 1, as: SIMD16<UInt8>.self)
                let bits = prefilter(v, v1, table, vec)
                if (bits.lo | bits.hi) != 0 {
                    var w = bits.lo & 0x8080_8080_8080_8080
                    while w != 0 { visit(p, n, i + w.trailingZeroBitCount >> 3, matcher); w &= w &- 1 }
                    w = bits.hi & 0x8080_8080_8080_8080
                    while w != 0 { visit(p, n, i + 8 + w.trailingZeroBitCount >> 3, matcher); w &= w &- 1 }
                }
                i += 16
            }
        }
        while i < n {
            if prefilterScalar(p, n, i, matcher) { visit(p, n, i, matcher) }
            i += 1
        }
    }

    /// One flagged position: canary anchors first, then the character and date checks.
    @inline(never)
    mutating func visit(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) {
        let b = p.load(fromByteOffset: pos, as: UInt8.self)
        let b1: UInt8 = pos + 1 < n ? p.load(fromByteOffset: pos + 1, as: UInt8.self) : 0
        if let hit = m.anchorBucket(b, b1) { verify(hit, p, n, pos, m) }
        if let hit = m.anchorBucketRaw(b, b1) { verify(hit, p, n, pos, m) }
        if b >= 0x80 {
            if pos >= covertResume { covert(p, n, pos, m) }
        } else if !m.dateRules.isEmpty, pos >= dateResume, b &- 0x30 < 10,
                  b1 == 0x2F || b1 == 0x2E || b1 == 0x2D {
            checkDate(p, n, pos, m)
        }
    }

    private mutating func verify(_ hit: (pair: Int?, single: Int?), _ p: UnsafeRawPointer, _ n: Int,
                                 _ pos: Int, _ m: Matcher) {
        for bucket in [hit.pair, hit.single] {
            guard let bucket else { continue }
            for pi in m.buckets[bucket] {
                let pat = m.patterns[pi]
                let s = pos - pat.anchor
                if s >= 0, s + pat.bytes.count <= n, Matcher.matches(pat, p, n, s) {
                    addPattern(pat, p, n, s, s + pat.bytes.count)
                }
            }
        }
    }

    private mutating func addPattern(_ pat: Pattern, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) {
        let text = String(decoding: UnsafeRawBufferPointer(start: p + s, count: e - s), as: UTF8.self)
        if let rule = pat.rule {
            add(.rule, p, n, s, e, detail: "rule \"\(rule)\" forbids \"\(visible(text))\"", rule: rule)
        } else {
            add(.canary, p, n, s, e, detail: "\(pat.label) \"\(visible(text))\"")
        }
    }

    /// Records a finding for decoded range `s..<e` of the current text.
    mutating func add(_ kind: FindingKind, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int,
                      codePoints: [UInt32] = [], detail: String, rule: String? = nil) {
        guard !isFull else { return }
        let offset = escaped ? JSONWalk.rawOffset(body, stringStart: rawStart, decoded: s) : rawStart + s
        findings.append(Finding(kind: kind, path: "$", offset: offset, codePoints: codePoints, detail: detail,
                                excerpt: HitSink.excerpt(p, n, s, e), rule: rule))
        meta.append((rawStart, s, e))
    }

    /// Extends the last finding when the same kind of character continues it: a run of 40
    /// zero-width characters is one finding, not 40.
    mutating func addCharacter(_ kind: FindingKind, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int,
                               _ cp: UInt32) {
        if let last = findings.indices.last, findings[last].kind == kind,
           meta[last].stringStart == rawStart, meta[last].end == s {
            if findings[last].codePoints.count < 64 { findings[last].codePoints.append(cp) }
            meta[last].end = e
            findings[last].detail = HitSink.describe(findings[last].codePoints)
            return
        }
        add(kind, p, n, s, e, codePoints: [cp], detail: HitSink.describe([cp]))
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

    /// About 40 bytes around the match, cut at character boundaries, made visible.
    static func excerpt(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) -> String {
        var a = max(0, s - 20)
        var b = min(n, max(e, s + 1) + 20, s + 120)
        while a > 0, a < s, p.load(fromByteOffset: a, as: UInt8.self) & 0xC0 == 0x80 { a -= 1 }
        while b < n, p.load(fromByteOffset: b, as: UInt8.self) & 0xC0 == 0x80 { b += 1 }
        return visible(String(decoding: UnsafeRawBufferPointer(start: p + a, count: b - a), as: UTF8.self))
    }
}
