// Writing JSON: reports are built as JSONValue so their key order is the schema's order.

import VeilProfile

extension JSONValue {
    /// Compact, or indented by two spaces. Non-ASCII is written as is (UTF-8), except what
    /// `escaping` names (as `\uXXXX`).
    public func rendered(pretty: Bool = false, escaping: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0, escaping: escaping)
        return out
    }

    func write(into out: inout String, pretty: Bool, indent: Int, escaping: (Unicode.Scalar) -> Bool) {
        let pad = pretty ? "\n" + String(repeating: "  ", count: indent + 1) : ""
        let end = pretty ? "\n" + String(repeating: "  ", count: indent) : ""
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (n, (k, v)) in members.enumerated() {
                out += (n > 0 ? "," : "") + pad + JSONValue.quote(k, escaping: escaping) + (pretty ? ": " : ":")
                v.write(into: &out, pretty: pretty, indent: indent + 1, escaping: escaping)
            }
            out += end + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (n, v) in items.enumerated() {
                out += (n > 0 ? "," : "") + pad
                v.write(into: &out, pretty: pretty, indent: indent + 1, escaping: escaping)
            }
            out += end + "]"
        case .string(let s): out += JSONValue.quote(s, escaping: escaping)
        case .number(let n): out += n
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }

    static func quote(_ s: String, escaping: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        "\"" + JSONString.escaped(s, also: escaping) + "\""
    }

    /// Convenience for report builders.
    static func str(_ s: String) -> JSONValue { .string(s) }
    static func int(_ n: Int) -> JSONValue { .number(String(n)) }
    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
}
