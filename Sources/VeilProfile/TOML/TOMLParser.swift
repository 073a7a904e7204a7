// A TOML 1.0 reader written for veil so that every error carries line:column and every value
// its position and key path. It covers the whole language except date-times, which profiles
// never need and which are refused with a clear message.

public enum TOML {
    /// Parses a document into its root table.
    public static func parse(_ text: String) throws -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }
}

struct TOMLParser {
    typealias Key = (name: String, position: SourcePosition)

    var cursor: TOMLCursor
    let root = TOMLTableBuilder(origin: .root, path: TOMLKeyPath(), position: .init(line: 1, column: 1))

    init(_ text: String) {
        cursor = TOMLCursor(text)
        // A byte order mark is tolerated at the very start and nowhere else.
        if cursor.peek() == "\u{FEFF}" { cursor.advance() }
    }

    mutating func parseDocument() throws -> TOMLTable {
        var current = root
        while !cursor.atEnd {
            cursor.skipWhitespace()
            switch cursor.peek() {
            case "#"?, "\n"?, "\r"?, nil:
                break
            case "["?:
                current = try parseHeader()
            default:
                try parseKeyValue(into: current)
            }
            try cursor.expectLineEnd()
        }
        return root.freeze()
    }

    // MARK: Keys

    /// `a`, `"quoted key"`, `'literal'`, and dotted combinations with optional spaces around dots.
    mutating func parseKey() throws -> [Key] {
        var keys: [Key] = []
        while true {
            cursor.skipWhitespace()
            let start = cursor.position
            switch cursor.peek() {
            case "\""?:
                if cursor.starts(with: "\"\"\"") { throw cursor.error("a key cannot be a multi-line string") }
                keys.append((try parseBasicString(), start))
            case "'"?:
                if cursor.starts(with: "'''") { throw cursor.error("a key cannot be a multi-line string") }
                keys.append((try parseLiteralString(), start))
            case let c? where TOMLCursor.isBareKey(c):
                var name = ""
                while let c = cursor.peek(), TOMLCursor.isBareKey(c) {
                    name.unicodeScalars.append(c)
                    cursor.advance()
                }
                keys.append((name, start))
            case let c?:
                throw cursor.error("expected a key, found \(TOMLCursor.visible(c))")
            case nil:
                throw cursor.error("expected a key, found the end of the file")
            }
            cursor.skipWhitespace()
            guard cursor.peek() == "." else { return keys }
            cursor.advance()
        }
    }

    // MARK: Key/value pairs

    mutating func parseKeyValue(into table: TOMLTableBuilder) throws {
        let keys = try parseKey()
        guard cursor.peek() == "=" else {
            if cursor.atEnd || cursor.atNewline {
                throw cursor.error("expected '=' after key '\(Self.display(keys))'")
            }
            throw cursor.error("expected '=' after key '\(Self.display(keys))', found \(TOMLCursor.visible(cursor.peek()!))")
        }
        cursor.advance()
        cursor.skipWhitespace()
        let parent = try descendDotted(table, keys.dropLast())
        let last = keys.last!
        let path = parent.path.appending(key: last.name)
        var node = try parseValue(path: path)
        node.keyPosition = last.position
        if let existing = parent[last.name] {
            throw TOMLError(
                "duplicate key '\(path)' (first defined at \(TOMLTableBuilder.position(of: existing)))",
                at: last.position)
        }
        parent.add(last.name, .value(node))
    }

    /// Dotted keys create tables as they go, but may not reopen tables made any other way.
    mutating func descendDotted(_ table: TOMLTableBuilder, _ keys: ArraySlice<Key>) throws -> TOMLTableBuilder {
        var t = table
        for key in keys {
            switch t[key.name] {
            case nil:
                t = t.addTable(key.name, origin: .dotted, at: key.position)
            case .table(let sub)? where sub.origin == .dotted:
                t = sub
            case let item?:
                let path = t.path.appending(key: key.name)
                throw TOMLError(
                    "'\(path)' is already defined as \(TOMLTableBuilder.describe(item)) at "
                        + "\(TOMLTableBuilder.position(of: item)); a dotted key cannot add to it",
                    at: key.position)
            }
        }
        return t
    }

    // MARK: Headers

    /// `[a.b]` or `[[a.b]]`; returns the table that following key/value pairs go into.
    mutating func parseHeader() throws -> TOMLTableBuilder {
        let open = cursor.position
        let isArray = cursor.starts(with: "[[")
        cursor.advance(isArray ? 2 : 1)
        let keys = try parseKey()
        let close = isArray ? "]]" : "]"
        guard cursor.starts(with: close) else {
            throw cursor.error("expected '\(close)' to close the table header opened at \(open)")
        }
        cursor.advance(isArray ? 2 : 1)
        var t = root
        for key in keys.dropLast() {
            switch t[key.name] {
            case nil: t = t.addTable(key.name, origin: .implicit, at: key.position)
            case .table(let sub)?: t = sub
            case .tableArray(let a)?: t = a.elements.last!
            case .value(let node)?:
                throw TOMLError("'\(node.keyPath)' is \(Self.describeValue(node)) (defined at \(node.keyPosition)), not a table",
                                at: key.position)
            }
        }
        let last = keys.last!
        return isArray ? try defineTableArray(in: t, last) : try defineTable(in: t, last)
    }

    private func defineTable(in parent: TOMLTableBuilder, _ key: Key) throws -> TOMLTableBuilder {
        let path = parent.path.appending(key: key.name)
        switch parent[key.name] {
        case nil:
            return parent.addTable(key.name, origin: .header, at: key.position)
        case .table(let sub)? where sub.origin == .implicit:
            sub.origin = .header
            sub.position = key.position
            return sub
        case .table(let sub)? where sub.origin == .dotted:
            throw TOMLError("table '\(path)' was already defined by dotted keys at \(sub.position)", at: key.position)
        case .table(let sub)?:
            throw TOMLError("table [\(path)] is defined twice (first at \(sub.position))", at: key.position)
        case .tableArray(let a)?:
            throw TOMLError("'\(path)' is an array of tables (defined at \(a.position)); write [[\(path)]]", at: key.position)
        case .value(let node)?:
            throw TOMLError("'\(path)' is already \(Self.describeValue(node)) (defined at \(node.keyPosition))", at: key.position)
        }
    }

    private func defineTableArray(in parent: TOMLTableBuilder, _ key: Key) throws -> TOMLTableBuilder {
        let path = parent.path.appending(key: key.name)
        switch parent[key.name] {
        case nil:
            let a = TOMLTableArrayBuilder(path: path, position: key.position)
            parent.add(key.name, .tableArray(a))
            return a.append(at: key.position)
        case .tableArray(let a)?:
            return a.append(at: key.position)
        case let item?:
            throw TOMLError("cannot define array of tables [[\(path)]]: '\(path)' is already "
                + "\(TOMLTableBuilder.describe(item)) (defined at \(TOMLTableBuilder.position(of: item)))",
                at: key.position)
        }
    }

    static func describeValue(_ node: TOMLNode) -> String {
        if case .table = node.value { return "an inline table" }
        return node.value.typeName
    }

    static func display(_ keys: [Key]) -> String {
        TOMLKeyPath(keys: keys.map(\.name)).description
    }
}
