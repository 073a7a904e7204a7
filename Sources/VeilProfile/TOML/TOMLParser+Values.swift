// Values: strings (see TOMLParser+Strings), numbers, booleans, arrays and inline tables.

extension TOMLParser {
    mutating func parseValue(path: TOMLKeyPath) throws -> TOMLNode {
        let start = cursor.position
        func node(_ v: TOMLValue) -> TOMLNode { TOMLNode(v, position: start, keyPath: path) }
        switch cursor.peek() {
        case "\""?:
            return node(.string(cursor.starts(with: "\"\"\"") ? try parseMultilineBasicString()
                                                            : try parseBasicString()))
        case "'"?:
            return node(.string(cursor.starts(with: "'''") ? try parseMultilineLiteralString()
                                                          : try parseLiteralString()))
        case "["?:
            return node(.array(try parseArray(path: path)))
        case "{"?:
            return node(.table(try parseInlineTable(path: path)))
        case nil:
            throw cursor.error("expected a value, found the end of the file")
        case let c? where cursor.atNewline || c == "#":
            throw cursor.error("expected a value after '='")
        default:
            return node(try parseScalarToken())
        }
    }

    /// Arrays may span lines, hold comments, mix types, and end with a trailing comma.
    mutating func parseArray(path: TOMLKeyPath) throws -> [TOMLNode] {
        let open = cursor.position
        cursor.advance()
        var elements: [TOMLNode] = []
        while true {
            try cursor.skipTrivia()
            if cursor.peek() == "]" { cursor.advance(); return elements }
            if cursor.atEnd { throw cursor.error("array opened at \(open) is not closed") }
            elements.append(try parseValue(path: path.appending(.index(elements.count))))
            try cursor.skipTrivia()
            switch cursor.peek() {
            case ","?: cursor.advance()
            case "]"?: cursor.advance(); return elements
            case nil: throw cursor.error("array opened at \(open) is not closed")
            case let c?: throw cursor.error("expected ',' or ']' in the array, found \(TOMLCursor.visible(c))")
            }
        }
    }

    /// `{ a = 1, b.c = 2 }`: one line, no trailing comma, closed once written (TOML 1.0).
    mutating func parseInlineTable(path: TOMLKeyPath) throws -> TOMLTable {
        let open = cursor.position
        cursor.advance()
        let table = TOMLTableBuilder(origin: .inline, path: path, position: open)
        cursor.skipWhitespace()
        if cursor.peek() == "}" { cursor.advance(); return table.freeze() }
        while true {
            cursor.skipWhitespace()
            if cursor.atNewline || cursor.atEnd {
                throw cursor.error("an inline table must be on one line (opened at \(open))")
            }
            if cursor.peek() == "}" { throw cursor.error("trailing comma in an inline table") }
            try parseKeyValue(into: table)
            cursor.skipWhitespace()
            switch cursor.peek() {
            case ","?: cursor.advance()
            case "}"?: cursor.advance(); return table.freeze()
            case nil:
                throw cursor.error("an inline table must be on one line (opened at \(open))")
            case _ where cursor.atNewline:
                throw cursor.error("an inline table must be on one line (opened at \(open))")
            case let c?: throw cursor.error("expected ',' or '}' in the inline table, found \(TOMLCursor.visible(c))")
            }
        }
    }

    /// Booleans, numbers, and anything else unquoted (reported as what it most likely is).
    mutating func parseScalarToken() throws -> TOMLValue {
        let start = cursor.position
        var token = ""
        while let c = cursor.peek(), TOMLCursor.isBareKey(c) || c == "+" || c == "." || c == ":" {
            token.unicodeScalars.append(c)
            cursor.advance()
        }
        if token.isEmpty {
            throw cursor.error("expected a value, found \(TOMLCursor.visible(cursor.peek()!))")
        }
        if token == "true" { return .boolean(true) }
        if token == "false" { return .boolean(false) }
        if TOMLNumber.looksLikeDateTime(token) {
            throw TOMLError("date and time values are not supported in veil profiles; quote it as a string",
                            at: start)
        }
        if let first = token.unicodeScalars.first, "0123456789+-".unicodeScalars.contains(first)
            || token.hasSuffix("inf") || token.hasSuffix("nan") {
            return try TOMLNumber.parse(token, at: start)
        }
        throw TOMLError("invalid value '\(token)' (strings must be quoted)", at: start)
    }
}
