// Full comparison of a pattern at a candidate position, and the edge rules that keep
// `alice` from matching inside `malice` and `10.0.0.1` inside `10.0.0.12`.

extension Matcher {
    @inline(__always) static func byte(_ p: UnsafeRawPointer, _ i: Int) -> UInt8 {
        p.load(fromByteOffset: i, as: UInt8.self)
    }

    @inline(__always) static func isWord(_ b: UInt8) -> Bool {
        (b | 0x20) &- 0x61 < 26 || b &- 0x30 < 10 || b == 0x5F
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Whether the byte at `i` is the letter of an escape (`\n`, `\t`): in JSON text
    /// scanned without decoding, that letter is whitespace, not part of a word.
    @inline(__always) static func isEscapeLetter(_ p: UnsafeRawPointer, _ i: Int) -> Bool {
        var k = i - 1, slashes = 0
        while k >= 0, byte(p, k) == 0x5C { slashes += 1; k -= 1 }
        return slashes & 1 == 1
    }

    static func edgeBefore(_ edge: Edge, first: UInt8, _ p: UnsafeRawPointer, _ s: Int, escapes: Bool) -> Bool {
        guard s > 0 else { return true }
        let c = byte(p, s - 1)
        if escapes, isWord(c), isEscapeLetter(p, s - 1) { return true }
        switch edge {
        case .none, .path: return true
        case .word: return !isWord(first) || !isWord(c)
        case .number:
            if isWord(c) { return false }
            // `1.10.0.0.1` is not the address 10.0.0.1.
            return !((c == 0x2E || c == 0x3A) && s >= 2 && isDigit(byte(p, s - 2)))
        case .offset: return offsetMayFollow(p, s)
        }
    }

    /// Whether `+0800` at `s` may be an offset: after a space, a bracket, a quote, or the
    /// seconds, minutes or fraction of a time, not inside a number or a version.
    static func offsetMayFollow(_ p: UnsafeRawPointer, _ s: Int) -> Bool {
        let c = byte(p, s - 1)
        if c == 0x2E || c == 0x2B || c == 0x2D || c == 0x3A || c == 0x2F { return !(s >= 2 && isDigit(byte(p, s - 2))) }
        guard isWord(c) else { return true }
        guard isDigit(c) else { return false }
        var k = s - 1
        while k > 0, isDigit(byte(p, k - 1)) { k -= 1 }
        let run = s - k, b: UInt8 = k > 0 ? byte(p, k - 1) : 0
        if b | 0x20 == 0x74 { return run == 2 || run == 4 || run == 6 }  // T10, T1000, T100000
        if b == 0x3A { return run == 2 }                                   // 10:00, 10:00:00
        // A fraction of a second: 10:00:00.123
        return b == 0x2E && k >= 4 && byte(p, k - 4) == 0x3A && isDigit(byte(p, k - 2))
    }

    static func edgeAfter(_ edge: Edge, last: UInt8, _ p: UnsafeRawPointer, _ n: Int, _ e: Int) -> Bool {
        guard e < n else { return true }
        let c = byte(p, e)
        let next: UInt8 = e + 1 < n ? byte(p, e + 1) : 0
        switch edge {
        case .none: return true
        case .word: return !isWord(last) || !isWord(c)
        case .path:
            // Whole path segments: `/home/alice` matches `/home/alice/src` and `/home/alice.`
            // at the end of a sentence, not `/home/alicex` or `/home/alice-old`.
            if isWord(c) || c == 0x2D { return false }
            return !(c == 0x2E && isWord(next))
        case .number, .offset:
            if isWord(c) { return false }
            return !((c == 0x2E || c == 0x3A) && isDigit(next))
        }
    }
}
