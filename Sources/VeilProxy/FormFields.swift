import VeilScan

/// An `application/x-www-form-urlencoded` body as the upstream reads it (WHATWG URL §5.1):
/// fields split at `&`, name and value at the first `=`, `+` a space and `%XX` a byte.
/// Written as a JSON object so that the scanner's JSON walk names the field of a finding
/// (`$.tz`); a name that repeats stays repeated, in order.
enum FormFields {
    static func json(_ body: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(body.count + 16)
        var first = true
        var start = 0
        while start <= body.count {
            let end = body[start...].firstIndex(of: UInt8(ascii: "&")) ?? body.count
            if end > start {
                let field = body[start ..< end]
                let eq = field.firstIndex(of: UInt8(ascii: "=")) ?? end
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendString(body[start ..< eq], to: &out)
                out.append(UInt8(ascii: ":"))
                appendString(eq < end ? body[(eq + 1) ..< end] : body[end ..< end], to: &out)
            }
            start = end + 1
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func json(_ body: [UInt8]) -> [UInt8] { body.withUnsafeBytes { json($0) } }

    /// One name or value, decoded, as a JSON string. Bytes at or above 0x80 are copied as
    /// they are (the scanner reads UTF-8 and flags what is not); a `%` not followed by two
    /// hex digits stays a `%`, as in the readers.
    private static func appendString(_ s: Slice<UnsafeRawBufferPointer>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var i = s.startIndex
        while i < s.endIndex {
            var b = s[i]
            i += 1
            if b == UInt8(ascii: "+") {
                b = 0x20
            } else if b == UInt8(ascii: "%"), i + 1 < s.endIndex, let h = s[i].hexDigitValue, let l = s[i + 1].hexDigitValue {
                b = h << 4 | l
                i += 2
            }
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20: out += Array("\\u00".utf8) + [hexDigit(b >> 4), hexDigit(b & 0xF)]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}
