// Header names are compared on every request: ASCII case folding without a lowercased copy.

extension String {
    /// ASCII case-insensitive comparison with an already lowercase name, without allocating.
    @inlinable public func equalsLowercased(_ lower: StaticString) -> Bool {
        let mine = utf8
        guard mine.count == lower.utf8CodeUnitCount else { return false }
        return lower.withUTF8Buffer { theirs in
            var i = 0
            for c in mine {
                let folded = (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
                if folded != theirs[i] { return false }
                i += 1
            }
            return true
        }
    }

    /// Whether this is one of `names` (each already lowercase): a name of another length costs
    /// one comparison per entry, no copy.
    @inlinable public func equalsLowercased(anyOf names: [StaticString]) -> Bool {
        names.contains { equalsLowercased($0) }
    }
}

extension UInt8 {
    /// The value of an ASCII hex digit (the `2` and `F` of `%2F`), nil for any other byte.
    @inlinable public var hexDigitValue: UInt8? {
        switch self {
        case 0x30 ... 0x39: return self - 0x30
        case 0x41 ... 0x46: return self - 0x37
        case 0x61 ... 0x66: return self - 0x57
        default: return nil
        }
    }
}

extension Collection where Element == UInt8 {
    /// `%XX` as a byte; a `%` without two hex digits stays as it is, and so does a `+` (a
    /// plus in a path or a header parameter; forms read it as a space themselves).
    @inlinable public var percentDecoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = startIndex
        while i != endIndex {
            let b = self[i]
            formIndex(after: &i)
            if b == 0x25, i != endIndex, let h = self[i].hexDigitValue {
                let j = index(after: i)
                if j != endIndex, let l = self[j].hexDigitValue {
                    out.append(h << 4 | l)
                    i = index(after: j)
                    continue
                }
            }
            out.append(b)
        }
        return out
    }
}
