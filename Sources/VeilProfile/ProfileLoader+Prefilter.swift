/// The launch-time prefilter of `choose(forCommand:)`: a profile file is parsed only if its
/// text (or that of the profile it refines) could list the command in a `commands` array.
/// Parsing costs about as much as the rest of a launch, and a command's name often appears
/// elsewhere as a value (`"true"`).
///
/// It may answer "could" wrongly, never "cannot": anything it does not follow (escapes,
/// multi-line strings, a value that is not an array, an `extends` it cannot read) counts as a
/// possible listing, and the file is parsed.
extension ProfileLoader {
    /// Whether `source` could list `command`, itself or, when it refines a profile of its own
    /// name further down the search (the one case where `commands` carry over), through that.
    func chainMightName(_ command: String, _ source: ProfileSource, depth: Int = 0) throws -> Bool {
        if Self.mightName(command, in: source.text) { return true }
        guard depth < 16 else { return true }  // a loop: resolving reports it
        switch Self.extendsValue(in: source.text) {
        case .absent: return false
        case .unreadable: return true
        case .name(let parent):
            guard parent == source.name else { return false }
            guard let next = try search.source(named: parent, after: source.level) else { return true }
            return try chainMightName(command, next, depth: depth + 1)
        }
    }

    enum ExtendsValue: Equatable { case absent, name(String), unreadable }

    /// The top-level `extends = "NAME"` of a profile's text, read from lines (comments aside).
    /// Walks UTF-8 bytes: splitting the text into Characters cost more than the rest of it.
    static func extendsValue(in text: String) -> ExtendsValue {
        let b = Array(text.utf8)
        let blank: [UInt8] = [0x20, 0x09]
        var line = 0
        while line < b.count {
            let end = b[line...].firstIndex(of: 0x0A) ?? b.count
            defer { line = end + 1 }
            var i = skip(b, line, over: blank)
            guard i < end else { continue }
            if b[i] == UInt8(ascii: "[") { return .absent }  // a table: top-level keys are over
            for key in ["extends", "\"extends\"", "'extends'"] where b[i..<end].starts(with: key.utf8) {
                i = skip(b, i + key.utf8.count, over: blank)
                guard i < end, b[i] == UInt8(ascii: "=") else { continue }
                i = skip(b, i + 1, over: blank)
                guard i < end, b[i] == 0x22 || b[i] == 0x27,
                      let close = b[(i + 1)..<end].firstIndex(of: b[i]) else { return .unreadable }
                let value = b[(i + 1)..<close]
                return value.contains(UInt8(ascii: "\\")) ? .unreadable : .name(String(decoding: value, as: UTF8.self))
            }
        }
        return .absent
    }

    static func mightName(_ command: String, in text: String) -> Bool {
        let bytes = Array(text.utf8)
        // A unicode escape could spell the key or the command.
        if contains(bytes, Array("\\u".utf8)) || contains(bytes, Array("\\U".utf8)) { return true }
        // `command` too: a misspelt key that holds the command is parsed, so its error shows.
        let key = Array("command".utf8), name = Array(command.utf8)
        var from = 0
        while let k = index(of: key, in: bytes, from: from) {
            from = k + key.count
            var j = skip(bytes, from, over: [UInt8(ascii: "s")])
            j = skip(bytes, j, over: [0x22, 0x27])  // the closing quote of a quoted key
            j = skip(bytes, j, over: [0x20, 0x09])
            guard j < bytes.count, bytes[j] == UInt8(ascii: "=") else { continue }
            j = skip(bytes, j + 1, over: [0x20, 0x09])
            guard j < bytes.count, bytes[j] == UInt8(ascii: "[") else { return true }
            if arrayMightHold(name, bytes, from: j + 1) { return true }
        }
        return false
    }

    /// Scans a TOML array of strings from just after its `[`.
    private static func arrayMightHold(_ name: [UInt8], _ b: [UInt8], from start: Int) -> Bool {
        var i = start
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "]"): return false
            case UInt8(ascii: "#"):
                while i < b.count && b[i] != 0x0A { i += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let quote = b[i]
                guard let end = b[(i + 1)...].firstIndex(of: quote) else { return true }
                let literal = b[(i + 1)..<end]
                // Multi-line strings and escapes: not followed here.
                if literal.isEmpty && end + 1 < b.count && b[end + 1] == quote { return true }
                if quote == UInt8(ascii: "\"") && literal.contains(UInt8(ascii: "\\")) { return true }
                if literal.elementsEqual(name) { return true }
                i = end
            case UInt8(ascii: "["), UInt8(ascii: "{"): return true
            default: break
            }
            i += 1
        }
        return true
    }

    private static func skip(_ b: [UInt8], _ i: Int, over set: [UInt8]) -> Int {
        var i = i
        while i < b.count && set.contains(b[i]) { i += 1 }
        return i
    }

    /// A plain byte search (Foundation's String.contains goes through UTF-16).
    static func index(of needle: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
        guard let first = needle.first, needle.count <= hay.count else { return nil }
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first && hay[i ..< i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool { index(of: needle, in: hay) != nil }
}
