// A cursor over the document's Unicode scalars that always knows its line and column.

struct TOMLCursor {
    let scalars: [Unicode.Scalar]
    private(set) var index = 0
    private(set) var position = SourcePosition(line: 1, column: 1)

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var atEnd: Bool { index >= scalars.count }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = index + offset
        return i < scalars.count ? scalars[i] : nil
    }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < scalars.count {
            if scalars[index] == "\n" {
                position = SourcePosition(line: position.line + 1, column: 1)
            } else {
                position.column += 1
            }
            index += 1
        }
    }

    func starts(with prefix: String) -> Bool {
        var i = index
        for s in prefix.unicodeScalars {
            guard i < scalars.count, scalars[i] == s else { return false }
            i += 1
        }
        return true
    }

    func error(_ message: String, at position: SourcePosition? = nil) -> TOMLError {
        TOMLError(message, at: position ?? self.position)
    }

    /// Spaces and tabs only: TOML's whitespace inside a line.
    mutating func skipWhitespace() {
        while let c = peek(), c == " " || c == "\t" { advance() }
    }

    /// True at `\n` or `\r\n`; a lone CR is not a newline in TOML.
    var atNewline: Bool {
        peek() == "\n" || (peek() == "\r" && peek(1) == "\n")
    }

    mutating func skipNewline() {
        if peek() == "\r" { advance() }
        advance()
    }

    /// A comment runs to the end of the line; control characters other than tab are not allowed.
    mutating func skipComment() throws {
        guard peek() == "#" else { return }
        while let c = peek(), !atNewline {
            if TOMLCursor.isControl(c) && c != "\t" {
                throw error("control character \(TOMLCursor.visible(c)) in a comment")
            }
            advance()
        }
    }

    /// Whitespace, newlines and comments, as allowed between array elements.
    mutating func skipTrivia() throws {
        while true {
            skipWhitespace()
            if peek() == "#" { try skipComment() }
            if atNewline { skipNewline(); continue }
            return
        }
    }

    /// After a key/value pair or a header only a comment may follow on the same line.
    mutating func expectLineEnd() throws {
        skipWhitespace()
        try skipComment()
        if atEnd { return }
        if atNewline { skipNewline(); return }
        throw error("expected the end of the line, found \(TOMLCursor.visible(peek()!))")
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool { c.value < 0x20 || c.value == 0x7F }

    static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    /// How a character is named in a message: ASCII quoted, other visible characters quoted
    /// with their code point (a look-alike apostrophe is the kind of thing veil must show),
    /// invisible ones only as U+XXXX.
    static func visible(_ c: Unicode.Scalar) -> String {
        if c == "\n" { return "a newline" }
        let code = "U+" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)
        if isControl(c) { return code }
        if c.isASCII { return "'\(c)'" }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .decimalNumber, .otherNumber,
             .letterNumber, .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .otherSymbol:
            return "'\(c)' (\(code))"
        default:
            return code
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
