// The TOML document model. Every value remembers where it was written, because a profile
// error is only useful when it points at the line and column the user has to change.

/// A 1-based line and column; columns count Unicode scalars, as editors show them.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// One step of a key path: a key, or an index into an array (`rules[1]`).
public enum TOMLPathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
}

/// A key path written the way a user would type it: `inspector.rules[1].mode`.
public struct TOMLKeyPath: Sendable, Hashable, CustomStringConvertible {
    public var components: [TOMLPathComponent]
    public init(_ components: [TOMLPathComponent] = []) { self.components = components }
    public init(keys: [String]) { self.components = keys.map { .key($0) } }

    public func appending(_ c: TOMLPathComponent) -> TOMLKeyPath { TOMLKeyPath(components + [c]) }
    public func appending(key: String) -> TOMLKeyPath { appending(.key(key)) }

    /// The keys only, indices dropped: how the schema names the place (`inspector.rules.mode`).
    public var schemaPath: String {
        components.compactMap { if case .key(let k) = $0 { return TOMLWriter.key(k) } else { return nil } }
            .joined(separator: ".")
    }

    public var description: String {
        var out = ""
        for c in components {
            switch c {
            case .key(let k): out += (out.isEmpty ? "" : ".") + TOMLWriter.key(k)
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }
}

/// A TOML syntax or structure error at an exact position.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: SourcePosition
    public var message: String
    public init(_ message: String, at position: SourcePosition) {
        self.message = message
        self.position = position
    }
    public var description: String { "\(position): \(message)" }
}

public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The type's name as an error message says it ("expected a string, found an integer").
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A value with its source position and key path.
public struct TOMLNode: Sendable, Equatable {
    public var value: TOMLValue
    /// Where the value starts; for a table made by a header, where its name is written.
    public var position: SourcePosition
    /// Where the key naming this value is written (the value's own position inside arrays).
    public var keyPosition: SourcePosition
    public var keyPath: TOMLKeyPath

    public init(_ value: TOMLValue, position: SourcePosition, keyPosition: SourcePosition? = nil,
                keyPath: TOMLKeyPath) {
        self.value = value
        self.position = position
        self.keyPosition = keyPosition ?? position
        self.keyPath = keyPath
    }
}

/// A table keeps its keys in file order: some profile tables (base URLs) are ordered lists.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var nodes: [String: TOMLNode] = [:]

    public init() {}

    public subscript(key: String) -> TOMLNode? { nodes[key] }
    public var entries: [(key: String, node: TOMLNode)] { keys.map { ($0, nodes[$0]!) } }
    public var isEmpty: Bool { keys.isEmpty }

    mutating func set(_ key: String, _ node: TOMLNode) {
        if nodes[key] == nil { keys.append(key) }
        nodes[key] = node
    }
}
