import Glibc

/// The few file-system reads the launch path needs, on plain Glibc: `veil run` links no
/// Foundation, because a smaller binary starts (and forks) faster.
public enum HostFiles {
    /// Whole contents of a file, nil if it cannot be opened or read.
    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return read(fd: fd)
    }

    /// The rest of an open file, nil on a read error. A regular file says its size: one read
    /// fills it and one more sees the end. /proc files and pipes say 0 and grow by doubling.
    /// (A zeroed 64 KiB buffer each call used to cost a launch 16 page faults and its memset.)
    public static func read(fd: Int32) -> [UInt8]? {
        var st = stat()
        var capacity = fstat(fd, &st) == 0 && st.st_size > 0 ? Int(st.st_size) + 1 : 4096
        var storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        defer { storage.deallocate() }
        var count = 0
        while true {
            if count == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 1)
                bigger.copyMemory(from: storage, byteCount: count)
                storage.deallocate()
                (storage, capacity) = (bigger, capacity * 2)
            }
            let n = Glibc.read(fd, storage + count, capacity - count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return [UInt8](UnsafeRawBufferPointer(start: storage, count: count)) }
            count += n
        }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Names in a directory (without . and ..); empty if it cannot be read.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func currentDirectory() -> String {
        guard let p = getcwd(nil, 0) else { return "/" }
        defer { free(p) }
        return String(cString: p)
    }

    /// An absolute path with `.`, `..` and repeated slashes resolved lexically (symlinks are
    /// left alone), relative paths taken from the current directory.
    public static func standardize(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        // On bytes: joining Substrings is generic, and its first use in a process looks up
        // conformances by name (measured: ~0.04 ms of a launch).
        var out: [UInt8] = []
        out.reserveCapacity(full.utf8.count)
        for part in full.fields(UInt8(ascii: "/")) {
            switch part {
            case ".": continue
            case "..": out.removeSubrange((out.lastIndex(of: UInt8(ascii: "/")) ?? 0)...)
            default: out.append(UInt8(ascii: "/")); out.append(contentsOf: part.utf8)
            }
        }
        return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
    }
}
