// The four TOML string forms. Basic strings decode escapes; literal strings take every
// character as written. Control characters other than tab are errors everywhere, because a
// profile value that hides one is exactly what veil exists to catch.

extension TOMLParser {
    mutating func parseBasicString() throws -> String {
        let open = cursor.position
        cursor.advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = cursor.peek() else { throw cursor.error("string opened at \(open) is not closed") }
            if cursor.atNewline || c == "\n" { throw cursor.error("newline in a single-line string (opened at \(open))") }
            switch c {
            case "\"": cursor.advance(); return String(out)
            case "\\": out.append(try parseEscape())
            default:
                try checkStringCharacter(c)
                out.append(c)
                cursor.advance()
            }
        }
    }

    mutating func parseLiteralString() throws -> String {
        let open = cursor.position
        cursor.advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = cursor.peek() else { throw cursor.error("string opened at \(open) is not closed") }
            if cursor.atNewline || c == "\n" { throw cursor.error("newline in a single-line string (opened at \(open))") }
            if c == "'" { cursor.advance(); return String(out) }
            try checkStringCharacter(c)
            out.append(c)
            cursor.advance()
        }
    }

    mutating func parseMultilineBasicString() throws -> String {
        try parseMultiline(delimiter: "\"", escapes: true)
    }

    mutating func parseMultilineLiteralString() throws -> String {
        try parseMultiline(delimiter: "'", escapes: false)
    }

    /// `"""` or `'''`: a newline right after the opening is dropped; up to two delimiter
    /// characters may sit just before the closing three; in basic strings a backslash at the
    /// end of a line swallows the newline and the following whitespace.
    private mutating func parseMultiline(delimiter: Unicode.Scalar, escapes: Bool) throws -> String {
        let open = cursor.position
        cursor.advance(3)
        if cursor.atNewline { cursor.skipNewline() }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = cursor.peek() else { throw cursor.error("string opened at \(open) is not closed") }
            if c == delimiter, cursor.peek(1) == delimiter, cursor.peek(2) == delimiter {
                var run = 3
                while cursor.peek(run) == delimiter { run += 1 }
                if run > 5 { throw cursor.error("too many \(TOMLCursor.visible(delimiter)) at the end of a multi-line string") }
                for _ in 0..<(run - 3) { out.append(delimiter) }
                cursor.advance(run)
                return String(out)
            }
            if cursor.atNewline {
                cursor.skipNewline()
                out.append("\n")
            } else if escapes, c == "\\" {
                if try skipLineEndingBackslash() { continue }
                out.append(try parseEscape())
            } else {
                try checkStringCharacter(c)
                out.append(c)
                cursor.advance()
            }
        }
    }

    /// A backslash followed only by whitespace up to the end of the line.
    private mutating func skipLineEndingBackslash() throws -> Bool {
        var i = 1
        while let c = cursor.peek(i), c == " " || c == "\t" { i += 1 }
        guard cursor.peek(i) == "\n" || (cursor.peek(i) == "\r" && cursor.peek(i + 1) == "\n") else { return false }
        cursor.advance(i)
        while cursor.atNewline || cursor.peek() == " " || cursor.peek() == "\t" {
            if cursor.atNewline { cursor.skipNewline() } else { cursor.advance() }
        }
        return true
    }

    private mutating func parseEscape() throws -> Unicode.Scalar {
        let start = cursor.position
        cursor.advance()
        guard let c = cursor.peek() else { throw cursor.error("unfinished escape sequence") }
        cursor.advance()
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u": return try parseUnicodeEscape(digits: 4, start: start)
        case "U": return try parseUnicodeEscape(digits: 8, start: start)
        default:
            throw TOMLError("invalid escape sequence '\\\(c)'", at: start)
        }
    }

    private mutating func parseUnicodeEscape(digits: Int, start: SourcePosition) throws -> Unicode.Scalar {
        var hex = ""
        for _ in 0..<digits {
            guard let c = cursor.peek(), c.properties.isASCIIHexDigit else {
                throw TOMLError("\\\(digits == 4 ? "u" : "U") needs \(digits) hex digits", at: start)
            }
            hex.unicodeScalars.append(c)
            cursor.advance()
        }
        guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
            throw TOMLError("\\\(digits == 4 ? "u" : "U")\(hex) is not a Unicode scalar value", at: start)
        }
        return scalar
    }

    private func checkStringCharacter(_ c: Unicode.Scalar) throws {
        if TOMLCursor.isControl(c) && c != "\t" {
            throw cursor.error("control character \(TOMLCursor.visible(c)) in a string; write it as an escape")
        }
    }
}
