import Foundation

import VeilProfile

// Multi-pattern matching for canaries and `forbid` rules.
//
// Each pattern gets one *anchor*: where its rarest three adjacent bytes start, judged by a
// fixed table of how often bytes occur in prompts (English, code, JSON). The C kernel tests
// 32 positions at a time for those three bytes (Matcher+Prefilter.swift), and only where
// they match does the scan look up the patterns sharing the anchor's first two bytes and
// compare them in full.

/// What must follow (or precede) a match for it to count.
enum Edge: Sendable { case none, word, path, number, offset }

struct Pattern: Sendable {
    var bytes: [UInt8]
    /// `bytes` with ASCII letters lowered.
    var folded: [UInt8]
    /// Acronyms (PRC, CST) must match in their case: `prc` inside a word is no time zone.
    var exactCase: Bool
    var before: Edge
    var after: Edge
    var label: String
    /// Set for `forbid` rules: the finding is a `rule` finding naming it.
    var rule: String?
    /// Offset of the anchor within the pattern.
    var anchor: Int = 0
}

struct Anchor: Sendable, Equatable {
    var b0: UInt8
    var b1: UInt8
    var pair: Bool
    /// Compared against raw bytes rather than `byte | 0x20` (exact-case patterns).
    var raw: Bool
}

final class Matcher: Sendable {
    let compiled: CompiledPatterns
    let patterns: [Pattern]
    let anchors: [Anchor]
    /// The adjacent byte pairs of the patterns, and the longest pattern: what a junction of
    /// two strings is checked against (HitSink+Joins.swift).
    let joinPairs: BytePairs
    let longest: Int
    /// Where each pair of adjacent bytes (lowered) sits in which pattern.
    let pairPlaces: PairPlaces
    /// Names of `iso-date` rules; empty when the profile has none.
    let dateRules: [String]
    let hasDates: Bool

    /// The matcher for the normalised view (Fold.swift): the canaries and `forbid` patterns
    /// folded as the view folds text; this matcher itself when folding changes none.
    var view: Matcher { folded ?? self }
    private let folded: Matcher?

    convenience init(canaries: [Canary], rules: [Profile.Rule]) {
        let fc = canaries.map { Canary(label: $0.label, value: Fold.string($0.value)) }
        let fr = rules.map { r in
            var r = r
            r.pattern = Fold.string(r.pattern)
            return r
        }
        let same = fc == canaries && zip(fr, rules).allSatisfy { $0.pattern == $1.pattern }
        self.init(canaries: canaries, rules: rules, folded: same ? nil : Matcher(canaries: fc, rules: fr, folded: nil))
    }

    private init(canaries: [Canary], rules: [Profile.Rule], folded: Matcher?) {
        self.folded = folded
        var ps: [Pattern] = []
        var seen = Set<String>()
        for c in canaries {
            guard let p = Matcher.pattern(for: c), seen.insert(p.label + "\u{0}" + String(decoding: p.folded, as: UTF8.self)).inserted
            else { continue }
            ps.append(p)
        }
        for r in rules where r.kind == .forbid && !r.pattern.isEmpty {
            let b = Array(r.pattern.utf8)
            ps.append(Pattern(bytes: b, folded: b.map(Matcher.lower), exactCase: false, before: .none,
                              after: .none, label: "rule " + r.name, rule: r.name))
        }
        let dates = rules.filter { $0.kind == .isoDate }.map(\.name)
        dateRules = dates
        hasDates = !dates.isEmpty

        var anchors: [Anchor] = []
        var buckets: [[Int]] = []
        // `key(b0, b1, raw)` → 1 + bucket index, 0 when no pattern is anchored there.
        var pairIndex = [UInt16](repeating: 0, count: 1 << 17)
        var singleIndex = [UInt16](repeating: 0, count: 512)
        for i in ps.indices {
            let (off, a) = Matcher.chooseAnchor(ps[i])
            ps[i].anchor = off
            if let k = anchors.firstIndex(of: a) {
                buckets[k].append(i)
            } else {
                anchors.append(a)
                buckets.append([i])
                let slot = UInt16(anchors.count)
                if a.pair { pairIndex[Matcher.key(a.b0, a.b1, a.raw)] = slot } else { singleIndex[Matcher.key(a.b0, a.raw)] = slot }
            }
        }
        self.patterns = ps
        self.anchors = anchors
        joinPairs = BytePairs(ps)
        pairPlaces = PairPlaces(ps)
        longest = ps.map(\.bytes.count).max() ?? 0
        self.compiled = CompiledPatterns(patterns: ps, buckets: buckets, pairIndex: pairIndex, singleIndex: singleIndex,
                                         kernel: Matcher.kernelTables(ps, dates: !dates.isEmpty))
    }

