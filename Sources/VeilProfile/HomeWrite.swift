/// `[filesystem.home_write]`'s text with `${NAME}` and `${NAME:-fallback}` replaced by the
/// agent's environment (what it sees inside: the placeholders, the inspector's base URLs), for
/// an agent that reads its model settings only from a file (OpenHands' agent_settings.json).
/// Values are JSON-escaped (the files are JSON or TOML strings): a host value with a quote
/// cannot end the string and add keys of its own. `$` without `{` stays as it is.
extension Profile.HomeWrite {
    public func expanded(in environment: [String: String]) -> String {
        // On scalars, without Foundation: `veil run` links none.
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "$", i + 1 < scalars.count, scalars[i + 1] == "{",
                  let close = scalars[(i + 2)...].firstIndex(of: "}") else {
                out.append(scalars[i])
                i += 1
                continue
            }
            let inner = String(String.UnicodeScalarView(scalars[(i + 2)..<close]))
            var name = inner, fallback = ""
            if let dash = Self.fallbackMark(in: inner) {
                name = String(inner[..<dash])
                fallback = String(inner[inner.index(dash, offsetBy: 2)...])
            }
            let value = environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            out.append(contentsOf: JSONString.escaped(value).unicodeScalars)
            i = close + 1
        }
        return String(out)
    }

    /// Where `:-` starts in `NAME:-fallback`.
    static func fallbackMark(in s: String) -> String.Index? {
        var i = s.startIndex
        while i < s.endIndex {
            let next = s.index(after: i)
            if s[i] == ":", next < s.endIndex, s[next] == "-" { return i }
            i = next
        }
        return nil
    }
}
