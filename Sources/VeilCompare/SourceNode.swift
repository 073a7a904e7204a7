// Where each value of a JSON body sits in the body's bytes, so that a difference found in the
// parsed (and normalised) value can be reported as a byte range of the body as recorded.
// A second, span-only pass over the body: JSONValue stays a plain value (equal values compare
// equal wherever they came from), and only bodies that are compared pay for it.

indirect enum SourceNode: Sendable {
    case object([(String, SourceNode)], Range<Int>)
    case array([SourceNode], Range<Int>)
    /// The bytes between the quotes, escapes as sent.
    case string(Range<Int>)
    /// A number, `true`, `false` or `null`.
    case scalar(Range<Int>)

    /// The whole value's bytes (a string's with its quotes).
    var span: Range<Int> {
        switch self {
        case .object(_, let r), .array(_, let r), .scalar(let r): return r
        case .string(let r): return r.lowerBound - 1 ..< r.upperBound + 1
        }
    }

    /// The first member with this key, as JSONValue's subscript picks it.
    subscript(key: String) -> SourceNode? {
        if case .object(let members, _) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    subscript(index: Int) -> SourceNode? {
        if case .array(let items, _) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// The body's value tree, or nil when the body is not JSON.
    static func parse(_ body: [UInt8]) -> SourceNode? {
        var p = JSONParser(bytes: body)
        p.skipSpace()
        guard let node = try? p.source(depth: 0) else { return nil }
        p.skipSpace()
        return p.i == body.count ? node : nil
    }
}

extension JSONParser {
    /// The same grammar as `value(depth:)`, recording spans instead of values.
    mutating func source(depth: Int) throws -> SourceNode {
        guard depth < 512 else { throw error("nesting too deep") }
        guard i < bytes.count else { throw error("unexpected end") }
        let start = i
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, SourceNode)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members, start ..< i) }
            while true {
                let key = try memberKey()
                members.append((key, try source(depth: depth + 1)))
                if try endOfList(UInt8(ascii: "}")) { return .object(members, start ..< i) }
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [SourceNode] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items, start ..< i) }
            while true {
                skipSpace()
                items.append(try source(depth: depth + 1))
                if try endOfList(UInt8(ascii: "]")) { return .array(items, start ..< i) }
            }
        case UInt8(ascii: "\""):
            _ = try string()
            return .string(start + 1 ..< i - 1)
        default:
            _ = try value(depth: depth)
            return .scalar(start ..< i)
        }
    }
}

/// Scalar positions in a text as sent → byte offsets in the body.
enum BodyOffsets {
    /// Byte offsets of the given scalar positions (ascending, each ≤ the text's scalar count)
    /// inside `span`: a JSON string's contents (`json`: escapes count as the one scalar they
    /// decode to, a surrogate pair as one, exactly as JSONParser reads them) or plain UTF-8.
    static func offsets(_ body: [UInt8], _ span: Range<Int>, json: Bool, at positions: [Int]) -> [Int] {
        var out: [Int] = []
        var i = span.lowerBound, n = 0, next = 0
        while next < positions.count {
            if positions[next] == n { out.append(i); next += 1; continue }
            guard i < span.upperBound else { break }
            i += json && body[i] == UInt8(ascii: "\\") ? escapeLength(body, i) : utf8Length(body[i])
            n += 1
        }
        // A position past the end (never asked for) maps to the end.
        while out.count < positions.count { out.append(span.upperBound) }
        return out
    }

    static func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 1
    }

    /// `\n` is two bytes, `\u00e9` six, a surrogate pair `\ud83d\ude00` twelve.
    static func escapeLength(_ b: [UInt8], _ i: Int) -> Int {
        guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "u") else { return 2 }
        guard let hi = hex4(b, i + 2) else { return 2 }
        if (0xD800 ..< 0xDC00).contains(hi), i + 7 < b.count, b[i + 6] == UInt8(ascii: "\\"), b[i + 7] == UInt8(ascii: "u"),
           let lo = hex4(b, i + 8), (0xDC00 ..< 0xE000).contains(lo) {
            return 12
        }
        return 6
    }

    static func hex4(_ b: [UInt8], _ at: Int) -> UInt32? {
        guard at + 4 <= b.count else { return nil }
        return UInt32(String(decoding: b[at ..< at + 4], as: UTF8.self), radix: 16)
    }

    /// The decoded text of a JSON string node (its quotes included in the parse).
    static func decoded(_ body: [UInt8], _ content: Range<Int>) -> String? {
        var p = JSONParser(bytes: Array(body[content.lowerBound - 1 ..< content.upperBound + 1]))
        return try? p.string()
    }
}
