/// The one JSON string escaper: what a profile's `home_write` puts into a JSON file and what
/// compare's reports write. Controls, DEL and U+2028/2029 (which JavaScript reads as line
/// ends) as `\uXXXX`, and whatever `also` names (the reports: invisible and bidi characters,
/// so that the file's text is what a reader sees); the rest as is.
public enum JSONString {
    /// `s` as the inside of a JSON string (no quotes around it).
    public static func escaped(_ s: String, also: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 || also(u) {
                    // Beyond the BMP, a surrogate pair (JSON has no longer escape).
                    let units = u.value > 0xFFFF
                        ? [0xD800 + ((u.value - 0x10000) >> 10), 0xDC00 + ((u.value - 0x10000) & 0x3FF)] : [u.value]
                    for unit in units {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
