import VeilScan

/// The parameters of a header value, `type; name=value; name="quoted; \"value\""` (RFC 9110
/// §5.6.6), split as the strict readers split them: a quoted value may hold `;`, and `\`
/// escapes the next byte. A reader that splits at every `;` instead reads another boundary
/// out of `boundary="a;b"`, so a value such readers would take two ways is `malformed`, and
/// the inspector refuses what it cannot read one way.
struct HeaderParameters {
    /// Names lowercased, values unquoted, in order; RFC 2231 names keep their `*`.
    private(set) var list: [(name: String, value: [UInt8])] = []
    /// A quoted value without its closing quote, or with bytes after it, or a quote or
    /// backslash in an unquoted one.
    private(set) var malformed = false

    /// The parameters after the first `;` of `value`.
    init(_ value: some StringProtocol) {
        let b = Array(value.utf8)
        let n = b.count
        var i = b.firstIndex(of: Self.semicolon) ?? n
        while i < n {
            i = Self.skipSpace(b, i + 1)
            let nameStart = i
            while i < n, b[i] != Self.equals, b[i] != Self.semicolon { i += 1 }
            let name = String(decoding: Self.trimmed(b[nameStart ..< i]), as: UTF8.self).lowercased()
            // No `=`: no value to read, whatever the name.
            guard i < n, b[i] == Self.equals else { continue }
            i = Self.skipSpace(b, i + 1)
            var value: [UInt8] = []
            if i < n, b[i] == Self.quote {
                i += 1
                var closed = false
                while i < n {
                    if b[i] == Self.backslash, i + 1 < n { value.append(b[i + 1]); i += 2; continue }
                    if b[i] == Self.quote { closed = true; i += 1; break }
                    value.append(b[i])
                    i += 1
                }
                i = Self.skipSpace(b, i)
                if !closed || (i < n && b[i] != Self.semicolon) {
                    malformed = true
                    while i < n, b[i] != Self.semicolon { i += 1 }
                }
            } else {
                let start = i
                while i < n, b[i] != Self.semicolon { i += 1 }
                value = Array(Self.trimmed(b[start ..< i]))
                if value.contains(Self.quote) || value.contains(Self.backslash) { malformed = true }
            }
            list.append((name, value))
        }
    }

    /// The values of `name` as given plainly, unquoted.
    func values(_ name: String) -> [[UInt8]] { list.filter { $0.name == name }.map(\.value) }

    /// More than any header a client writes has; a header with more is refused, so that no
    /// reading of one costs more than a glance.
    static let most = 64

    /// The parameters in RFC 2231's forms, which Python's email package and python-multipart
    /// decode: `name*=utf-8''%2Fhome` (charset and language, then percent-encoded bytes) and
    /// the continuations `name*0=…; name*1*=…`, joined in the order of their numbers; by name,
    /// without the `*` and the number. One pass over the list.
    var extended: [String: [UInt8]] {
        var pieces: [String: [(index: Int, value: [UInt8])]] = [:]
        for (name, value) in list {
            guard let star = name.firstIndex(of: "*") else { continue }
            var rest = name[name.index(after: star)...]
            let encoded = rest.isEmpty || rest.hasSuffix("*")
            if rest.hasSuffix("*") { rest = rest.dropLast() }
            guard let index = rest.isEmpty ? 0 : Int(rest), index >= 0 else { continue }
            // Only the first piece names a charset and a language: `utf-8'en'`.
            var bytes = value[...]
            if encoded, index == 0, let q1 = bytes.firstIndex(of: Self.apostrophe),
               let q2 = bytes[(q1 + 1)...].firstIndex(of: Self.apostrophe) {
                bytes = bytes[(q2 + 1)...]
            }
            pieces[String(name[..<star]), default: []].append((index, encoded ? bytes.percentDecoded : Array(bytes)))
        }
        return pieces.mapValues { $0.sorted { $0.index < $1.index }.flatMap(\.value) }
    }

    /// The names that have an RFC 2231 form, without the `*` and the number.
    var extendedNames: Set<String> {
        Set(list.compactMap { p in p.name.firstIndex(of: "*").map { String(p.name[..<$0]) } })
    }

    private static func skipSpace(_ b: [UInt8], _ from: Int) -> Int {
        var i = from
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        return i
    }

    private static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
        return s
    }

    private static let semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\"), apostrophe = UInt8(ascii: "'")
}
