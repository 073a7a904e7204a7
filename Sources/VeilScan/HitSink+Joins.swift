// Canaries split across the strings of one request: `Asia/Shang` in one content block and
// `hai` in the next, two messages, a key and its value. A model reads the blocks of a
// message, the messages of a conversation, one after the other, so the scan also reads each
// *stream* of strings as one text: the values under the same key name (every `text`, every
// `content`, the elements of an array under it), the keys of objects under the same key,
// and a key followed by its value. Each string costs a few instructions as the walk passes
// it: its stream's slot, and whether its first byte and the last byte of the stream's
// string before it can be neighbours in any canary (a bit table of the canaries' byte
// pairs). Only then is the junction read in full, decoded and normalised (Fold.swift),
// from the stream's last strings back as far as the longest canary reaches.

extension HitSink {
    /// The strings of the body so far, in order, each with the stream's string before it.
    struct Joins {
        var start: [Int32] = [], end: [Int32] = [], prev: [Int32] = []
        /// Per slot (a stream's hash), the stream and its last string.
        var slotStream = [UInt64](repeating: 0, count: 256), slotLast = [Int32](repeating: -1, count: 256)
        /// The key just read, for the value that follows it.
        var key: Int32 = -1
    }

    /// The stream a key name makes: its length and first eight bytes (keys sharing both share
    /// a stream, which only means more junctions are read).
    @inline(__always)
    static func stream(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) -> UInt64 {
        guard s >= 0, e > s else { return 0 }
        let len = e - s
        var v: UInt64 = 0
        if s + 8 <= n {
            v = p.loadUnaligned(fromByteOffset: s, as: UInt64.self)
            if len < 8 { v &= (1 << UInt64(8 * len)) &- 1 }
        } else {
            for k in 0 ..< min(len, 8) { v |= UInt64(Matcher.byte(p, s + k)) << UInt64(8 * k) }
        }
        return v ^ UInt64(truncatingIfNeeded: len) &* 0x9E37_79B9_7F4A_7C15
    }

    /// The stream of what a container's members or elements hold, when it opens.
    @inline(__always)
    static func memberStream(_ p: UnsafeRawPointer, _ n: Int, _ f: PathFrame) -> UInt64 {
        f.isArray ? f.stream : stream(p, n, f.keyStart, f.keyEnd)
    }

    /// A string of the walk ends (raw content `s ..< e`): it joins its stream.
    @inline(__always)
    mutating func join(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int, key: Bool, _ m: Matcher,
                       _ frames: UnsafeMutablePointer<PathFrame>) {
        guard e > s, depth >= 1, depth <= HitSink.maxDepth else { return }
        let f = frames[depth - 1]
        let id = key ? f.stream ^ 0x6B65_7973 : HitSink.memberStream(p, n, f)
        let slot = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> 56)
        let index = Int32(joins.start.count)
        let before = joins.slotStream[slot] == id ? joins.slotLast[slot] : -1
        joins.start.append(Int32(s)); joins.end.append(Int32(e)); joins.prev.append(before)
        joins.slotStream[slot] = id
        joins.slotLast[slot] = index
        if before >= 0, mayJoin(p, Int(joins.end[Int(before)]), s, m) { readJoin(p, n, Int(before), Int(index), chain: true, m) }
        if !key, joins.key >= 0, mayJoin(p, Int(joins.end[Int(joins.key)]), s, m) {
            readJoin(p, n, Int(joins.key), Int(index), chain: false, m)
        }
        joins.key = key ? index : -1
    }

    /// Whether the string ending at `a` and the one starting at `b` can hold a canary across:
    /// their bytes there are neighbours in some canary, or not plain ASCII (an escape, a
    /// character the view changes).
    @inline(__always)
    func mayJoin(_ p: UnsafeRawPointer, _ a: Int, _ b: Int, _ m: Matcher) -> Bool {
        let x = Matcher.byte(p, a - 1), y = Matcher.byte(p, b)
        if x >= 0x80 || y >= 0x80 || y == 0x5C || x < 0x20 || y < 0x20 { return true }
        if a >= 2, Matcher.byte(p, a - 2) == 0x5C || (a >= 6 && Matcher.byte(p, a - 6) == 0x5C) { return true }
        return m.view.joinPairs.contains(Matcher.fold(x), Matcher.fold(y))
    }
}

/// The pairs of adjacent bytes of all patterns (folded), as 64 Ki bits.
struct BytePairs: Sendable {
    private var bits = [UInt64](repeating: 0, count: 1024)
    init(_ patterns: [Pattern]) {
        for p in patterns where p.bytes.count >= 2 {
            for k in 1 ..< p.bytes.count {
                let key = Int(Matcher.fold(p.bytes[k - 1])) << 8 | Int(Matcher.fold(p.bytes[k]))
                bits[key >> 6] |= 1 << UInt64(key & 63)
            }
        }
    }

    @inline(__always) func contains(_ x: UInt8, _ y: UInt8) -> Bool {
        let key = Int(x) << 8 | Int(y)
        return bits[key >> 6] & 1 << UInt64(key & 63) != 0
    }
}
