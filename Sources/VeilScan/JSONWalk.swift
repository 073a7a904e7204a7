// JSON byte-level helpers for the scan (HitSink+JSON.swift) and the path walk: the bytes
// allowed outside strings, the search for a quote or backslash, and string decoding.

enum JSONWalk {
    /// Bytes allowed outside strings: whitespace, structure, numbers, true/false/null. The
    /// C kernel has its own copy as nibble tables; a test holds the two equal.
    static let outside: [UInt8] = {
        var t = [UInt8](repeating: 2, count: 256)  // 2: not JSON
        for b in Array(" \t\r\n:0123456789+-.eEtrufalsn".utf8) { t[Int(b)] = 0 }
        t[0x2C] = 5  // comma
        t[0x22] = 1  // quote
        for b in Array("{[".utf8) { t[Int(b)] = 3 }
        for b in Array("}]".utf8) { t[Int(b)] = 4 }
        return t
    }()

    /// `p[from ..< to]`, bytes outside strings between two marks, holds only whitespace, at
    /// most one colon, and at most one number or `true`/`false`/`null`. (The kernel let
    /// through only bytes these can be made of, but in any order: `192.168.3.17`, `+08:00`.)
    @inline(__always)
    static func isBareGap(_ p: UnsafeRawPointer, _ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to, isSpace(p, i) { i += 1 }
        if i < to, p.load(fromByteOffset: i, as: UInt8.self) == 0x3A {
            i += 1
            while i < to, isSpace(p, i) { i += 1 }
        }
        guard i < to else { return true }
        var end = i
        while end < to, !isSpace(p, end) { end += 1 }
        guard isScalar(p, i, end) else { return false }
        while end < to, isSpace(p, end) { end += 1 }
        return end == to
    }

    /// A JSON number (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`) or literal.
    static func isScalar(_ p: UnsafeRawPointer, _ start: Int, _ end: Int) -> Bool {
        let token = UnsafeRawBufferPointer(start: p + start, count: end - start)
        // The literals by their bytes: `elementsEqual` against a String's UTF-8 view cost
        // more than the rest of a JSON-heavy body's walk between strings.
        if token.count == 4 || token.count == 5 {
            let word = token.count == 4 ? p.loadUnaligned(fromByteOffset: start, as: UInt32.self)
                : p.loadUnaligned(fromByteOffset: start + 1, as: UInt32.self)
            if token.count == 4 ? word == 0x6575_7274 || word == 0x6C6C_756E  // "true", "null"
                : token[0] == 0x66 && word == 0x6573_6C61 { return true }     // "f" + "alse"
        }
        var i = 0
        func digits() -> Int {
            let from = i
            while i < token.count, token[i] &- 0x30 < 10 { i += 1 }
            return i - from
        }
        if i < token.count, token[i] == 0x2D { i += 1 }
        if i < token.count, token[i] == 0x30 { i += 1 } else if digits() == 0 { return false }
        if i < token.count, token[i] == 0x2E {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < token.count, token[i] | 0x20 == 0x65 {
            i += 1
            if i < token.count, token[i] == 0x2B || token[i] == 0x2D { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == token.count
    }

    @inline(__always) static func isSpace(_ p: UnsafeRawPointer, _ i: Int) -> Bool {
        let b = p.load(fromByteOffset: i, as: UInt8.self)
        return b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// Position of the next quote or backslash at or after `i`, or `n`.
    @inline(__always)
    static func nextSpecial(_ p: UnsafeRawPointer, _ n: Int, _ start: Int) -> Int {
        var i = start
        let quote = SIMD16<UInt8>(repeating: 0x22), backslash = SIMD16<UInt8>(repeating: 0x5C)
        while i + 16 <= n {
            let v = p.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            let m = (v .== quote)._storage | (v .== backslash)._storage
            let bits = unsafeBitCast(m, to: (lo: UInt64, hi: UInt64).self)
            if bits.lo != 0 { return i + bits.lo.trailingZeroBitCount >> 3 }
            if bits.hi != 0 { return i + 8 + bits.hi.trailingZeroBitCount >> 3 }
            i += 16
        }
        while i < n {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b == 0x22 || b == 0x5C { return i }
            i += 1
        }
        return n
    }

    /// Offset of the quote closing the string whose content starts at `start`, or nil.
    static func closingQuote(_ p: UnsafeRawPointer, _ n: Int, _ start: Int) -> Int? {
        var i = start
        while true {
            i = nextSpecial(p, n, i)
            guard i < n else { return nil }
            if p.load(fromByteOffset: i, as: UInt8.self) == 0x22 { return i }
            i += 2  // an escape: the byte after the backslash is never the closing quote
        }
    }

    /// Decodes `p[start ..< end]` (a string's content) into the scratch buffer; the
    /// decoded text is never longer than the raw text.
    static func unescapeString(_ p: UnsafeRawPointer, _ start: Int, _ end: Int, into scratch: Scratch) -> Int? {
        scratch.reserve(end - start + 4)
        let out = scratch.base.assumingMemoryBound(to: UInt8.self)
        var i = start, len = 0
        while i < end {
            let j = nextSpecial(p, end, i)
            (out + len).update(from: (p + i).assumingMemoryBound(to: UInt8.self), count: j - i)
            len += j - i
            guard j < end else { break }
            guard let (next, count) = unescape(p, end, j, into: out + len) else { return nil }
            len += count
            i = next
        }
        return len
    }
}

/// The decode buffer of one scan: grows by doubling, freed with the scan.
final class Scratch {
    private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int

    init() {
        capacity = 64 << 10
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    func reserve(_ bytes: Int) {
        guard bytes > capacity else { return }
        var c = capacity
        while c < bytes { c *= 2 }
        let b = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        b.copyMemory(from: base, byteCount: capacity)
        base.deallocate()
        base = b
        capacity = c
    }

    deinit { base.deallocate() }
}
