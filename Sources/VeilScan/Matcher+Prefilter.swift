// The SIMD prefilter: which of 16 bytes might start something worth a closer look.
// A hit is any non-ASCII byte (covert characters live there), any anchor of a canary or
// `forbid` pattern, and, with an `iso-date` rule, a digit followed by `/`, `.` or `-`.

extension Matcher {
    /// Anchor vectors laid out for one pass: folded singles, folded pairs (two vectors
    /// each), raw singles, raw pairs.
    struct PrefilterTable: Sendable {
        var vectors: [SIMD16<UInt8>] = []
        var foldedSingles = 0, foldedPairs = 0, rawSingles = 0, rawPairs = 0
        var dates = false
    }

    static func prefilterTable(_ anchors: [Anchor], dates: Bool) -> PrefilterTable {
        var t = PrefilterTable()
        t.dates = dates
        for a in anchors where !a.raw && !a.pair { t.vectors.append(.init(repeating: a.b0)); t.foldedSingles += 1 }
        for a in anchors where !a.raw && a.pair {
            t.vectors.append(.init(repeating: a.b0)); t.vectors.append(.init(repeating: a.b1)); t.foldedPairs += 1
        }
        for a in anchors where a.raw && !a.pair { t.vectors.append(.init(repeating: a.b0)); t.rawSingles += 1 }
        for a in anchors where a.raw && a.pair {
            t.vectors.append(.init(repeating: a.b0)); t.vectors.append(.init(repeating: a.b1)); t.rawPairs += 1
        }
        return t
    }
}

/// A bit per byte (0x80 in each byte lane that hit), as two words.
typealias HitBits = (lo: UInt64, hi: UInt64)

// Swift's SIMD comparisons (`.==` giving a SIMDMask) compile to a loop over the lanes
// here, while lane-wise arithmetic compiles to vector instructions. So equality is done
// with arithmetic: for d = x ^ c, `(d &- 1) & ~d` has its top bit set exactly when d == 0.
// Every mask below is 0x80 in a lane that hits and 0 elsewhere.

@inline(__always) func eq80(_ x: SIMD16<UInt8>, _ c: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let d = x ^ c
    return (d &- 1) & ~d & 0x80
}

/// 0x80 where the byte is an ASCII digit: for y = x - '0', y < 10 exactly when neither
/// y nor y + 0x76 has the top bit set.
@inline(__always) func digit80(_ x: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let y = x &- 0x30
    return ~((y &+ 0x76) | y) & 0x80
}

@inline(__always)
func prefilter(_ v: SIMD16<UInt8>, _ v1: SIMD16<UInt8>, _ t: Matcher.PrefilterTable,
               _ vec: UnsafeBufferPointer<SIMD16<UInt8>>) -> HitBits {
    let lv = v | 0x20
    let lv1 = v1 | 0x20
    var m = v & 0x80
    var k = 0
    for _ in 0 ..< t.foldedSingles { m |= eq80(lv, vec[k]); k += 1 }
    for _ in 0 ..< t.foldedPairs { m |= eq80(lv, vec[k]) & eq80(lv1, vec[k + 1]); k += 2 }
    for _ in 0 ..< t.rawSingles { m |= eq80(v, vec[k]); k += 1 }
    for _ in 0 ..< t.rawPairs { m |= eq80(v, vec[k]) & eq80(v1, vec[k + 1]); k += 2 }
    if t.dates {
        let sep = eq80(v1, SIMD16(repeating: 0x2F)) | eq80(v1, SIMD16(repeating: 0x2E)) | eq80(v1, SIMD16(repeating: 0x2D))
        m |= digit80(v) & sep
    }
    return unsafeBitCast(m, to: HitBits.self)
}

/// The same test for one byte, for the tail shorter than a vector.
@inline(__always)
func prefilterScalar(_ p: UnsafeRawPointer, _ n: Int, _ i: Int, _ m: Matcher) -> Bool {
    let b = p.load(fromByteOffset: i, as: UInt8.self)
    if b >= 0x80 { return true }
    let b1: UInt8 = i + 1 < n ? p.load(fromByteOffset: i + 1, as: UInt8.self) : 0
    if m.anchorBucket(b, b1) != nil || m.anchorBucketRaw(b, b1) != nil { return true }
    if m.prefilterTable.dates, b &- 0x30 < 10, b1 == 0x2F || b1 == 0x2E || b1 == 0x2D { return true }
    return false
}

extension Matcher {
    /// Buckets anchored at a position whose bytes are `b0 b1` (folded lookup): pair, then single.
    @inline(__always) func anchorBucket(_ b0: UInt8, _ b1: UInt8) -> (pair: Int?, single: Int?)? {
        let p = Int(pairIndex[Matcher.key(Matcher.fold(b0), Matcher.fold(b1), false)])
        let s = Int(singleIndex[Matcher.key(Matcher.fold(b0), false)])
        if p == 0 && s == 0 { return nil }
        return (p == 0 ? nil : p - 1, s == 0 ? nil : s - 1)
    }

    @inline(__always) func anchorBucketRaw(_ b0: UInt8, _ b1: UInt8) -> (pair: Int?, single: Int?)? {
        guard hasRawAnchors else { return nil }
        let p = Int(pairIndex[Matcher.key(b0, b1, true)])
        let s = Int(singleIndex[Matcher.key(b0, true)])
        if p == 0 && s == 0 { return nil }
        return (p == 0 ? nil : p - 1, s == 0 ? nil : s - 1)
    }
}
