/// The one JSON string escaper: what a profile's `home_write` puts into a JSON file and what
/// compare's reports write. Controls, DEL and U+2028/2029 (which JavaScript reads as line
/// ends) as `\uXXXX`; the rest as is.
public enum JSONString {
    /// `s` as the inside of a JSON string (no quotes around it).
    public static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
