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

import Glibc

extension HitSink {
    /// The strings of the body so far, in order, each with the stream's string before it.
    /// Plain memory, allocated by the walk (`open`, `close`): every string of a body is
    /// appended here, and an array's uniqueness checks and growth cost more than the rest
    /// of `join` together.
    struct Joins {
        struct Entry { var start: Int, end: Int, prev: Int }
        struct Slot { var stream: UInt64, last: Int }
        var strings: UnsafeMutablePointer<Entry>? = nil
        var count = 0, capacity = 0
        /// Per stream met, its last string: open addressing, a slot for each stream however
        /// many a body has (`last` -1: free), grown at half full.
        var slots: UnsafeMutablePointer<Slot>? = nil
        var slotCount = 0, slotsUsed = 0, slotShift: UInt64 = 0
        // Read only between `open` and `close`, where they are set.
        @inline(__always) func start(_ k: Int) -> Int { strings.unsafelyUnwrapped[k].start }
        @inline(__always) func end(_ k: Int) -> Int { strings.unsafelyUnwrapped[k].end }
        @inline(__always) func prev(_ k: Int) -> Int { strings.unsafelyUnwrapped[k].prev }
        /// The key just read, for the value that follows it.
        var key = -1
        /// The matcher's BytePairs for the view, read without reference counting.
        var tables: BytePairs.Tables? = nil
        /// Raw bytes the junction reads may still take (a byte more per string they pass).
        /// Each reads back over as many strings as a canary can span: one-letter strings
        /// (`["a","a",…]`) made that the longest canary's length per byte of the body, and
        /// strings the view leaves empty far more. Past the budget, each stream is read once
        /// (HitSink+JoinsDeferred.swift).
        var budget = 0
        /// The first string whose junction with its stream was left to that pass (-1: none).
        var deferred = -1

        /// Room for a string every 32 bytes of the body: prompts have one every 60 to 100,
        /// so the list seldom grows (each growth copied it: 3% of a scan).
        static func open(_ view: Matcher, bodySize: Int, budget: Int) -> Joins {
            var j = Joins()
            j.capacity = max(1024, bodySize / 32)
            j.strings = malloc(j.capacity * MemoryLayout<Entry>.stride)!.assumingMemoryBound(to: Entry.self)
            j.makeSlots(256)
            j.tables = view.joinPairs.tables
            j.budget = budget
            return j
        }

        mutating func close() {
            free(strings)
            slots?.deallocate()
            self = Joins()
        }

        private mutating func makeSlots(_ count: Int) {
            slots = .allocate(capacity: count)
            slots!.initialize(repeating: Slot(stream: 0, last: -1), count: count)
            slotCount = count
            slotsUsed = 0
            slotShift = UInt64(64 - count.trailingZeroBitCount)
        }

        /// The slot of stream `id`: its last string, or a free one (`last` -1), claimed for it.
        /// Every stream keeps its slot: a table of 256 overwritten on a collision lost the
        /// junction of any two strings of a stream whose slot another stream took in between
        /// (`content` after `role` when their names carried marks; found by the scan fuzzer).
        @inline(__always) mutating func slot(for id: UInt64) -> UnsafeMutablePointer<Slot> {
            var s = slots.unsafelyUnwrapped + Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> slotShift)
            while true {
                if s.pointee.last < 0 { return claim(s, for: id) }
                if s.pointee.stream == id { return s }
                s = s == slots.unsafelyUnwrapped + (slotCount &- 1) ? slots.unsafelyUnwrapped : s + 1
            }
        }

        /// A stream's first string: its free slot, or one in a table twice the size once this
        /// one would be more than half full.
        @inline(never) private mutating func claim(_ s: UnsafeMutablePointer<Slot>, for id: UInt64) -> UnsafeMutablePointer<Slot> {
            guard (slotsUsed + 1) * 2 <= slotCount else {
                let old = slots!, oldCount = slotCount
                makeSlots(oldCount * 2)
                for k in 0 ..< oldCount where old[k].last >= 0 { slot(for: old[k].stream).pointee = old[k] }
                old.deallocate()
                return slot(for: id)
            }
            s.pointee.stream = id
            slotsUsed += 1
            return s
        }

