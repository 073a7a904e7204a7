// How a normalised text's scalars relate to the original's: every scalar normalisation kept
// knows its original position, every placeholder (`<uuid>`) the original range it replaced.
// A difference outside placeholders maps back exactly; one that touches a placeholder has no
// exact original position (the placeholder is not what was sent), and says so.

struct ScalarMap: Equatable, Sendable {
    /// Per scalar of the normalised text: its original index (≥ 0), or -1 - p inside placeholder p.
    private(set) var origin: [Int]
    /// Placeholder p's original scalar range.
    private(set) var placeholders: [Range<Int>] = []
    let originalCount: Int

    static func identity(_ count: Int) -> ScalarMap {
        ScalarMap(origin: Array(0 ..< count), originalCount: count)
    }

    /// The whole text replaced by one placeholder (an id value).
    static func whole(original count: Int, replacement: Int) -> ScalarMap {
        ScalarMap(origin: Array(repeating: -1, count: replacement), placeholders: [0 ..< count], originalCount: count)
    }

    /// One normalisation pass: the given ranges of the current text (ascending, disjoint,
    /// non-empty) were replaced by texts of the given scalar lengths.
    mutating func replace(_ edits: [(range: Range<Int>, length: Int)]) {
        guard !edits.isEmpty else { return }
        var out: [Int] = []
        out.reserveCapacity(origin.count)
        var at = 0
        for e in edits {
            out += origin[at ..< e.range.lowerBound]
            let covered = origin[e.range].map { $0 >= 0 ? $0 ..< $0 + 1 : placeholders[-1 - $0] }
            let lo = covered.map(\.lowerBound).min() ?? 0, hi = covered.map(\.upperBound).max() ?? 0
            placeholders.append(lo ..< hi)
            out += Array(repeating: -placeholders.count, count: e.length)
            at = e.range.upperBound
        }
        out += origin[at...]
        origin = out
    }

    /// The original range of a normalised range, or nil when it touches a placeholder. An
    /// empty range (an insertion point) maps to the point before the scalar that follows it.
    func original(_ r: Range<Int>) -> Range<Int>? {
        if r.isEmpty {
            if r.lowerBound >= origin.count { return originalCount ..< originalCount }
            let o = origin[r.lowerBound]
            let p = o >= 0 ? o : placeholders[-1 - o].lowerBound
            return p ..< p
        }
        let slice = origin[r]
        guard slice.allSatisfy({ $0 >= 0 }) else { return nil }
        return slice.first! ..< slice.last! + 1
    }
}
