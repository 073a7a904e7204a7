import Glibc

/// A set of paths as directory prefixes ("/etc" as "/etc/", the root as "/") in one byte
/// buffer, for the two questions RootFiles asks of every op against every mount target: is a
/// path's directory on or below one of them, or above one. A length check and a memcmp each;
/// as String prefix tests they cost a launch about a million instructions (callgrind).
/// Bytes are compared as the kernel compares paths, without Unicode equivalence.
struct PathPrefixes {
    private var bytes: [UInt8] = []
    /// Where each prefix ends in `bytes`, after a leading 0.
    private var ends: [Int] = [0]

    init(_ paths: some Sequence<String>) {
        for path in paths {
            bytes += path.utf8
            if bytes.last != PathPrefixes.slash { bytes.append(PathPrefixes.slash) }
            ends.append(bytes.count)
        }
    }

    private static let slash = UInt8(ascii: "/")

    /// One of them starts `path + "/"`: it is `path` or a directory above it (`properly`:
    /// above it only).
    func contain(onOrAbove path: String, properly: Bool = false) -> Bool {
        any(of: path) { prefix, p in
            // `path + "/"` is one byte longer than `path`, and a prefix's last byte is a slash.
            guard prefix.count <= p.count || (!properly && prefix.count == p.count + 1) else { return false }
            let compared = min(prefix.count, p.count)
            return compared == 0 || memcmp(prefix.baseAddress!, p.baseAddress!, compared) == 0
        }
    }

    /// `path + "/"` starts one of them: it is `path` or below it.
    func contain(onOrBelow path: String) -> Bool {
        any(of: path) { prefix, p in
            prefix.count > p.count && prefix[p.count] == PathPrefixes.slash
                && (p.isEmpty || memcmp(prefix.baseAddress!, p.baseAddress!, p.count) == 0)
        }
    }

    /// Whether `test` holds for some prefix and `path`'s bytes.
    private func any(of path: String,
                     _ test: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        bytes.withUnsafeBufferPointer { all in
            func each(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
                // Pointer arithmetic: a Slice of the buffer resolves its generic types at run
                // time on first use (50,000 instructions).
                for i in 1..<ends.count
                where test(UnsafeBufferPointer(start: all.baseAddress! + ends[i - 1], count: ends[i] - ends[i - 1]), p) {
                    return true
                }
                return false
            }
            if let answer = path.utf8.withContiguousStorageIfAvailable(each) { return answer }
            return Array(path.utf8).withUnsafeBufferPointer(each)
        }
    }
}
