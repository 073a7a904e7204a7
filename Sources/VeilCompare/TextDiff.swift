// Word diff, then character precision: text is cut into words, runs of spaces and single
// punctuation marks; the token sequences are diffed (Myers), nearby changes inside one word
// are merged ("2026-07-01" → "2026/07/01" is one change, not two), and each change is trimmed
// to the scalars that really differ ("don't" → "donʼt" shows U+0027 → U+02BC).

/// One change: scalar ranges in the left and right text (either may be empty).
public struct TextHunk: Equatable, Sendable {
    public var left: Range<Int>
    public var right: Range<Int>
}

public enum TextDiff {
    /// Beyond this many token edits two strings are reported as one replaced block.
    static let maxEdits = 2000

    public static func hunks(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> [TextHunk] {
        if a == b { return [] }
        let ta = tokens(a), tb = tokens(b)
        var ids: [String: Int] = [:]
        func intern(_ r: Range<Int>, _ s: [Unicode.Scalar]) -> Int {
            var key = ""
            key.unicodeScalars.append(contentsOf: s[r])
            if let id = ids[key] { return id }
            ids[key] = ids.count
            return ids.count - 1
        }
        let ia = ta.map { intern($0, a) }, ib = tb.map { intern($0, b) }
        let tokenHunks = Myers.diff(ia, ib, maxEdits: maxEdits)
            ?? [(0 ..< ia.count, 0 ..< ib.count)]
        var out: [TextHunk] = tokenHunks.map { h in
            TextHunk(left: span(ta, h.0, end: a.count), right: span(tb, h.1, end: b.count))
        }
        out = merge(out, a)
        return out.compactMap { trim($0, a, b) }
    }

    /// Scalar range covered by a token range (an empty token range sits at its position).
    static func span(_ toks: [Range<Int>], _ r: Range<Int>, end: Int) -> Range<Int> {
        if r.isEmpty { return r.lowerBound < toks.count ? toks[r.lowerBound].lowerBound ..< toks[r.lowerBound].lowerBound : end ..< end }
        return toks[r.lowerBound].lowerBound ..< toks[r.upperBound - 1].upperBound
    }

    /// Joins changes separated by a short stretch without spaces (inside one word or number).
    static func merge(_ hunks: [TextHunk], _ a: [Unicode.Scalar]) -> [TextHunk] {
        var out: [TextHunk] = []
        for h in hunks {
            if let last = out.last, h.left.lowerBound - last.left.upperBound <= 4,
               !a[last.left.upperBound ..< h.left.lowerBound].contains(where: isSpace) {
                out[out.count - 1] = TextHunk(left: last.left.lowerBound ..< h.left.upperBound,
                                              right: last.right.lowerBound ..< h.right.upperBound)
            } else {
                out.append(h)
            }
        }
        return out
    }

    /// Drops the common prefix and suffix of a change; nil if nothing is left.
    static func trim(_ h: TextHunk, _ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> TextHunk? {
        var l = h.left, r = h.right
        while !l.isEmpty, !r.isEmpty, a[l.lowerBound] == b[r.lowerBound] { l = l.lowerBound + 1 ..< l.upperBound; r = r.lowerBound + 1 ..< r.upperBound }
        while !l.isEmpty, !r.isEmpty, a[l.upperBound - 1] == b[r.upperBound - 1] { l = l.lowerBound ..< l.upperBound - 1; r = r.lowerBound ..< r.upperBound - 1 }
        return l.isEmpty && r.isEmpty ? nil : TextHunk(left: l, right: r)
    }

    /// Words (letters and digits of any script, so "donʼt" with U+02BC is one word), runs of
    /// white space, and every other scalar on its own.
    static func tokens(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < s.count {
            let start = i
            if isWord(s[i]) {
                while i < s.count, isWord(s[i]) { i += 1 }
            } else if isSpace(s[i]) {
                while i < s.count, isSpace(s[i]) { i += 1 }
            } else {
                i += 1
            }
            out.append(start ..< i)
        }
        return out
    }

    static func isWord(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 {
            let c = u.value | 0x20
            return (c >= 0x61 && c <= 0x7A) || (u.value >= 0x30 && u.value <= 0x39) || u == "_"
        }
        return u.properties.isAlphabetic || u.properties.numericType != nil
    }

    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        u == " " || u == "\n" || u == "\t" || u == "\r"
    }
}

/// Myers' O((N+M)·D) difference on interned tokens, keeping each step's frontier (O(D²) memory).
enum Myers {
    /// Changed regions as (left range, right range), or nil beyond `maxEdits`.
    static func diff(_ a: [Int], _ b: [Int], maxEdits: Int) -> [(Range<Int>, Range<Int>)]? {
        // Common prefix and suffix first: near-identical prompts leave a tiny middle.
        var p = 0
        while p < a.count, p < b.count, a[p] == b[p] { p += 1 }
        var s = 0
        while s < a.count - p, s < b.count - p, a[a.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
        let x = Array(a[p ..< a.count - s]), y = Array(b[p ..< b.count - s])
        if x.isEmpty && y.isEmpty { return [] }
        if x.isEmpty || y.isEmpty { return [(p ..< p + x.count, p ..< p + y.count)] }
        guard let moves = script(x, y, maxEdits: maxEdits) else { return nil }
        return regions(moves, n: x.count, m: y.count).map { ($0.0.lowerBound + p ..< $0.0.upperBound + p, $0.1.lowerBound + p ..< $0.1.upperBound + p) }
    }

    /// The (x, y) points of the snake ends from (0,0) to (n,m).
    static func script(_ a: [Int], _ b: [Int], maxEdits: Int) -> [(Int, Int)]? {
        let n = a.count, m = b.count
        if n == 0 || m == 0 { return [(0, 0), (n, m)] }
        let off = n + m + 1
        var v = Array(repeating: 0, count: 2 * off + 1)
        var trace: [[Int]] = []
        for d in 0 ... min(n + m, maxEdits) {
            var k = -d
            while k <= d {
                var x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[off + k] = x
                if x >= n, y >= m {
                    trace.append(Array(v[off - d ... off + d]))
                    return backtrack(trace, n: n, m: m)
                }
                k += 2
            }
            trace.append(Array(v[off - d ... off + d]))
        }
        return nil
    }

    static func backtrack(_ trace: [[Int]], n: Int, m: Int) -> [(Int, Int)] {
        var points: [(Int, Int)] = [(n, m)]
        var x = n, y = m
        for d in stride(from: trace.count - 1, to: 0, by: -1) {
            let prev = trace[d - 1]
            let k = x - y
            func pv(_ kk: Int) -> Int { prev[kk + (d - 1)] }
            let down = k == -d || (k != d && pv(k - 1) < pv(k + 1))
            let pk = down ? k + 1 : k - 1
            let px = pv(pk), py = px - pk
            points.append((px, py))
            x = px; y = py
        }
        points.append((0, 0))
        return points.reversed()
    }

    /// Consecutive snake points → changed regions (the diagonals between them are equal runs).
    static func regions(_ pts: [(Int, Int)], n: Int, m: Int) -> [(Range<Int>, Range<Int>)] {
        // Walk the edit path: each step from one point to the next is one insert or delete
        // followed by a diagonal; group consecutive non-diagonal moves.
        var out: [(Range<Int>, Range<Int>)] = []
        var cur: (Int, Int, Int, Int)? = nil  // x0, y0, x1, y1
        var px = pts.first?.0 ?? 0, py = pts.first?.1 ?? 0
        for (x, y) in pts.dropFirst() {
            // The move from (px,py): one edit (x or y advances by one more than the other), then a snake.
            let dx = x - px, dy = y - py
            let editX = dx > dy ? 1 : 0, editY = dy > dx ? 1 : 0
            if editX + editY > 0 {
                if var c = cur, c.2 == px, c.3 == py { c.2 = px + editX; c.3 = py + editY; cur = c } else {
                    if let c = cur { out.append((c.0 ..< c.2, c.1 ..< c.3)) }
                    cur = (px, py, px + editX, py + editY)
                }
            }
            if let c = cur, (x, y) != (c.2, c.3) { out.append((c.0 ..< c.2, c.1 ..< c.3)); cur = nil }
            px = x; py = y
        }
        if let c = cur { out.append((c.0 ..< c.2, c.1 ..< c.3)) }
        return out
    }
}
