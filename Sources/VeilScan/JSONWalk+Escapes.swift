// JSON string escapes: decoding them as we walk, and mapping a decoded offset back to the
// raw body (done only for findings, by decoding the string again up to that point).

extension JSONWalk {
    /// Decodes the escape at `i` (a backslash) into `out` (room for 4 bytes); returns the
    /// offset after it and the bytes written. Never longer than the escape itself, so a
    /// decoded string fits in its raw length. Lone surrogates become U+FFFD, as a lenient
    /// parser upstream would read them.
    static func unescape(_ p: UnsafeRawPointer, _ n: Int, _ i: Int,
                         into out: UnsafeMutablePointer<UInt8>) -> (next: Int, count: Int)? {
        guard i + 1 < n else { return nil }
        let c = p.load(fromByteOffset: i + 1, as: UInt8.self)
        switch c {
        case 0x22, 0x5C, 0x2F: out[0] = c
        case 0x62: out[0] = 0x08
        case 0x66: out[0] = 0x0C
        case 0x6E: out[0] = 0x0A
        case 0x72: out[0] = 0x0D
        case 0x74: out[0] = 0x09
        case 0x75:
            guard var u = hex4(p, n, i + 2) else { return nil }
            var end = i + 6
            if (0xD800 ..< 0xDC00).contains(u), end + 1 < n, p.load(fromByteOffset: end, as: UInt8.self) == 0x5C,
               p.load(fromByteOffset: end + 1, as: UInt8.self) == 0x75, let lo = hex4(p, n, end + 2),
               (0xDC00 ..< 0xE000).contains(lo) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                end += 6
            } else if (0xD800 ..< 0xE000).contains(u) {
                u = 0xFFFD
            }
            return (end, writeUTF8(u, to: out))
        default: return nil
        }
        return (i + 2, 1)
    }

    static func hex4(_ p: UnsafeRawPointer, _ n: Int, _ i: Int) -> UInt32? {
        guard i + 4 <= n else { return nil }
        var v: UInt32 = 0
        for k in 0 ..< 4 {
            let b = p.load(fromByteOffset: i + k, as: UInt8.self)
            let d: UInt8
            switch b {
            case 0x30 ... 0x39: d = b - 0x30
            case 0x61 ... 0x66: d = b - 0x61 + 10
            case 0x41 ... 0x46: d = b - 0x41 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    static func writeUTF8(_ u: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch u {
        case 0 ..< 0x80: out[0] = UInt8(u); return 1
        case 0x80 ..< 0x800:
            out[0] = UInt8(0xC0 | u >> 6); out[1] = UInt8(0x80 | u & 0x3F); return 2
        case 0x800 ..< 0x10000:
            out[0] = UInt8(0xE0 | u >> 12); out[1] = UInt8(0x80 | u >> 6 & 0x3F); out[2] = UInt8(0x80 | u & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | u >> 18); out[1] = UInt8(0x80 | u >> 12 & 0x3F)
            out[2] = UInt8(0x80 | u >> 6 & 0x3F); out[3] = UInt8(0x80 | u & 0x3F)
            return 4
        }
    }

    /// Raw body offset of decoded byte `decoded` of the string whose content starts at
    /// `stringStart`. A byte produced by an escape maps to the escape's backslash.
    static func rawOffset(_ body: UnsafeRawBufferPointer, stringStart: Int, decoded: Int) -> Int {
        guard let p = body.baseAddress else { return stringStart }
        let n = body.count
        var i = stringStart, d = 0
        var tmp: (UInt32, UInt32) = (0, 0)
        return withUnsafeMutableBytes(of: &tmp) { t in
            let out = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
            while i < n, d <= decoded {
                let b = p.load(fromByteOffset: i, as: UInt8.self)
                if b == 0x22 { break }
                if b != 0x5C {
                    if d == decoded { return i }
                    i += 1; d += 1
                    continue
                }
                guard let (next, count) = unescape(p, n, i, into: out) else { break }
                if decoded < d + count { return i }
                d += count
                i = next
            }
            return i
        }
    }
}
