import Foundation

// JSON paths for findings, worked out only when there are findings: a second walk from
// the start of the body that tracks the container stack and stops at the last string
// asked for. The first walk stays free of any path bookkeeping, and this one builds
// strings only for the paths it returns.

enum JSONPath {
    private struct Frame {
        var isArray: Bool
        var index = 0
        /// Raw range of the current member's key (content, without quotes); -1: none yet.
        var keyStart = -1
        var keyEnd = -1
    }

    /// Paths of the strings whose content starts at the given offsets. A key's path is the
    /// path of the member it names (a canary in a key counts as much as in a value).
    static func resolve(_ body: UnsafeRawBufferPointer, stringStarts: Set<Int>) -> [Int: String] {
        guard let p = body.baseAddress, !stringStarts.isEmpty else { return [:] }
        let wanted = stringStarts.sorted()
        var next = 0
        let n = body.count
        var out: [Int: String] = [:]
        var stack: [Frame] = []
        var i = 0
        while i < n, next < wanted.count {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            switch b {
            case 0x7B, 0x5B: stack.append(Frame(isArray: b == 0x5B))
            case 0x7D, 0x5D: _ = stack.popLast()
            case 0x2C:
                if let t = stack.indices.last {
                    if stack[t].isArray { stack[t].index += 1 } else { stack[t].keyStart = -1 }
                }
            case 0x22:
                let start = i + 1
                let end = JSONWalk.closingQuote(p, n, start) ?? n
                if let t = stack.indices.last, !stack[t].isArray, stack[t].keyStart < 0 {
                    stack[t].keyStart = start
                    stack[t].keyEnd = end
                }
                while next < wanted.count, wanted[next] < start { next += 1 }
                if next < wanted.count, wanted[next] == start {
                    out[start] = render(stack, p, n)
                    next += 1
                }
                i = end
            default: break
            }
            i += 1
        }
        return out
    }

    private static func render(_ stack: [Frame], _ p: UnsafeRawPointer, _ n: Int) -> String {
        var path = "$"
        for f in stack {
            if f.isArray { path += "[\(f.index)]"; continue }
            guard f.keyStart >= 0 else { continue }
            path += component(decodeKey(p, n, f.keyStart, f.keyEnd))
        }
        return path
    }

    private static func decodeKey(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) -> String {
        var bytes: [UInt8] = []
        var i = s
        var tmp: (UInt32, UInt32) = (0, 0)
        while i < e {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b != 0x5C { bytes.append(b); i += 1; continue }
            let r = withUnsafeMutableBytes(of: &tmp) { t -> (Int, [UInt8])? in
                let out = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
                guard let (next, count) = JSONWalk.unescape(p, n, i, into: out) else { return nil }
                return (next, Array(UnsafeBufferPointer(start: out, count: count)))
            }
            guard let (next, decoded) = r else { break }
            bytes += decoded
            i = next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `.messages` for plain names, `["x-key"]` otherwise.
    static func component(_ key: String) -> String {
        let u = Array(key.utf8)
        let plain = !u.isEmpty && !(u[0] >= 0x30 && u[0] <= 0x39) && u.allSatisfy { Matcher.isWord($0) }
        if plain { return "." + key }
        return "[\"" + visible(key).replacingOccurrences(of: "\"", with: "\\\"") + "\"]"
    }
}
