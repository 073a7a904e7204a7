import CVeilScanKernel

// The prefilter tables of the C kernel (CVeilScanKernel): which positions might start
// something worth a closer look. Non-ASCII bytes (covert characters) are flagged by the
// kernel on their own; these tables hold, for each canary and `forbid` pattern, its anchor
// byte and the two after it, and, with an `iso-date` rule, a digit, `/` `.` `-`, a digit.
//
// The kernel looks a byte up by its two nibbles (one shuffle each, 32 bytes at a time),
// so a bucket stands for a *product* of nibble sets: patterns sharing a bucket let through
// every mix of their nibbles. That is a superset, never a miss (`visit` confirms each hit),
// and testing three bytes keeps it tight: `alice` anchored on `ce` no longer stops at every
// `balance`, only at `ice`.

/// Nibble sets of one byte, as bit sets.
struct Nibbles: Equatable {
    var lo: UInt16 = 0, hi: UInt16 = 0
    static let any = Nibbles(lo: 0xFFFF, hi: 0xFFFF)

    init(lo: UInt16 = 0, hi: UInt16 = 0) { self.lo = lo; self.hi = hi }

    /// A pattern byte as `matches` compares it: exact, or a letter in either case.
    init(_ b: UInt8, exactCase: Bool) {
        for x in exactCase ? [b] : [b, Matcher.fold(b) & ~0x20] { lo |= 1 << (x & 15); hi |= 1 << (x >> 4) }
    }

    func union(_ o: Nibbles) -> Nibbles { Nibbles(lo: lo | o.lo, hi: hi | o.hi) }

    /// Share of prompt bytes in the set (ByteFrequency).
    var share: Double {
        var s = 0.0
        for h in 0 ..< 16 where hi & 1 << h != 0 {
            for l in 0 ..< 16 where lo & 1 << l != 0 { s += ByteFrequency.of(UInt8(h << 4 | l)) }
        }
        return s
    }
}

/// One bucket: the anchor byte, the next one, the one after.
struct AnchorClass: Equatable {
    var bytes: [Nibbles]

    func union(_ o: AnchorClass) -> AnchorClass { AnchorClass(bytes: zip(bytes, o.bytes).map { $0.union($1) }) }

    /// Expected hits per byte of prompt text.
    var cost: Double { bytes.reduce(1) { $0 * $1.share } }
}

extension Matcher {
    /// A pattern's anchor and the two bytes after it (any byte past its end).
    static func anchorClass(_ p: Pattern) -> AnchorClass {
        let src = p.exactCase ? p.bytes : p.folded
        return AnchorClass(bytes: (0 ..< 3).map { k in
            p.anchor + k < src.count ? Nibbles(src[p.anchor + k], exactCase: p.exactCase) : .any
        })
    }

    /// A digit followed by `/`, `.` or `-` and a digit (DateRule.match decides).
    static let dateClass = AnchorClass(bytes: [
        Nibbles(lo: 0x03FF, hi: 1 << 3), Nibbles(lo: 0xE000, hi: 1 << 2), Nibbles(lo: 0x03FF, hi: 1 << 3),
    ])

    /// Up to eight buckets, greedily: the costliest classes first, each into the bucket
    /// (or a free one) whose cost it raises least.
    static func buckets(_ classes: [AnchorClass]) -> [AnchorClass] {
        var unique: [AnchorClass] = []
        for c in classes where !unique.contains(c) { unique.append(c) }
        var out: [AnchorClass] = []
        for c in unique.sorted(by: { $0.cost > $1.cost }) {
            var best = (rise: out.count < 8 ? c.cost : Double.infinity, index: out.count)
            for (k, b) in out.enumerated() {
                let rise = b.union(c).cost - b.cost
                if rise < best.rise { best = (rise, k) }
            }
            if best.index == out.count { out.append(c) } else { out[best.index] = out[best.index].union(c) }
        }
        return out
    }

    static func kernelTables(_ patterns: [Pattern], dates: Bool) -> veil_kernel_tables {
        // Six tables of 16 (first, next, third byte; low and high nibble), end to end.
        var tables = [UInt8](repeating: 0, count: 96)
        let classes = patterns.map(anchorClass) + (dates ? [dateClass] : [])
        for (k, b) in buckets(classes).enumerated() {
            for (j, nibbles) in b.bytes.enumerated() {
                for x in 0 ..< 16 {
                    if nibbles.lo & 1 << x != 0 { tables[32 * j + x] |= 1 << k }
                    if nibbles.hi & 1 << x != 0 { tables[32 * j + 16 + x] |= 1 << k }
                }
            }
        }
        var t = veil_kernel_tables()
        withUnsafeMutableBytes(of: &t) { $0.copyBytes(from: tables) }
        t.isa = veil_kernel_best_isa()
        return t
    }
}
