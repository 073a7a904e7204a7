// A body the walk refuses is scanned as raw text (Scanner.scanBody), and raw text does not
// read `\u0033` as `3`. But a reader more lenient than the walk does: Python's json takes
// `NaN` and `Infinity`, a UTF-8 BOM is skipped by many, JSONL lines sit in multipart parts,
// and each of them carried the machine id written in escapes past the scan (the fourth red
// team). So such text is also scanned with every JSON escape decoded wherever it is.

import Glibc

extension JSONWalk {
    /// `text` with each valid JSON escape decoded, in strings or not; bytes that start none
    /// are kept. Nil when there is no backslash. Never longer than `text`.
    static func decodingEveryEscape(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let p = text.baseAddress, memchr(p, 0x5C, text.count) != nil else { return nil }
        let n = text.count
        return [UInt8](unsafeUninitializedCapacity: n) { out, written in
            let o = out.baseAddress!
            var i = 0, len = 0
            while i < n {
                // Up to the next backslash at once.
                let next = memchr(p + i, 0x5C, n - i).map { $0 - UnsafeMutableRawPointer(mutating: p) } ?? n
                (o + len).update(from: (p + i).assumingMemoryBound(to: UInt8.self), count: next - i)
                len += next - i
                i = next
                guard i < n else { break }
                if let (after, count) = unescape(p, n, i, into: o + len) {
                    len += count
                    i = after
                } else {
                    o[len] = 0x5C
                    len += 1
                    i += 1
                }
            }
            written = len
        }
    }

    /// The raw offsets of decoded offsets `decoded` of `decodingEveryEscape(text)`, in one
    /// pass: a byte an escape produced maps to its backslash.
    static func rawOffsetsDecodingEveryEscape(_ text: UnsafeRawBufferPointer, _ decoded: [Int]) -> [Int] {
        guard let p = text.baseAddress else { return decoded }
        let n = text.count
        let order = decoded.indices.sorted { decoded[$0] < decoded[$1] }
        var raw = decoded
        var tmp: (UInt32, UInt32) = (0, 0)
        withUnsafeMutableBytes(of: &tmp) { t in
            let out = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var i = 0, d = 0, k = 0
            while k < order.count {
                let want = decoded[order[k]]
                var (next, count) = (i + 1, 1)
                if i < n, p.load(fromByteOffset: i, as: UInt8.self) == 0x5C, let e = unescape(p, n, i, into: out) { (next, count) = e }
                if i >= n || want < d + count {
                    raw[order[k]] = min(i, max(n - 1, 0))
                    k += 1
                    continue
                }
                d += count
                i = next
            }
        }
        return raw
    }
}
