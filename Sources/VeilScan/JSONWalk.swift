// The one pass over a JSON body. Outside strings only structure is checked (a byte that
// cannot appear there means "not JSON": the caller rescans everything as raw text, so
// nothing can hide in malformed JSON). Inside strings, 16 bytes at a time look for the
// closing quote or a backslash; a string with escapes is decoded into a scratch buffer so
// the text scan sees what the model will see.

enum JSONWalk {
    /// Bytes allowed outside strings: whitespace, structure, numbers, true/false/null.
    static let outside: [UInt8] = {
        var t = [UInt8](repeating: 2, count: 256)  // 2: not JSON
        for b in Array(" \t\r\n,:0123456789+-.eEtrufalsn".utf8) { t[Int(b)] = 0 }
        t[0x22] = 1  // quote
        for b in Array("{[".utf8) { t[Int(b)] = 3 }
        for b in Array("}]".utf8) { t[Int(b)] = 4 }
        return t
    }()

    /// Scans every string (keys too). False when the body is not well-formed enough to
    /// trust that every byte outside strings is structure.
    static func scanStrings(_ body: UnsafeRawBufferPointer, matcher: Matcher, sink: inout HitSink) -> Bool {
        guard let p = body.baseAddress else { return false }
        let n = body.count
        var i = 0
        while i < n, isSpace(p, i) { i += 1 }
        guard i < n, p.load(fromByteOffset: i, as: UInt8.self) == 0x7B || p.load(fromByteOffset: i, as: UInt8.self) == 0x5B
        else { return false }
        var depth = 0
        var scratch: [UInt8] = []
        return outside.withUnsafeBufferPointer { table in
            while i < n {
                switch table[Int(p.load(fromByteOffset: i, as: UInt8.self))] {
                case 0: i += 1
                case 1:
                    guard let end = string(p, n, i + 1, matcher: matcher, sink: &sink, scratch: &scratch) else { return false }
                    i = end + 1
                case 3: depth += 1; i += 1
                case 4:
                    depth -= 1; i += 1
                    if depth == 0 {
                        while i < n, isSpace(p, i) { i += 1 }
                        return i == n
                    }
                    if depth < 0 { return false }
                default: return false
                }
            }
            return false
        }
    }

    @inline(__always) static func isSpace(_ p: UnsafeRawPointer, _ i: Int) -> Bool {
        let b = p.load(fromByteOffset: i, as: UInt8.self)
        return b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// Position of the next quote or backslash at or after `i`, or `n`.
    @inline(__always)
    static func nextSpecial(_ p: UnsafeRawPointer, _ n: Int, _ start: Int) -> Int {
        var i = start
        while i + 16 <= n {
            let v = p.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            let m = eq80(v, SIMD16(repeating: 0x22)) | eq80(v, SIMD16(repeating: 0x5C))
            let bits = unsafeBitCast(m, to: HitBits.self)
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

    /// Scans the string whose content starts at `start`; returns the closing quote's offset.
    static func string(_ p: UnsafeRawPointer, _ n: Int, _ start: Int, matcher: Matcher,
                       sink: inout HitSink, scratch: inout [UInt8]) -> Int? {
        var i = nextSpecial(p, n, start)
        guard i < n else { return nil }
        if p.load(fromByteOffset: i, as: UInt8.self) == 0x22 {
            sink.scanText(UnsafeRawBufferPointer(start: p + start, count: i - start), rawStart: start,
                          escaped: false, matcher: matcher)
            return i
        }
        // Escapes: decode the whole string, copying the plain runs between them.
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while true {
            scratch.append(contentsOf: UnsafeRawBufferPointer(start: p + runStart, count: i - runStart))
            if p.load(fromByteOffset: i, as: UInt8.self) == 0x22 { break }
            guard let next = unescape(p, n, i, into: &scratch) else { return nil }
            runStart = next
            i = nextSpecial(p, n, next)
            guard i < n else { return nil }
        }
        scratch.withUnsafeBytes { sink.scanText($0, rawStart: start, escaped: true, matcher: matcher) }
        return i
    }
}
