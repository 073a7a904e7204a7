// Where each pair of adjacent bytes (lowered) sits in which pattern: what a junction of two
// strings is matched from (HitSink+JoinRead.swift). Plain memory indexed by the pair, like
// CompiledPatterns: a dictionary lookup hashed the key and retained its array at every
// junction read, which in JSON with many short strings was a tenth of the scan.

final class PairPlaces: @unchecked Sendable {
    /// Pair key k holds `items[start[k] ..< start[k + 1]]`.
    private let start: UnsafeMutableBufferPointer<Int32>
    /// (pattern, offset of the pair's second byte in it).
    private let items: UnsafeMutableBufferPointer<(pattern: Int32, at: Int32)>

    init(_ patterns: [Pattern]) {
        var lists = [[(pattern: Int32, at: Int32)]](repeating: [], count: 1 << 16)
        for (k, p) in patterns.enumerated() where p.bytes.count >= 2 {
            for j in 1 ..< p.bytes.count {
                lists[Int(Matcher.lower(p.bytes[j - 1])) << 8 | Int(Matcher.lower(p.bytes[j]))].append((Int32(k), Int32(j)))
            }
        }
        start = .allocate(capacity: (1 << 16) + 1)
        items = .allocate(capacity: max(1, lists.reduce(0) { $0 + $1.count }))
        var n = 0
        for (key, list) in lists.enumerated() {
            start[key] = Int32(n)
            for item in list { items[n] = item; n += 1 }
        }
        start[1 << 16] = Int32(n)
    }

    deinit {
        start.deallocate()
        items.deallocate()
    }

    /// The places of the pair `x y` (lowered).
    @inline(__always) func of(_ x: UInt8, _ y: UInt8) -> UnsafeMutableBufferPointer<(pattern: Int32, at: Int32)>.SubSequence {
        let key = Int(x) << 8 | Int(y)
        return items[Int(start[key]) ..< Int(start[key + 1])]
    }
}
