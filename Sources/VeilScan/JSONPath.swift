import Foundation

// JSON paths for findings, worked out only when there are findings: a second walk from
// the start of the body that tracks the container stack and stops at the last string
// asked for. The first walk stays free of any path bookkeeping.

enum JSONPath {
    private struct Frame {
        var path: String
        var isArray: Bool
        var index = 0
        var key: String? = nil
    }

    /// Paths of the strings whose content starts at the given offsets. A key's path is the
    /// path of the member it names (a canary in a key counts as much as in a value).
    static func resolve(_ body: UnsafeRawBufferPointer, stringStarts wanted: Set<Int>) -> [Int: String] {
        guard let p = body.baseAddress, let last = wanted.max() else { return [:] }
        let n = body.count
        var out: [Int: String] = [:]
        var stack: [Frame] = []
        var i = 0
        func valuePath() -> String {
            guard let top = stack.last else { return "$" }
            return top.isArray ? top.path + "[\(top.index)]" : top.path + component(top.key ?? "")
        }
        while i < n, i <= last {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            switch b {
            case 0x7B, 0x5B:
                stack.append(Frame(path: valuePath(), isArray: b == 0x5B))
            case 0x7D, 0x5D:
                _ = stack.popLast()
            case 0x2C:
                if let t = stack.indices.last {
                    if stack[t].isArray { stack[t].index += 1 } else { stack[t].key = nil }
                }
            case 0x22:
                let start = i + 1
                let (end, text) = readString(p, n, start, decode: stack.last.map { !$0.isArray && $0.key == nil } ?? false)
                if let t = stack.indices.last, !stack[t].isArray, stack[t].key == nil {
                    stack[t].key = text ?? ""
                }
                if wanted.contains(start) { out[start] = valuePath() }
                i = end
            default: break
            }
            i += 1
        }
        return out
    }

    /// Offset of the closing quote, and the decoded text when asked (keys only).
    private static func readString(_ p: UnsafeRawPointer, _ n: Int, _ start: Int, decode: Bool) -> (Int, String?) {
        var i = start
        var bytes: [UInt8] = []
        while true {
            let j = JSONWalk.nextSpecial(p, n, i)
            if decode { bytes.append(contentsOf: UnsafeRawBufferPointer(start: p + i, count: j - i)) }
            guard j < n else { return (n, nil) }
            if p.load(fromByteOffset: j, as: UInt8.self) == 0x22 {
                return (j, decode ? String(decoding: bytes, as: UTF8.self) : nil)
            }
            var tmp: [UInt8] = []
            guard let next = JSONWalk.unescape(p, n, j, into: &tmp) else { return (n, nil) }
            if decode { bytes += tmp }
            i = next
        }
    }

    /// `.messages` for plain names, `["x-key"]` otherwise.
    static func component(_ key: String) -> String {
        let u = Array(key.utf8)
        let plain = !u.isEmpty && !(u[0] >= 0x30 && u[0] <= 0x39)
            && u.allSatisfy { Matcher.isWord($0) }
        if plain { return "." + key }
        return "[\"" + visible(key).replacingOccurrences(of: "\"", with: "\\\"") + "\"]"
    }
}
