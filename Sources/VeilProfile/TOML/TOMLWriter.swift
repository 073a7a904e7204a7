// Writing TOML back out (for `veil profile show`): keys bare when they can be, strings as
// basic strings with every control and format character escaped so that the output is
// plain to read and re-parses to the same value.

public enum TOMLWriter {
    /// A key, bare when it only uses A-Z a-z 0-9 _ -, quoted otherwise.
    public static func key(_ k: String) -> String {
        if !k.isEmpty, k.unicodeScalars.allSatisfy(TOMLCursor.isBareKey) { return k }
        return string(k)
    }

    public static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if TOMLCursor.isControl(c) || c.properties.generalCategory == .format {
                    let hex = String(c.value, radix: 16, uppercase: true)
                    out += c.value > 0xFFFF ? "\\U" + hex.leftPadded(to: 8) : "\\u" + hex.leftPadded(to: 4)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// One line when short; otherwise one element per line with a trailing comma, which is
    /// how a person would write a long list.
    public static func stringArray(_ items: [String]) -> String {
        let quoted = items.map(string)
        let oneLine = "[" + quoted.joined(separator: ", ") + "]"
        if oneLine.count <= 80 { return oneLine }
        return "[\n" + quoted.map { "    \($0),\n" }.joined() + "]"
    }
}
