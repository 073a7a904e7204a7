import Glibc

/// The new root's plain files (host copies, generated files, symlinks), written by veil from
/// the host side into the sandbox's staging tmpfs while the sandbox makes its mounts: the two
/// halves of building the root run on two cores instead of one after the other.
///
/// veil writes through a descriptor of the staging root that the sandbox sends it, as the
/// caller's own uid, which the sandbox maps; nothing else of the sandbox is reachable.
enum RootFiles {
    /// The ops veil can write from outside: files and symlinks that no mount target of the
    /// plan is on, above or below (a mount would hide them, they belong in a mount the
    /// sandbox has yet to make, or the sandbox's mount point is made through them, in order).
    static func split(_ ops: [MountOp]) -> (outside: [MountOp], inside: [MountOp]) {
        // As directory prefixes, made once: "/a" is on or under "/a/" when "/a/" starts it.
        let targets = ops.compactMap(\.mountTarget).map { $0 == "/" ? "/" : $0 + "/" }
        func underAMount(_ path: String) -> Bool {
            let dir = path + "/"
            return targets.contains { dir.hasPrefix($0) || $0.hasPrefix(dir) }
        }
        var outside: [MountOp] = [], inside: [MountOp] = []
        for op in ops {
            switch op {
            case .copy(_, let path, _), .file(let path, _, _), .symlink(let path, _):
                if underAMount(path) { inside.append(op) } else { outside.append(op) }
            default:
                inside.append(op)
            }
        }
        return (outside, inside)
    }

    /// Writes `ops` (from `split`'s outside half) under `root`, a directory descriptor of the
    /// staging new root. Host sources are read at their host paths.
    static func write(_ ops: [MountOp], under root: Int32) throws {
        let saved = umask(0)  // every mode exactly as planned
        defer { umask(saved) }
        var tree = Tree(dir: root, base: ".", hostRoot: "")
        for op in ops { try tree.create(op) }
    }
}

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

    /// A file, generated file or symlink op.
    mutating func create(_ op: MountOp) throws {
        switch op {
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
        known = known.filter { !$0.hasPrefix(target + "/") }
    }

    func write(_ path: String, _ bytes: [UInt8], mode: UInt32) throws {
        let fd = openat(dir, base + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        try check(.mount, "create \(path)", fd)
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw SandboxError(.mount, errno: errno, "write \(path)") }
    }

    /// A host file's contents, copied in the kernel (no buffer of ours).
    func copy(_ from: Int32, to path: String, what: String) throws {
        var st = stat()
        try check(.mount, "stat \(what)", fstat(from, &st))
        let fd = openat(dir, base + path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        try check(.mount, "create \(path)", fd)
        defer { close(fd) }
        var left = Int(st.st_size)
        while left > 0 {
            let n = sendfile(fd, from, nil, left)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw SandboxError(.mount, errno: n < 0 ? errno : EIO, "copy \(what)") }
            left -= n
        }
    }
}
