// The SIMD prefilter: which of 16 bytes might start something worth a closer look.
// A hit is any non-ASCII byte (covert characters live there), any anchor of a canary or
// `forbid` pattern, and, with an `iso-date` rule, a digit followed by `/`, `.` or `-`.
//
// The number of anchors is known only at run time, and a loop over them costs more than
// the comparisons themselves. So the scan loops are generic over a *shape* with constant
// slot counts (unrolled by the compiler), the table is padded to the shape's slots with
// vectors that never hit, and a run-time-count shape remains for large rule sets.

protocol PrefilterShape {
    static var singles: Int { get }
    static var pairs: Int { get }
    static var raws: Int { get }
}

/// Up to 3 single anchors, 1 pair group, 1 raw anchor: a few canaries.
/// (A slot costs about three instructions per 16 bytes whether used or not.)
enum SmallShape: PrefilterShape {
    static var singles: Int { 3 }
    static var pairs: Int { 1 }
    static var raws: Int { 1 }
}

/// Up to 6 single anchors, 1 pair group, 2 raw anchors: a full host profile.
enum LargeShape: PrefilterShape {
    static var singles: Int { 6 }
    static var pairs: Int { 1 }
    static var raws: Int { 2 }
}

/// Counts read from the table (long `forbid` lists).
enum DynamicShape: PrefilterShape {
    static var singles: Int { -1 }
    static var pairs: Int { -1 }
    static var raws: Int { -1 }
}

extension Matcher {
    enum ShapeKind: Sendable { case small, large, dynamic }

    /// The anchor bytes as splat vectors. A frequent anchor byte whose patterns all go on
    /// with one of two bytes is tested as a pair (`c` then `e` or `h`): five more vector
    /// instructions per block, worth it only for a byte that would otherwise hit every few
    /// dozen bytes (a hit costs about 30 instructions). Layout: single anchors, pair groups
    /// (the byte and two successors), raw anchors, each padded to the shape's slots; then
    /// the three date-test constants.
    struct PrefilterTable: Sendable {
        var vectors: [SIMD16<UInt8>] = []
        var counts = PrefilterCounts()
        var shape = ShapeKind.dynamic
    }

    /// What the loops need besides the vectors: plain values, no references to retain.
    struct PrefilterCounts: Sendable {
        var folded = 0, foldedPairs = 0, raw = 0
        var dates = false
    }

    static func prefilterTable(_ anchors: [Anchor], dates: Bool) -> PrefilterTable {
        var t = PrefilterTable()
        t.counts.dates = dates
        let raws = Set(anchors.filter { $0.raw }.map(\.b0)).sorted()
        var singles: [UInt8] = [], pairs: [(UInt8, [UInt8])] = []
        for b in Set(anchors.filter { !$0.raw }.map(\.b0)).sorted() {
            let group = anchors.filter { !$0.raw && $0.b0 == b }
            let next = Set(group.map(\.b1)).sorted()
            if ByteFrequency.of(b) >= 0.012, group.allSatisfy(\.pair), next.count <= 2 {
                pairs.append((b, next))
            } else {
                singles.append(b)
            }
        }
        // Pairs beyond the large shape's slots are tested as single bytes: the rarest
        // ones, which cost the fewest extra hits.
        pairs.sort { ByteFrequency.of($0.0) > ByteFrequency.of($1.0) }
        while pairs.count > LargeShape.pairs, singles.count < LargeShape.singles { singles.append(pairs.removeLast().0) }
        let fits = { (s: PrefilterShape.Type) in
            singles.count <= s.singles && pairs.count <= s.pairs && raws.count <= s.raws
        }
        t.shape = fits(SmallShape.self) ? .small : fits(LargeShape.self) ? .large : .dynamic
        let slots: (Int, Int, Int) = t.shape == .small ? (SmallShape.singles, SmallShape.pairs, SmallShape.raws)
            : t.shape == .large ? (LargeShape.singles, LargeShape.pairs, LargeShape.raws)
            : (singles.count, pairs.count, raws.count)
        // Padding: folded tests compare `byte | 0x20`, never 0; a raw 0x80 only ever meets a
        // byte that is a hit anyway (non-ASCII).
        for j in 0 ..< slots.0 { t.vectors.append(.init(repeating: j < singles.count ? singles[j] : 0)) }
        for j in 0 ..< slots.1 {
            let (b, next) = j < pairs.count ? pairs[j] : (0, [0])
            t.vectors.append(.init(repeating: b))
            for s in 0 ..< 2 { t.vectors.append(.init(repeating: next[min(s, next.count - 1)])) }
        }
        for j in 0 ..< slots.2 { t.vectors.append(.init(repeating: j < raws.count ? raws[j] : 0x80)) }
        t.counts.folded = slots.0; t.counts.foldedPairs = slots.1; t.counts.raw = slots.2
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
func prefilter<S: PrefilterShape>(_ v: SIMD16<UInt8>, _ v1: SIMD16<UInt8>, _ t: Matcher.PrefilterCounts,
                                  _ vec: UnsafeBufferPointer<SIMD16<UInt8>>, _: S.Type) -> HitBits {
    let singles = S.singles >= 0 ? S.singles : t.folded
    let pairs = S.pairs >= 0 ? S.pairs : t.foldedPairs
    let raws = S.raws >= 0 ? S.raws : t.raw
    let lv = v | 0x20
    let lv1 = v1 | 0x20
    var m = unsafeBitCast(v, to: SIMD16<Int8>.self)  // top bit: non-ASCII
    var k = 0
    for _ in 0 ..< singles { m |= (lv .== vec[k])._storage; k += 1 }
    for _ in 0 ..< pairs {
        let next = (lv1 .== vec[k + 1])._storage | (lv1 .== vec[k + 2])._storage
        m |= (lv .== vec[k])._storage & next
        k += 3
    }
    for _ in 0 ..< raws { m |= (v .== vec[k])._storage; k += 1 }
    if t.dates {
        // A digit (or `:;<=>?`) followed by `/`, `.`, `-` (or `,`): a loose test, two
        // instructions a side; DateRule.match decides.
        let digit = ((v & vec[k]) .== vec[k + 1])._storage
        let sep = ((v1 | 0x03) .== vec[k + 2])._storage
        m |= digit & sep
    }
    return unsafeBitCast(m, to: HitBits.self)
}
