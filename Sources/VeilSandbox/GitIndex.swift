/// The entries of a git index (`.git/index`) that `git status` does not compare with the
/// worktree: `assume-unchanged` (the assume-valid bit) and `skip-worktree`. An agent that set
/// one could hide its change to that file from the user's review. Formats 2, 3 and 4
/// (Documentation/gitformat-index.txt): a 12-byte header, then each entry's 62 fixed bytes,
/// 2 more of extended flags in 3 and 4 when the entry says so, and its path (NUL-terminated
/// and padded to 8 bytes in 2 and 3; in 4 a varint of bytes dropped from the previous path,
/// then the rest of it). Extensions and the checksum follow the entries and are not read.
public struct GitIndex: Sendable, Equatable {
    public var assumeUnchanged: Set<String> = []
    public var skipWorktree: Set<String> = []
    /// More entries are marked than were kept (`keptBytes`).
    public var incomplete = false

    public var hidden: Set<String> { assumeUnchanged.union(skipWorktree) }

    /// The marked paths kept, together, and of each path its first PATH_MAX bytes (no longer
    /// path names a file git checks out). Format 4 drops from each path what it shares with
    /// the previous one, so an index the agent wrote could name a million paths of up to a
    /// million bytes each in 64 MiB: spelled out one by one, on the host and outside every
    /// limit of the sandbox, that was terabytes.
    static let keptBytes = 64 << 20
    static let longestPath = 4096

    /// nil: not an index of a format veil reads (or cut short).
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 12, bytes[0] == 0x44, bytes[1] == 0x49, bytes[2] == 0x52, bytes[3] == 0x43 else { return nil }
        let version = Self.u32(bytes, 4), count = Self.u32(bytes, 8)
        guard (2...4).contains(version) else { return nil }
        var at = 12, kept = 0
        var path: [UInt8] = []
        for _ in 0..<count {
            guard at + 62 <= bytes.count else { return nil }
            let flags = Self.u16(bytes, at + 60)
            var extended: UInt16 = 0
            at += 62
            if version >= 3 && flags & 0x4000 != 0 {
                guard at + 2 <= bytes.count else { return nil }
                extended = Self.u16(bytes, at)
                at += 2
            }
            if version == 4 {
                guard let (drop, next) = Self.varint(bytes, at), drop <= path.count else { return nil }
                path.removeLast(drop)
                at = next
                guard let nul = bytes[at...].firstIndex(of: 0) else { return nil }
                path += bytes[at..<nul]
                at = nul + 1
            } else {
                let start = at
                guard let nul = bytes[at...].firstIndex(of: 0) else { return nil }
                if flags & 0x8000 != 0 || extended & 0x4000 != 0 { path = Array(bytes[start..<nul]) }
                // The entry (62 or 64 bytes and the path) is padded with 1 to 8 NULs to a
                // multiple of 8, counted from the entry's start.
                let entryStart = start - (version >= 3 && flags & 0x4000 != 0 ? 64 : 62)
                at = entryStart + (nul - entryStart + 8) & ~7
                guard at <= bytes.count else { return nil }
            }
            if flags & 0x8000 != 0 { Self.keep(path, in: &assumeUnchanged, kept: &kept, incomplete: &incomplete) }
            if extended & 0x4000 != 0 { Self.keep(path, in: &skipWorktree, kept: &kept, incomplete: &incomplete) }
        }
    }

    private static func keep(_ path: [UInt8], in marked: inout Set<String>, kept: inout Int, incomplete: inout Bool) {
        let name = path.prefix(longestPath)
        guard kept + name.count <= keptBytes else { return incomplete = true }
        if marked.insert(String(decoding: name, as: UTF8.self)).inserted { kept += name.count }
    }

    private static func u32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }

    /// Git's offset varint (each continuation adds one before shifting); the value and the
    /// offset after it.
    private static func varint(_ b: [UInt8], _ i: Int) -> (Int, Int)? {
        var at = i
        guard at < b.count else { return nil }
        var byte = b[at]
        var value = Int(byte & 0x7F)
        while byte & 0x80 != 0 {
            at += 1
            guard at < b.count, value < 1 << 48 else { return nil }
            byte = b[at]
            value = ((value + 1) << 7) | Int(byte & 0x7F)
        }
        return (value, at + 1)
    }
}
