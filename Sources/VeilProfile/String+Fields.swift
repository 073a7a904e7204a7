import Glibc

/// Splitting and prefix tests on bytes, for what the launcher reads and compares on every run
/// (passwd, cpuinfo, the workdir registry, mount paths): `String.split(separator:)` and
/// `hasPrefix` walk grapheme clusters, and that walk was most of the launcher's time there.
extension StringProtocol {
    /// The pieces between `byte`s, as `split(separator:omittingEmptySubsequences:)` gives them.
    /// `byte` must be ASCII, so that every cut falls on a character boundary.
    @inlinable
    public func fields(_ byte: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        let whole = Substring(self)
        return whole.utf8.split(separator: byte, omittingEmptySubsequences: omittingEmpty).map { Substring($0) }
    }

    /// Whether the text starts with `prefix`, byte for byte (no Unicode equivalence: paths and
    /// file keys are compared as the kernel compares them).
    @inlinable
    public func startsBytewise(with prefix: some StringProtocol) -> Bool {
        let compared = utf8.withContiguousStorageIfAvailable { whole in
            prefix.utf8.withContiguousStorageIfAvailable { start in
                start.count <= whole.count
                    && (start.isEmpty || memcmp(whole.baseAddress!, start.baseAddress!, start.count) == 0)
            }
        }
        return (compared ?? nil) ?? utf8.starts(with: prefix.utf8)
    }
}

extension Array where Element == String {
    /// `joined(separator:)`, written out: the standard library's is generic over the
    /// collection, and its first call in a process resolves associated types by name at run
    /// time (100,000 instructions of a launch, callgrind).
    public func joinedBytewise(_ separator: String) -> String {
        var out = ""
        out.reserveCapacity(reduce(0) { $0 + $1.utf8.count + separator.utf8.count })
        for i in indices {
            if i > 0 { out += separator }
            out += self[i]
        }
        return out
    }
}
