import Foundation
@testable import VeilCompare

/// The part of JSON Schema (2020-12) that docs/schema uses, enough to check a report against
/// it without a Python environment: type, const, enum, required, properties,
/// additionalProperties, propertyNames, items, oneOf, $ref into $defs, minimum, minLength,
/// pattern. A keyword it does not know fails the check, so the schema cannot outgrow it unseen.
struct SchemaValidator {
    let root: JSONValue
    static let known: Set<String> = [
        "$schema", "$id", "title", "description", "type", "const", "enum", "required", "properties", "additionalProperties",
        "propertyNames", "items", "oneOf", "$ref", "$defs", "minimum", "minLength", "pattern",
    ]

    static func load(_ name: String) throws -> SchemaValidator {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/schema")
        return SchemaValidator(root: try JSONValue.parse(String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)))
    }

    /// Every violation, as `path: what`.
    func errors(_ v: JSONValue) -> [String] { check(v, root, "$") }

    func check(_ v: JSONValue, _ s: JSONValue, _ at: String) -> [String] {
        guard case .object(let kws) = s else { return s == .bool(true) ? [] : ["\(at): schema false"] }
        var out: [String] = []
        for (k, rule) in kws {
            switch k {
            case "$ref":
                let name = rule.stringValue!.replacingOccurrences(of: "#/$defs/", with: "")
                guard let def = root["$defs"]?[name] else { out.append("\(at): no $defs/\(name)"); continue }
                out += check(v, def, at)
            case "type":
                let types = { if case .array(let a) = rule { return a.compactMap(\.stringValue) } else { return [rule.stringValue!] } }()
                if !types.contains(where: { Self.isType(v, $0) }) { out.append("\(at): not \(types)") }
            case "const": if v != rule { out.append("\(at): not \(rule.rendered())") }
            case "enum": if case .array(let a) = rule, !a.contains(v) { out.append("\(at): \(v.rendered()) not in enum") }
            case "required":
                if case .array(let names) = rule, case .object = v {
                    for n in names.compactMap(\.stringValue) where v[n] == nil { out.append("\(at): missing \(n)") }
                }
            case "properties", "additionalProperties", "propertyNames":
                guard case .object(let members) = v, k == "properties" else { continue }
                let props = { if case .object(let p) = rule { return p } else { return [] } }()
                for (name, value) in members {
                    if let p = props.first(where: { $0.0 == name })?.1 {
                        out += check(value, p, at + "." + name)
                    } else if let extra = s["additionalProperties"] {
                        out += check(value, extra, at + "." + name)
                    }
                    if let names = s["propertyNames"] { out += check(.string(name), names, at + " key " + name) }
                }
            case "items": if case .array(let items) = v { for (n, x) in items.enumerated() { out += check(x, rule, at + "[\(n)]") } }
            case "oneOf":
                guard case .array(let options) = rule else { continue }
                let passing = options.filter { check(v, $0, at).isEmpty }.count
                if passing != 1 { out.append("\(at): \(passing) oneOf options match") }
            case "minimum":
                if case .number(let n) = v, let x = Double(n), let m = Double({ if case .number(let t) = rule { t } else { "" } }()), x < m {
                    out.append("\(at): \(n) < minimum")
                }
            case "minLength":
                if case .string(let t) = v, case .number(let n) = rule, t.unicodeScalars.count < Int(n)! { out.append("\(at): too short") }
            case "pattern":
                if case .string(let t) = v, let re = try? Regex(rule.stringValue!), t.firstMatch(of: re) == nil { out.append("\(at): \(t) !~ pattern") }
            default:
                if !Self.known.contains(k) { out.append("\(at): schema keyword \(k) unknown to the validator") }
            }
        }
        return out
    }

    static func isType(_ v: JSONValue, _ t: String) -> Bool {
        switch (v, t) {
        case (.object, "object"), (.array, "array"), (.string, "string"), (.bool, "boolean"), (.null, "null"), (.number, "number"): return true
        case (.number(let n), "integer"): return Int(n) != nil
        default: return false
        }
    }
}