        @inline(__always) mutating func append(_ e: Entry) {
            if count == capacity { grow() }
            strings.unsafelyUnwrapped[count] = e
            count += 1
        }

        /// Doubles the list in place where it can (realloc: no copy for a large block).
        @inline(never) mutating func grow() {
            capacity *= 2
            let raw = realloc(UnsafeMutableRawPointer(strings!), capacity * MemoryLayout<Entry>.stride)!
            strings = raw.assumingMemoryBound(to: Entry.self)
        }
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
            if len < 8 { v &= ~0 &>> UInt64(64 - 8 * len) }
        } else {
            for k in 0 ..< min(len, 8) { v |= UInt64(Matcher.byte(p, s + k)) << UInt64(8 * k) }
        }
        return v ^ UInt64(truncatingIfNeeded: len) &* 0x9E37_79B9_7F4A_7C15
    }

    /// A string of the walk ends (raw content `s ..< e`): it joins its stream. Inlined in
    /// the walk, for every string: a few dozen instructions when no junction is read.
    @inline(__always)
    mutating func join(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int, key: Bool, _ m: Matcher,
                       _ frames: UnsafeMutablePointer<PathFrame>) {
        guard e > s, UInt(bitPattern: depth &- 1) < UInt(HitSink.maxDepth) else { return }
        let f = frames[depth - 1]
        let id = key ? f.stream ^ 0x6B65_7973 : f.memberStream
        let slot = joins.slot(for: id)
        let index = joins.count
        let before = slot.pointee.last
        joins.append(Joins.Entry(start: s, end: e, prev: before))
        slot.pointee.last = index
        let keyBefore = key ? -1 : joins.key
        joins.key = key ? index : -1
        let tables = joins.tables.unsafelyUnwrapped
        if before >= 0, joins.deferred < 0, HitSink.mayJoin(p, joins.start(before), joins.end(before), s, e, tables) {
            readJoin(p, n, before, index, chain: true, m)
        }
        if keyBefore >= 0, HitSink.mayJoin(p, joins.start(keyBefore), joins.end(keyBefore), s, e, tables) {
            readJoin(p, n, keyBefore, index, chain: false, m)
        }
    }

    /// Whether string `as ..< a` and string `b ..< be` can hold a canary across: the bytes
    /// met at the junction are neighbours in some canary, and so are four of them (or three,
    /// for a canary of three), or the sides are not plain ASCII (an escape, a character the
    /// view changes).
    @inline(__always)
    static func mayJoin(_ p: UnsafeRawPointer, _ as: Int, _ a: Int, _ b: Int, _ be: Int, _ t: BytePairs.Tables) -> Bool {
        let x = Matcher.byte(p, a - 1), y = Matcher.byte(p, b)
        // Most junctions end here, with one bit: the pair is in no canary and both bytes are
        // plain ASCII, and the left side does not end in an escape.
        if !BytePairs.has(t.junction, Int(x) << 8 | Int(y)), Matcher.byte(p, a - 2) != 0x5C,
           !(a >= 6 && Matcher.byte(p, a - 6) == 0x5C && Matcher.byte(p, a - 5) == 0x75) {
            return false
        }
        return mayJoinAt(p, `as`, a, b, be, t)
    }

    /// The rest of `mayJoin`, for the few junctions the pair table lets through.
    @inline(never)
    static func mayJoinAt(_ p: UnsafeRawPointer, _ as: Int, _ a: Int, _ b: Int, _ be: Int, _ t: BytePairs.Tables) -> Bool {
        let x = Matcher.byte(p, a - 1), y = Matcher.byte(p, b)
        guard x &- 0x20 < 0x5F, y &- 0x20 < 0x5F, x != 0x5C, y != 0x5C else {
            return x >= 0x80 || y >= 0x80 ? mayJoinFolded(p, `as`, a, b, be, t) : true
        }
        if Matcher.byte(p, a - 2) == 0x5C, Matcher.isEscapeLetter(p, a - 1) {
            // Source code ends its strings in `\n`: a newline, which no canary holds.
            return !(x == 0x6E || x == 0x74 || x == 0x72)
        }
        if a >= 6, Matcher.byte(p, a - 6) == 0x5C, Matcher.byte(p, a - 5) == 0x75 { return true }  // `\uXXXX`
        let fx = Matcher.fold(x), fy = Matcher.fold(y)
        guard BytePairs.has(t.pairs, Int(fx) << 8 | Int(fy)) else { return false }
        // The neighbours, folded, where they are plain bytes of the same string (0: not
        // known, so any canary might hold them there).
        let l1 = a - 2 >= `as` && a >= 3 && Matcher.byte(p, a - 3) != 0x5C ? t.plain[Int(Matcher.byte(p, a - 2))] : 0
        let l2 = l1 != 0 && a - 3 >= `as` && a >= 4 && Matcher.byte(p, a - 4) != 0x5C ? t.plain[Int(Matcher.byte(p, a - 3))] : 0
        // Past the new string's end there is no byte (`none`), not an unknown one: a canary
        // read at this junction ends in the new string (one that goes on is read at the next
        // junction). Short values (`"a"`, `"ok"`) would otherwise let every junction through.
        let none = BytePairs.none
        let r1 = b + 1 < be ? t.plain[Int(Matcher.byte(p, b + 1))] : none
        let r2 = r1 == 0 || r1 == none ? r1 : b + 2 < be ? t.plain[Int(Matcher.byte(p, b + 2))] : none
        // A canary across the junction has two bytes on each side (the four meet), or one on
        // one side and three on the other, or it is three bytes long.
        func quad(_ q0: UInt8, _ q1: UInt8, _ q2: UInt8, _ q3: UInt8) -> Bool {
            q3 == none ? false : q0 == 0 || q3 == 0 || BytePairs.has(t.quads, BytePairs.hash(q0, q1, q2, q3))
        }
        func triple(_ q0: UInt8, _ q1: UInt8, _ q2: UInt8) -> Bool {
            q2 == none ? false : q0 == 0 || q2 == 0 || BytePairs.has(t.triples, BytePairs.hash(q0, q1, q2))
        }
        if t.hasTwo { return true }  // a `forbid` rule of two bytes: the pair was all of it
        return quad(l1, fx, fy, r1) || quad(fx, fy, r1, r2) || quad(l2, l1, fx, fy)
            || (t.hasThree && (triple(l1, fx, fy) || triple(fx, fy, r1)))
    }
}

