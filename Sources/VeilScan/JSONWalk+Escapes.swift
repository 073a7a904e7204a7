// JSON string escapes: decoding them as we walk, and mapping a decoded offset back to the
// raw body (done only for findings, by decoding the string again up to that point).

extension JSONWalk {
    /// Decodes the escape at `i` (a backslash) into `out`; returns the offset after it.
    /// Lone surrogates become U+FFFD, as a lenient JSON parser upstream would read them.
    static func unescape(_ p: UnsafeRawPointer, _ n: Int, _ i: Int, into out: inout [UInt8]) -> Int? {
        guard i + 1 < n else { return nil }
        let c = p.load(fromByteOffset: i + 1, as: UInt8.self)
        switch c {
        case 0x22, 0x5C, 0x2F: out.append(c)
        case 0x62: out.append(0x08)
        case 0x66: out.append(0x0C)
        case 0x6E: out.append(0x0A)
        case 0x72: out.append(0x0D)
        case 0x74: out.append(0x09)
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
            appendUTF8(u, to: &out)
            return end
        default: return nil
        }
        return i + 2
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

    static func appendUTF8(_ u: UInt32, to out: inout [UInt8]) {
        switch u {
        case 0 ..< 0x80: out.append(UInt8(u))
        case 0x80 ..< 0x800:
            out.append(UInt8(0xC0 | u >> 6)); out.append(UInt8(0x80 | u & 0x3F))
        case 0x800 ..< 0x10000:
            out.append(UInt8(0xE0 | u >> 12)); out.append(UInt8(0x80 | u >> 6 & 0x3F)); out.append(UInt8(0x80 | u & 0x3F))
        default:
            out.append(UInt8(0xF0 | u >> 18)); out.append(UInt8(0x80 | u >> 12 & 0x3F))
            out.append(UInt8(0x80 | u >> 6 & 0x3F)); out.append(UInt8(0x80 | u & 0x3F))
        }
    }

    /// Raw body offset of decoded byte `decoded` of the string whose content starts at
    /// `stringStart`. A byte produced by an escape maps to the escape's backslash.
    static func rawOffset(_ body: UnsafeRawBufferPointer, stringStart: Int, decoded: Int) -> Int {
        guard let p = body.baseAddress else { return stringStart }
        let n = body.count
        var i = stringStart, d = 0
        var tmp: [UInt8] = []
        while i < n, d <= decoded {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b == 0x22 { break }
            if b != 0x5C {
                if d == decoded { return i }
                i += 1; d += 1
                continue
            }
            tmp.removeAll(keepingCapacity: true)
            guard let next = unescape(p, n, i, into: &tmp) else { break }
            if decoded < d + tmp.count { return i }
            d += tmp.count
            i = next
        }
        return i
    }
}
