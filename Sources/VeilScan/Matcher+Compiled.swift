// The matcher's tables as plain memory for the hot path. Reading `[Pattern]` or `[[Int]]`
// out of a class costs retains and releases at every prefilter hit (there are tens of
// thousands per MiB); these pointers cost nothing. Built once per run, never mutated.

import CVeilScanKernel

/// One pattern, without references: its bytes live in the arena.
struct PatternInfo {
    var start: Int32
    var count: Int32
    var anchor: Int32
    var exactCase: Bool
    /// Holds `"` or `\`: in raw JSON text those bytes are a string's quotes or part of an
    /// escape, so a match there would straddle them (it can still match decoded text).
    var jsonSyntax: Bool
    var before: Edge
    var after: Edge
}

final class CompiledPatterns: @unchecked Sendable {
    let infos: UnsafeMutableBufferPointer<PatternInfo>
    /// Folded bytes (raw for exact-case patterns), all patterns end to end.
    let arena: UnsafeMutableBufferPointer<UInt8>
    /// Bucket b holds `items[bucketStart[b] ..< bucketStart[b + 1]]` (pattern indexes).
    let bucketStart: UnsafeMutableBufferPointer<Int32>
    let items: UnsafeMutableBufferPointer<Int32>
    /// `Matcher.key(…)` → 1 + bucket, 0 for none.
    let pairIndex: UnsafeMutableBufferPointer<UInt16>
    let singleIndex: UnsafeMutableBufferPointer<UInt16>
    /// One bit per `pairIndex` entry (16 KiB, stays in L1): most prefilter hits are
    /// turned away here without touching the 256 KiB index.
    let pairBits: UnsafeMutableBufferPointer<UInt64>
    /// Per raw byte: `singleFlag` when its folded form anchors a single-byte pattern,
    /// `rawFlag` when it starts an exact-case anchor, `pairFlag` when its folded form starts
    /// any other; 0: no pattern is anchored at this byte.
    let byteFlags: UnsafeMutableBufferPointer<UInt8>
    static let singleFlag: UInt8 = 1, rawFlag: UInt8 = 2, pairFlag: UInt8 = 4
    /// The prefilter of the C kernel (Matcher+Prefilter.swift).
    let kernel: UnsafeMutablePointer<veil_kernel_tables>
    /// Per scalar below U+0800, what the scan asks of it without a call: `changedTrait` (the
    /// view changes it), `covertTrait` (Covert.classify is not .none), `letterTrait` (it is a
    /// `.confusableLetter`). The kernel marks lead bytes, not scalars: `ł` shares C5 with `ſ`,
    /// and a visit of it does nothing; a Russian word's letters are read here one by one.
    let traits = CompiledPatterns.scalarTraits
    static let changedTrait: UInt8 = 1, covertTrait: UInt8 = 2, letterTrait: UInt8 = 4