extension HitSink {
    /// A junction with a side that is not ASCII (prose in another script has them at every
    /// junction): the bytes the view has there, each side's scalar folded (Fold.swift), must
    /// be neighbours in some canary. An escape, a control, a dropped character or bytes that
    /// are not UTF-8 at the junction leave it to `readJoin`.
    static func mayJoinFolded(_ p: UnsafeRawPointer, _ as: Int, _ a: Int, _ b: Int, _ be: Int, _ t: BytePairs.Tables) -> Bool {
        let x = Matcher.byte(p, a - 1), y = Matcher.byte(p, b)
        var left = x, right = y
        if x < 0x80 {
            guard x &- 0x20 < 0x5F, x != 0x5C, Matcher.byte(p, a - 2) != 0x5C,
                  !(a >= 6 && Matcher.byte(p, a - 6) == 0x5C && Matcher.byte(p, a - 5) == 0x75) else { return true }
        } else {
            guard let (cp, start) = HitSink.previous(p, a, a), start >= `as` else { return true }
            if let f = Fold.of(cp) {
                guard let last = f.last else { return true }
                left = last
            }
        }
        if y < 0x80 {
            guard y &- 0x20 < 0x5F, y != 0x5C else { return true }
        } else {
            guard let d = HitSink.decode(p, be, b) else { return true }
            if let f = Fold.of(d.cp) {
                guard let first = f.first else { return true }
                right = first
            }
        }
        return BytePairs.has(t.pairs, Int(Matcher.fold(left)) << 8 | Int(Matcher.fold(right)))
    }
}

