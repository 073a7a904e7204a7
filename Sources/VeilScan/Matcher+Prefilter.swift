// The SIMD prefilter: which of 16 bytes might start something worth a closer look.
// A hit is any non-ASCII byte (covert characters live there), any anchor of a canary or
// `forbid` pattern, and, with an `iso-date` rule, a digit followed by `/`, `.` or `-`.

extension Matcher {
    /// The distinct anchor bytes as splat vectors: folded ones first, then raw ones.
    struct PrefilterTable: Sendable {
        var vectors: [SIMD16<UInt8>] = []
        var folded = 0, raw = 0
        var dates = false
    }

    static func prefilterTable(_ anchors: [Anchor], dates: Bool) -> PrefilterTable {
        var t = PrefilterTable()
        t.dates = dates
        var seen = Set<Int>()
        for a in anchors where !a.raw && seen.insert(Int(a.b0)).inserted {
            t.vectors.append(.init(repeating: a.b0)); t.folded += 1
        }
        for a in anchors where a.raw && seen.insert(0x100 | Int(a.b0)).inserted {
            t.vectors.append(.init(repeating: a.b0)); t.raw += 1
        }
        // For the date test: 0x30 (digits) under mask 0xF0, 0x2F (`/` `.` `-`) under 0x03.
        for b: UInt8 in [0xF0, 0x30, 0x2F] { t.vectors.append(.init(repeating: b)) }
        return t
    }
}

/// A bit per byte (0x80 in each byte lane that hit), as two words.
typealias HitBits = (lo: UInt64, hi: UInt64)

// Only some of Swift's SIMD operations compile to vector instructions here: `.==` between
// two vectors does (pcmpeqb), and so do lane-wise `&`, `|`, `&+`; `.==` against a scalar,
// `.<` and `any()` become loops over the lanes. The code below sticks to the first kind.
// Every mask has the top bit set in a lane that hits.

@inline(__always)
func prefilter(_ v: SIMD16<UInt8>, _ v1: SIMD16<UInt8>, _ t: Matcher.PrefilterTable,
               _ vec: UnsafeBufferPointer<SIMD16<UInt8>>) -> HitBits {
    let lv = v | 0x20
    var m = unsafeBitCast(v, to: SIMD16<Int8>.self)  // top bit: non-ASCII
    var k = 0
    while k < t.folded { m |= (lv .== vec[k])._storage; k += 1 }
    while k < t.folded + t.raw { m |= (v .== vec[k])._storage; k += 1 }
    if t.dates {
        // A digit (or `:;<=>?`) followed by `/`, `.`, `-` (or `,`): a loose test, two
        // instructions a side; DateRule.match decides.
        let digit = ((v & vec[k]) .== vec[k + 1])._storage
        let sep = ((v1 | 0x03) .== vec[k + 2])._storage
        m |= digit & sep
    }
    return unsafeBitCast(m, to: HitBits.self)
}