    init(patterns ps: [Pattern], buckets: [[Int]], pairIndex: [UInt16], singleIndex: [UInt16],
         kernel: veil_kernel_tables) {
        self.kernel = .allocate(capacity: 1)
        self.kernel.initialize(to: kernel)
        infos = .allocate(capacity: max(1, ps.count))
        let total = ps.reduce(0) { $0 + $1.bytes.count }
        arena = .allocate(capacity: max(1, total))
        var at = 0
        for (k, p) in ps.enumerated() {
            let src = p.exactCase ? p.bytes : p.folded
            for (j, b) in src.enumerated() { arena[at + j] = b }
            infos[k] = PatternInfo(start: Int32(at), count: Int32(src.count), anchor: Int32(p.anchor),
                                   exactCase: p.exactCase, jsonSyntax: src.contains(0x22) || src.contains(0x5C),
                                   before: p.before, after: p.after)
            at += src.count
        }
        bucketStart = .allocate(capacity: buckets.count + 1)
        items = .allocate(capacity: max(1, buckets.reduce(0) { $0 + $1.count }))
        var n = 0
        for (b, list) in buckets.enumerated() {
            bucketStart[b] = Int32(n)
            for i in list { items[n] = Int32(i); n += 1 }
        }
        bucketStart[buckets.count] = Int32(n)
        self.pairIndex = .allocate(capacity: pairIndex.count)
        _ = self.pairIndex.initialize(from: pairIndex)
        self.singleIndex = .allocate(capacity: singleIndex.count)
        _ = self.singleIndex.initialize(from: singleIndex)
        pairBits = .allocate(capacity: pairIndex.count / 64)
        pairBits.initialize(repeating: 0)
        byteFlags = .allocate(capacity: 256)
        byteFlags.initialize(repeating: 0)
        for (k, v) in pairIndex.enumerated() where v != 0 {
            pairBits[k >> 6] |= 1 << UInt64(k & 63)
            if k >= 1 << 16 { byteFlags[k >> 8 & 0xFF] |= CompiledPatterns.rawFlag }
        }
        for b in 0 ..< 256 {
            let first = Int(Matcher.fold(UInt8(b))) << 8
            if pairIndex[first ..< first + 256].contains(where: { $0 != 0 }) {
                byteFlags[b] |= CompiledPatterns.pairFlag
            }
            if singleIndex[Int(Matcher.fold(UInt8(b)))] != 0 { byteFlags[b] |= CompiledPatterns.singleFlag }
            if singleIndex[256 + b] != 0 { byteFlags[b] |= CompiledPatterns.rawFlag }
        }
    }

    /// Made once per process; never freed.
    nonisolated(unsafe) private static let scalarTraits: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 0x800)
        for c in UInt32(0) ..< 0x800 { t[Int(c)] = traits(of: c) }
        return t
    }()

    /// The traits of any scalar, asked of Fold and Covert.
    static func traits(of c: UInt32) -> UInt8 {
        let k = Covert.classify(c)
        return (Fold.changes(c) ? changedTrait : 0) | (k != .none ? covertTrait : 0)
            | (k == .confusableLetter ? letterTrait : 0)
    }

    /// The traits of a scalar below U+0800.
    @inline(__always) func traits(_ c: UInt32) -> UInt8 { traits[Int(c & 0x7FF)] }

    /// Bucket (1-based, 0: none) of patterns anchored on the pair with this key.
    @inline(__always) func pair(_ key: Int) -> Int {
        pairBits[key >> 6] & (1 << UInt64(key & 63)) == 0 ? 0 : Int(pairIndex[key])
    }

    /// Whether pattern `k` occurs at `s` in `p[0 ..< n]`, edges included.
    /// `breaks`: in the normalised view, whether characters were dropped just before and
    /// just after (a dropped character may separate words: `47\0alice` holds `alice`).
    @inline(__always)
    func matches(_ k: Int, _ p: UnsafeRawPointer, _ n: Int, _ s: Int, escapes: Bool,
                 breaks: (before: Bool, after: Bool)? = nil) -> Bool {
        let info = infos[k]
        let count = Int(info.count)
        guard s >= 0, s + count <= n, !(escapes && info.jsonSyntax) else { return false }
        let pat = arena.baseAddress! + Int(info.start)
        if info.exactCase {
            for j in 0 ..< count where Matcher.byte(p, s + j) != pat[j] { return false }
        } else {
            for j in 0 ..< count where Matcher.lower(Matcher.byte(p, s + j)) != pat[j] { return false }
        }
        // In raw JSON text `\nobody` is a newline and `obody`, not `nobody`.
        if escapes, Matcher.isEscapeLetter(p, s) { return false }
        return (breaks?.before == true || Matcher.edgeBefore(info.before, first: pat[0], p, s, escapes: escapes))
            && (breaks?.after == true || Matcher.edgeAfter(info.after, last: pat[count - 1], p, n, s + count))
    }
}