    @inline(__always) static func key(_ b0: UInt8, _ b1: UInt8, _ raw: Bool) -> Int {
        (raw ? 1 << 16 : 0) | Int(b0) << 8 | Int(b1)
    }

    @inline(__always) static func key(_ b0: UInt8, _ raw: Bool) -> Int { (raw ? 256 : 0) | Int(b0) }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// The fold of anchors and of the pair index: cheap, not exact (`_` and DEL collide), so a
    /// prefilter hit is always confirmed byte by byte.
    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { b | 0x20 }

    static func pattern(for c: Canary) -> Pattern? {
        let v = c.value.trimmingCharacters(in: .whitespacesAndNewlines)
        let b = Array(v.utf8)
        guard b.count >= 3, !CanaryPolicy.isNeverCanary(v) else { return nil }
        let shape = CanaryPolicy.shape(of: v)
        return Pattern(bytes: b, folded: b.map(lower), exactCase: shape.exactCase, before: shape.before,
                       after: shape.after, label: c.label, rule: nil)
    }

    /// Where in the pattern its anchor sits: the start of its rarest three bytes (the
    /// prefilter tests three; the pair index, checked before comparing, the first two).
    static func chooseAnchor(_ p: Pattern) -> (Int, Anchor) {
        let src = p.exactCase ? p.bytes : p.folded.map(fold)
        var best: (score: Double, off: Int)? = nil
        for i in src.indices {
            let score = src[i ..< min(i + 3, src.count)].reduce(1.0) { $0 * ByteFrequency.of($1) }
            if best == nil || score < best!.score { best = (score, i) }
        }
        let off = best?.off ?? 0
        let pair = off + 1 < src.count
        return (off, Anchor(b0: src[off], b1: pair ? src[off + 1] : 0, pair: pair, raw: p.exactCase))
    }
}

/// Rough share of each byte in prompt text (English prose, source code, JSON); only the
/// ranking matters.
enum ByteFrequency {
    static let table: [Double] = {
        var t = [Double](repeating: 0.001, count: 256)
        let letters: [(Character, Double)] = [
            ("e", 0.090), ("t", 0.068), ("a", 0.062), ("o", 0.056), ("i", 0.053), ("n", 0.050),
            ("s", 0.047), ("h", 0.040), ("r", 0.045), ("d", 0.032), ("l", 0.030), ("c", 0.024),
            ("u", 0.021), ("m", 0.019), ("w", 0.014), ("f", 0.017), ("g", 0.015), ("y", 0.013),
            ("p", 0.016), ("b", 0.011), ("v", 0.008), ("k", 0.006), ("j", 0.0015), ("x", 0.0020),
            ("q", 0.0008), ("z", 0.0008),
        ]
        for (ch, f) in letters { t[Int(ch.asciiValue!)] = f; t[Int(ch.asciiValue! & ~0x20)] = f / 8 }
        for d in 0x30 ... 0x39 { t[d] = 0.004 }
        t[0x20] = 0.15; t[0x2E] = 0.012; t[0x2C] = 0.010; t[0x2F] = 0.006; t[0x2D] = 0.006
        t[0x5F] = 0.005; t[0x3A] = 0.005; t[0x22] = 0.008; t[0x28] = 0.004; t[0x29] = 0.004
        t[0x3D] = 0.003; t[0x0A] = 0.02; t[0x2B] = 0.0006; t[0x40] = 0.0003; t[0x7F] = 0.005
        return t
    }()

    @inline(__always) static func of(_ b: UInt8) -> Double { table[Int(b)] }
}
