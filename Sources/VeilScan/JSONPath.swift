import Foundation

// JSON paths for findings. The walk keeps a stack of open containers (a few instructions
// per bracket and comma, see HitSink+JSON.swift); a path string is written from it only
// when a finding is made.

/// One open container while a JSON body is walked.
struct PathFrame {
    var isArray: Bool
    var index = 0
    /// The stream of strings this container's members belong to (HitSink+Joins.swift).
    var stream: UInt64 = 0
    /// Raw range of the current member's key (content, without quotes); -1: none yet.
    var keyStart = -1
    var keyEnd = -1
    /// The stream of the current member's value: `stream` for an array's elements, the key's
    /// stream for an object's (set when the key ends, read by every value string).
    var valueStream: UInt64 = 0

    /// The stream of what this container's members or elements hold.
    var memberStream: UInt64 { isArray ? stream : valueStream }

    init(isArray: Bool) { self.isArray = isArray }
}

extension HitSink {
    /// `$.messages[0].content[1].text` for the string being scanned, from the stack; `$`
    /// outside JSON. Only called when there is a finding.
    func currentPath() -> String {
        guard let frames = path, let p = body.baseAddress else { return "$" }
        var out = "$"
        for k in 0 ..< min(depth, HitSink.maxDepth) {
            let f = frames[k]
            if f.isArray { out += "[\(f.index)]"; continue }
            guard f.keyStart >= 0 else { continue }
            let end = f.keyEnd >= 0 ? f.keyEnd : (JSONWalk.closingQuote(p, body.count, f.keyStart) ?? body.count)
            out += JSONPath.component(JSONPath.decodeKey(p, body.count, f.keyStart, end))
        }
        return depth > HitSink.maxDepth ? out + "…" : out
    }
}

enum JSONPath {
    /// The path of the string holding raw offset `at` of a JSON body, by a walk from the
    /// start: only for findings across strings, whose first strings the walk has left.
    static func path(in body: UnsafeRawBufferPointer, at: Int) -> String {
        guard let p = body.baseAddress else { return "$" }
        var frames: [PathFrame] = []
        var i = 0, inString = false
        while i < min(at, body.count) {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if inString {
                if b == 0x5C { i += 2; continue }
                if b == 0x22 {
                    inString = false
                    if let f = frames.last, !f.isArray, f.keyStart == i { frames[frames.count - 1].keyEnd = i }
                }
            } else {
                switch b {
                case 0x22:
                    inString = true
                    if let f = frames.last, !f.isArray, f.keyEnd < 0 || f.keyStart < 0 {
                        if f.keyStart < 0 { frames[frames.count - 1].keyStart = i + 1; frames[frames.count - 1].keyEnd = -1 }
                    }
                case 0x7B, 0x5B: frames.append(PathFrame(isArray: b == 0x5B))
                case 0x7D, 0x5D: if !frames.isEmpty { frames.removeLast() }
                case 0x2C:
                    if let f = frames.last {
                        if f.isArray { frames[frames.count - 1].index += 1 } else { frames[frames.count - 1].keyStart = -1 }
                    }
                default: break
                }
            }
            i += 1
        }
        var out = "$"
        for f in frames {
            if f.isArray { out += "[\(f.index)]"; continue }
            guard f.keyStart >= 0 else { continue }
            let end = f.keyEnd >= 0 ? f.keyEnd : (JSONWalk.closingQuote(p, body.count, f.keyStart) ?? body.count)
            out += component(decodeKey(p, body.count, f.keyStart, end))
        }
        return out
    }

    static func decodeKey(_ p: UnsafeRawPointer, _ n: Int, _ s: Int, _ e: Int) -> String {
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
