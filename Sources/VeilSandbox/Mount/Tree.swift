import Glibc
import VeilProfile

/// Creates files, directories and symlinks in a tree under construction: the staging new
/// root, reached by absolute path inside the sandbox or by descriptor from veil.
struct Tree {
    /// AT_FDCWD, or a descriptor of the root; `base` is prefixed to every sandbox path.
    let dir: Int32
    let base: String
    /// Where the host's files are: /oldroot inside the sandbox, / outside.
    let hostRoot: String
    /// Directories made or found so far. Most ops share a parent (/etc, /dev, the home), and
    /// asking the kernel again costs a failed mkdir and a path walk each time.
    var known = Set<String>()
    /// Sandbox paths that are a mount's root (Mounts.apply keeps it).
    var mountRoots = Set<String>()

    /// A directory, file, generated file or symlink op.
    mutating func create(_ op: MountOp) throws {
        switch op {
        case .dir(let path, let mode):
            try makeDirs(path, mode: mode)
        case .copy(let source, let target, let optional):
            let from = open(hostRoot + source, O_RDONLY | O_CLOEXEC)
            guard from >= 0 else {
                if optional { return }
                throw SandboxError(.mount, errno: errno, "copy \(source)")
            }
            defer { close(from) }
            try makeDirs(dirname(target), mode: 0o755)
            try copy(from, to: target, what: source)
        case .symlink(let path, let to):
            try makeDirs(dirname(path), mode: 0o755)
            try check(.mount, "symlink \(path)", symlinkat(to, dir, base + path))
        case .file(let path, let contents, let mode):
            try makeDirs(dirname(path), mode: 0o755)
            try write(path, Array(contents.utf8), mode: mode)
        default:
            throw SandboxError(.plan, errno: EINVAL, "not a file op: \(op)")
        }
    }

    mutating func makeDirs(_ path: String, mode: UInt32) throws {
        if path == "/" || known.contains(path) { return }
        if mkdirat(dir, base + path, mode_t(mode)) == 0 || errno == EEXIST { known.insert(path); return }
        if errno == ENOENT {
            try makeDirs(dirname(path), mode: 0o755)
            if mkdirat(dir, base + path, mode_t(mode)) == 0 || errno == EEXIST { known.insert(path); return }
        }
        throw SandboxError(.mount, errno: errno, "mkdir \(path)")
    }

    /// Forgets what a mount on `target` hid.
    mutating func mounted(on target: String) {
        let below = target + "/"
        // Most mounts hide nothing made here: no new set for them.
        guard known.contains(where: { $0.startsBytewise(with: below) }) else { return }
        known = known.filter { !$0.startsBytewise(with: below) }
    }

    func write(_ path: String, _ bytes: [UInt8], mode: UInt32) throws {
        let fd = openat(dir, base + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        try check(.mount, "create \(path)", fd)
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw SandboxError(.mount, errno: errno, "write \(path)") }
    }

    /// A host file's contents, read and written: sendfile's splice costs more per call than
    /// these small files' bytes (17 against 10 µs for /etc/shells, 26 against 20 µs for a
    /// 35 KB ld.so.cache, into tmpfs).
    func copy(_ from: Int32, to path: String, what: String) throws {
        var st = stat()
        try check(.mount, "stat \(what)", fstat(from, &st))
        let fd = openat(dir, base + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        try check(.mount, "create \(path)", fd)
        defer { close(fd) }
        let size = Int(st.st_size)
        try withUnsafeTemporaryAllocation(byteCount: max(size, 1), alignment: 16) { buffer in
            let bytes = buffer.baseAddress!
            var done = 0
            while done < size {
                let n = read(from, bytes + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw SandboxError(.mount, errno: n < 0 ? errno : EIO, "copy \(what)") }
                done += n
            }
            done = 0
            while done < size {
                let n = Glibc.write(fd, bytes + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw SandboxError(.mount, errno: n < 0 ? errno : EIO, "copy \(what)") }
                done += n
            }
        }
    }
}
