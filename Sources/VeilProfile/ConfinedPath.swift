import Glibc

/// veil's own file work on the host in places the agent can write (the profile home, the
/// workdir): the agent may have planted a symlink, a `..` or a hard link at any name there for
/// veil to follow on a later run. So nothing is checked and then opened by path: every
/// component is opened from its parent's descriptor with O_NOFOLLOW, and a file veil writes
/// must be a regular file with no other link.
public enum ConfinedPath {
    public struct Refused: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Creates `relative` below the directory `root` with `contents`, unless something is
    /// there already (false). Missing directories on the way are made (0700). `contents` is
    /// made only when the file is (most launches find it there).
    public static func createIfAbsent(root: String, _ relative: String, contents: @autoclosure () -> [UInt8],
                                      mode: mode_t = 0o600) throws -> Bool {
        let parts = try components(relative, path: root + "/" + relative)
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw Refused(path: root, reason: String(cString: strerror(errno))) }
        defer { close(rootFD) }
        let dir = try walk(from: rootFD, parts.dropLast(), create: true, path: root + "/" + relative)
        defer { close(dir) }
        let fd = openat(dir, String(parts.last!), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        if fd < 0 && errno == EEXIST { return false }
        guard fd >= 0 else { throw Refused(path: root + "/" + relative, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        try writeAll(fd, contents(), path: root + "/" + relative)
        return true
    }

    /// Opens `path` for writing (appending, or from the start after truncating), created 0600
    /// when absent. Below one of `trees` (directories the agent can write) no component may be
    /// a symlink; elsewhere the directories are the user's own and only the last component is
    /// held to that. An existing file must be a regular file with a single link.
    public static func openForWriting(_ path: String, append: Bool, confinedTo trees: [String], cwd: String) throws -> Int32 {
        let absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        let tree = trees.filter { !$0.isEmpty && absolute.hasPrefix($0 + "/") }.max { $0.count < $1.count }
        let base = tree ?? dirnameOf(absolute)
        let rest = String(absolute.dropFirst(base.count + 1))
        let parts = try components(rest, path: absolute)
        let baseFD = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard baseFD >= 0 else { throw Refused(path: base, reason: String(cString: strerror(errno))) }
        defer { close(baseFD) }
        let dir = try walk(from: baseFD, parts.dropLast(), create: false, path: absolute)
        defer { close(dir) }
        // O_NONBLOCK: a FIFO planted there would otherwise hold veil until something reads it.
        let fd = openat(dir, String(parts.last!), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (append ? O_APPEND : 0), 0o600)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "is a symbolic link; veil does not follow it"
                : errno == ENXIO ? "is a FIFO; veil does not write to it" : String(cString: strerror(errno))
            throw Refused(path: absolute, reason: reason)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1 else {
            close(fd)
            throw Refused(path: absolute, reason: "is not a regular file with a single link; veil does not write through it")
        }
        if !append && ftruncate(fd, 0) != 0 {
            close(fd)
            throw Refused(path: absolute, reason: String(cString: strerror(errno)))
        }
        return fd
    }

    /// Writes all of `bytes`, or throws.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Refused(path: path, reason: String(cString: strerror(errno))) }
            done += n
        }
    }

    private static func components(_ relative: String, path: String) throws -> [Substring] {
        let parts = relative.split(separator: "/")
        guard let last = parts.last, last != "..", last != "." else { throw Refused(path: path, reason: "names no file") }
        if parts.contains("..") { throw Refused(path: path, reason: "has a `..` component") }
        return parts.filter { $0 != "." }
    }

    /// The directory `parts` below `fd`, each step without following a symlink.
    private static func walk(from fd: Int32, _ parts: ArraySlice<Substring>, create: Bool, path: String) throws -> Int32 {
        var dir = dup(fd)
        for part in parts {
            let name = String(part)
            var next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(dir, name, 0o700) != 0 && errno != EEXIST { next = -1 } else {
                    next = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
            }
            let failure = errno
            close(dir)
            guard next >= 0 else {
                throw Refused(path: path, reason: failure == ELOOP || failure == ENOTDIR
                              ? "\(name) on the way is not a directory (a symbolic link?); veil does not follow it"
                              : String(cString: strerror(failure)))
            }
            dir = next
        }
        return dir
    }

    private static func dirnameOf(_ p: String) -> String {
        guard let i = p.lastIndex(of: "/") else { return "." }
        return i == p.startIndex ? "/" : String(p[..<i])
    }
}