/// The pairs of adjacent bytes of all patterns (folded) as 64 Ki bits, the same indexed by
/// raw bytes with every pair that is not plain ASCII set (the junction's first test), and
/// the runs of four (and of three, in patterns of three bytes) hashed into 64 Ki bits each
/// (a collision only means one more junction read). Plain memory, like CompiledPatterns:
/// read for every string, it must cost no reference counting.
final class BytePairs: @unchecked Sendable {
    struct Tables {
        let pairs: UnsafeMutablePointer<UInt64>, junction: UnsafeMutablePointer<UInt64>
        let quads: UnsafeMutablePointer<UInt64>, triples: UnsafeMutablePointer<UInt64>
        /// Per byte: itself folded when plain ASCII (not a backslash), else 0.
        let plain: UnsafeMutablePointer<UInt8>
        let hasThree: Bool, hasTwo: Bool
    }

    let tables: Tables
    /// In the junction test: no byte there (past a string's end); never a `plain` value.
    static let none: UInt8 = 0xFF

    init(_ patterns: [Pattern]) {
        func bits() -> UnsafeMutablePointer<UInt64> {
            let t = UnsafeMutablePointer<UInt64>.allocate(capacity: 1024)
            t.initialize(repeating: 0, count: 1024)
            return t
        }
        func set(_ t: UnsafeMutablePointer<UInt64>, _ key: Int) { t[key >> 6] |= 1 << UInt64(key & 63) }
        let pairs = bits(), junction = bits(), quads = bits(), triples = bits()
        var three = false, two = false
        for p in patterns where p.bytes.count >= 2 {
            let f = p.bytes.map(Matcher.fold)
            for k in 1 ..< f.count {
                set(pairs, Int(f[k - 1]) << 8 | Int(f[k]))
                if k >= 3 { set(quads, BytePairs.hash(f[k - 3], f[k - 2], f[k - 1], f[k])) }
            }
            if f.count == 2 { two = true }
            if f.count == 3 {
                set(triples, BytePairs.hash(f[0], f[1], f[2]))
                three = true
            }
        }
        let plain = { (c: Int) in c &- 0x20 < 0x5F && c != 0x5C }
        for x in 0 ..< 256 {
            for y in 0 ..< 256
            where !plain(x) || !plain(y) || BytePairs.has(pairs, Int(Matcher.fold(UInt8(x))) << 8 | Int(Matcher.fold(UInt8(y)))) {
                set(junction, x << 8 | y)
            }
        }
        let folded = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for c in 0 ..< 256 { folded[c] = plain(c) ? Matcher.fold(UInt8(c)) : 0 }
        tables = Tables(pairs: pairs, junction: junction, quads: quads, triples: triples, plain: folded,
                        hasThree: three, hasTwo: two)
    }

    deinit {
        for t in [tables.pairs, tables.junction, tables.quads, tables.triples] { t.deallocate() }
        tables.plain.deallocate()
    }

    @inline(__always) static func hash(_ x: UInt8, _ y: UInt8, _ z: UInt8) -> Int {
        (Int(x) &* 0x9E5 ^ Int(y) << 5 ^ Int(z) << 8 ^ Int(y) >> 3) & 0xFFFF
    }

    @inline(__always) static func hash(_ w: UInt8, _ x: UInt8, _ y: UInt8, _ z: UInt8) -> Int {
        let v = UInt32(w) | UInt32(x) << 8 | UInt32(y) << 16 | UInt32(z) << 24
        return Int((v &* 0x9E37_79B1) >> 16)
    }

    @inline(__always) static func has(_ bits: UnsafePointer<UInt64>, _ key: Int) -> Bool {
        bits[key >> 6] & 1 << UInt64(key & 63) != 0
    }
}
