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
        var strings: [(start: Int32, end: Int32, prev: Int32)] = []
        func start(_ k: Int) -> Int { Int(strings[k].start) }
        func end(_ k: Int) -> Int { Int(strings[k].end) }
        func prev(_ k: Int) -> Int { Int(strings[k].prev) }
        /// Per slot (a stream's hash), the stream and its last string.
        var slotStream = [UInt64](repeating: 0, count: 256), slotLast = [Int32](repeating: -1, count: 256)
        /// The key just read, for the value that follows it.
        var key: Int32 = -1
        /// The matcher's BytePairs for the view, read without reference counting.
        var pairs: UnsafeMutablePointer<UInt64>? = nil, triples: UnsafeMutablePointer<UInt64>? = nil
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
        guard e > s, depth >= 1, depth <= HitSink.maxDepth, let pairs = joins.pairs, let triples = joins.triples
        else { return }
        let f = frames[depth - 1]
        let id = key ? f.stream ^ 0x6B65_7973 : HitSink.memberStream(p, n, f)
        let slot = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> 56)
        let index = joins.strings.count
        let before = joins.slotStream[slot] == id ? Int(joins.slotLast[slot]) : -1
        joins.strings.append((Int32(s), Int32(e), Int32(before)))
        joins.slotStream[slot] = id
        joins.slotLast[slot] = Int32(index)
        let keyBefore = key ? -1 : Int(joins.key)
        joins.key = key ? Int32(index) : -1
        if before >= 0, HitSink.mayJoin(p, joins.start(before), joins.end(before), s, e, pairs, triples) {
            readJoin(p, n, before, index, chain: true, m)
        }
        if keyBefore >= 0, HitSink.mayJoin(p, joins.start(keyBefore), joins.end(keyBefore), s, e, pairs, triples) {
            readJoin(p, n, keyBefore, index, chain: false, m)
        }
    }

    /// Whether string `as ..< a` and string `b ..< be` can hold a canary across: the bytes
    /// met at the junction are neighbours in some canary, and so are three of them (two of
    /// one side, one of the other), or the sides are not plain ASCII (an escape, a
    /// character the view changes).
    @inline(__always)
    static func mayJoin(_ p: UnsafeRawPointer, _ as: Int, _ a: Int, _ b: Int, _ be: Int,
                        _ pairs: UnsafeMutablePointer<UInt64>, _ triples: UnsafeMutablePointer<UInt64>) -> Bool {
        let x = Matcher.byte(p, a - 1), y = Matcher.byte(p, b)
        guard x &- 0x20 < 0x5F, y &- 0x20 < 0x5F, x != 0x5C, y != 0x5C else { return true }
        if Matcher.byte(p, a - 2) == 0x5C, Matcher.isEscapeLetter(p, a - 1) {
            // Source code ends its strings in `\n`: a newline, which no canary holds.
            return !(x == 0x6E || x == 0x74 || x == 0x72)
        }
        if a >= 6, Matcher.byte(p, a - 6) == 0x5C, Matcher.byte(p, a - 5) == 0x75 { return true }  // `\uXXXX`
        let fx = Matcher.fold(x), fy = Matcher.fold(y)
        guard BytePairs.has(pairs, Int(fx) << 8 | Int(fy)) else { return false }
        // Unknown neighbours (a string of one byte, an escape): the pair decides that side.
        var left = true, right = true
        if a - 2 >= `as`, a >= 3, Matcher.byte(p, a - 2) &- 0x20 < 0x5F, Matcher.byte(p, a - 2) != 0x5C,
           Matcher.byte(p, a - 3) != 0x5C {
            left = BytePairs.has(triples, BytePairs.hash(Matcher.fold(Matcher.byte(p, a - 2)), fx, fy))
        }
        if b + 1 < be, Matcher.byte(p, b + 1) &- 0x20 < 0x5F, Matcher.byte(p, b + 1) != 0x5C {
            right = BytePairs.has(triples, BytePairs.hash(fx, fy, Matcher.fold(Matcher.byte(p, b + 1))))
        }
        return left || right
    }
}

/// The pairs and triples of adjacent bytes of all patterns (folded), as 64 Ki bits each
/// (triples hashed: a collision only means one more junction read). Plain memory, like
/// CompiledPatterns: read for every string, it must cost no reference counting.
final class BytePairs: @unchecked Sendable {
    let pairs: UnsafeMutablePointer<UInt64>, triples: UnsafeMutablePointer<UInt64>

    init(_ patterns: [Pattern]) {
        pairs = .allocate(capacity: 1024)
        pairs.initialize(repeating: 0, count: 1024)
        triples = .allocate(capacity: 1024)
        triples.initialize(repeating: 0, count: 1024)
        for p in patterns where p.bytes.count >= 2 {
            let f = p.bytes.map(Matcher.fold)
            for k in 1 ..< f.count {
                let key = Int(f[k - 1]) << 8 | Int(f[k])
                pairs[key >> 6] |= 1 << UInt64(key & 63)
                if k >= 2 {
                    let t = BytePairs.hash(f[k - 2], f[k - 1], f[k])
                    triples[t >> 6] |= 1 << UInt64(t & 63)
                }
            }
        }
    }

    deinit { pairs.deallocate(); triples.deallocate() }

    @inline(__always) static func hash(_ x: UInt8, _ y: UInt8, _ z: UInt8) -> Int {
        (Int(x) &* 0x9E5 ^ Int(y) << 5 ^ Int(z) << 8 ^ Int(y) >> 3) & 0xFFFF
    }

    @inline(__always) static func has(_ bits: UnsafePointer<UInt64>, _ key: Int) -> Bool {
        bits[key >> 6] & 1 << UInt64(key & 63) != 0
    }
}
