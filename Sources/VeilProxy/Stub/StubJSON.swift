import Foundation
import VeilProfile

/// The stub's JSON text: what JSONSerialization writes with sorted keys and unescaped slashes
/// (byte for byte but for the rarer controls and U+2028/2029, escaped as JSONString escapes
/// them), at a fraction of its cost. JSONSerialization bridged every dictionary and
/// sorted keys by a locale-aware comparison: 40 % of veil's CPU answering small requests from
/// the stub (perf, a new connection per request).
enum StubJSON {
    static func encode(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    static func write(_ value: Any, into out: inout String) {
        // The exact types first, by their metadata: a failed `as?` from Any tries bridging
        // through Foundation (a dictionary asked whether it is a String became an NSDictionary).
        let type = ObjectIdentifier(Swift.type(of: value))
        if type == ObjectIdentifier(String.self) { return string(value as! String, into: &out) }
        if type == ObjectIdentifier(Int.self) { return out += String(value as! Int) }
        if type == ObjectIdentifier([String: Any].self) { return object(value as! [String: Any], into: &out) }
        if type == ObjectIdentifier([Any].self) { return array(value as! [Any], into: &out) }
        switch value {
        case let s as String: string(s, into: &out)
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let d as Double:
            if d.rounded() == d, abs(d) < 1e15 { out += String(Int(d)) } else { out += "\(d)" }
        case is NSNull: out += "null"
        case let o as [String: Any]: object(o, into: &out)
        case let a as [Any]: array(a, into: &out)
        default: out += "null"
        }
    }

    private static func object(_ object: [String: Any], into out: inout String) {
        out += "{"
        for (n, key) in object.keys.sorted(by: precedes).enumerated() {
            if n > 0 { out += "," }
            string(key, into: &out)
            out += ":"
            write(object[key]!, into: &out)
        }
        out += "}"
    }

    private static func array(_ array: [Any], into out: inout String) {
        out += "["
        for (n, element) in array.enumerated() {
            if n > 0 { out += "," }
            write(element, into: &out)
        }
        out += "]"
    }

    private static func string(_ s: String, into out: inout String) {
        out += "\""
        out += JSONString.escaped(s)
        out += "\""
    }

    /// JSONSerialization's key order: case-insensitive, runs of digits by their value, then
    /// the shorter and the plain order where those tie. (The stub's keys are ASCII.)
    static func precedes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                var m = i, n = j
                while m < x.count && isDigit(x[m]) { m += 1 }
                while n < y.count && isDigit(y[n]) { n += 1 }
                let p = x[i..<m].drop { $0 == 0x30 }, q = y[j..<n].drop { $0 == 0x30 }
                if p.count != q.count { return p.count < q.count }
                if !p.elementsEqual(q) { return p.lexicographicallyPrecedes(q) }
                (i, j) = (m, n)
                continue
            }
            if lower(x[i]) != lower(y[j]) { return lower(x[i]) < lower(y[j]) }
            i += 1
            j += 1
        }
        if x.count - i != y.count - j { return x.count - i < y.count - j }
        // Equal so far ("a9", "a09"): the shorter first, then the plain order.
        return x.count != y.count ? x.count < y.count : a < b
    }
}
