// The mutable tree built while parsing. TOML's rules about where a table may be defined or
// extended depend on how it was created (header, dotted key, inline, implicitly), so each
// table remembers its origin until the document is complete.

final class TOMLTableBuilder {
    enum Origin: Equatable {
        case root
        /// Created as a parent of `[a.b.c]`; a later `[a]` may still define it once.
        case implicit
        case header
        case dotted
        case inline
        case arrayElement
    }

    enum Item {
        /// A finished value; inline tables and static arrays are values and cannot be extended.
        case value(TOMLNode)
        case table(TOMLTableBuilder)
        case tableArray(TOMLTableArrayBuilder)
    }

    var origin: Origin
    let path: TOMLKeyPath
    var position: SourcePosition
    private(set) var order: [String] = []
    private(set) var items: [String: Item] = [:]

    init(origin: Origin, path: TOMLKeyPath, position: SourcePosition) {
        self.origin = origin
        self.path = path
        self.position = position
    }

    subscript(key: String) -> Item? { items[key] }

    func add(_ key: String, _ item: Item) {
        if items[key] == nil { order.append(key) }
        items[key] = item
    }

    /// A new table under `key` (which must be free).
    func addTable(_ key: String, origin: Origin, at position: SourcePosition) -> TOMLTableBuilder {
        let t = TOMLTableBuilder(origin: origin, path: path.appending(key: key), position: position)
        add(key, .table(t))
        return t
    }

    func freeze() -> TOMLTable {
        var table = TOMLTable()
        for key in order {
            switch items[key]! {
            case .value(let node):
                table.set(key, node)
            case .table(let t):
                table.set(key, TOMLNode(.table(t.freeze()), position: t.position, keyPath: t.path))
            case .tableArray(let a):
                let elements = a.elements.map {
                    TOMLNode(.table($0.freeze()), position: $0.position, keyPath: $0.path)
                }
                table.set(key, TOMLNode(.array(elements), position: a.position, keyPath: a.path))
            }
        }
        return table
    }

    /// Where an existing item was defined, for "first defined at" in messages.
    static func position(of item: Item) -> SourcePosition {
        switch item {
        case .value(let n): return n.keyPosition
        case .table(let t): return t.position
        case .tableArray(let a): return a.position
        }
    }

    static func describe(_ item: Item) -> String {
        switch item {
        case .value(let n):
            if case .table = n.value { return "an inline table" }
            return n.value.typeName
        case .table: return "a table"
        case .tableArray: return "an array of tables"
        }
    }
}

final class TOMLTableArrayBuilder {
    let path: TOMLKeyPath
    let position: SourcePosition
    private(set) var elements: [TOMLTableBuilder] = []

    init(path: TOMLKeyPath, position: SourcePosition) {
        self.path = path
        self.position = position
    }

    func append(at position: SourcePosition) -> TOMLTableBuilder {
        let t = TOMLTableBuilder(origin: .arrayElement, path: path.appending(.index(elements.count)),
                                 position: position)
        elements.append(t)
        return t
    }
}
