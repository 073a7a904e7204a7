import Glibc

/// The new root's plain files (host copies, generated files, symlinks), written by veil from
/// the host side into the sandbox's staging tmpfs while the sandbox makes its mounts: the two
/// halves of building the root run on two cores instead of one after the other.
///
/// veil writes through a descriptor of the staging root that the sandbox sends it, as the
/// caller's own uid, which the sandbox maps; nothing else of the sandbox is reachable. It
/// makes the directories the sandbox mounts on first (`mountPoints`), then the files, and says
/// when each `Step` is done on the socket that brought it the descriptor.
enum RootFiles {
    /// What veil tells the sandbox it has finished, in this order, one byte each.
    enum Step: UInt8 {
        /// The mount points. The sandbox does not wait for them: where veil is late it makes
        /// them itself (both sides take a directory that is there already).
        case mountPoints = 1
        /// The files: the sandbox may switch to the new root.
        case files = 2
    }

    static func signal(_ step: Step, over socket: Int32) throws {
        var byte = step.rawValue
        if send(socket, &byte, 1, Int32(MSG_NOSIGNAL)) != 1 {
            throw SandboxError(.mount, errno: errno, "tell the sandbox its \(step) are made")
        }
    }

    /// Whether veil has said `step` is done, without waiting (the sandbox's side).
    static func done(_ step: Step, over socket: Int32) -> Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, Int32(MSG_DONTWAIT)) == 1 && byte == step.rawValue
    }

    /// Waits for `step`, passing over the word for an earlier one that `done` did not read.
    static func await(_ step: Step, over socket: Int32) throws {
        var byte: UInt8 = 0
        var n: Int
        repeat {
            repeat { n = recv(socket, &byte, 1, 0) } while n < 0 && errno == EINTR
        } while n == 1 && byte < step.rawValue
        if n != 1 || byte != step.rawValue {
            throw SandboxError(.mount, errno: n < 0 ? errno : EPIPE, "veil did not make the root's \(step)")
        }
    }

    /// The directories the sandbox mounts on, with those that lead to them, that stand on the
    /// new root's own tmpfs (below no mount target), as `.dir` ops with the modes the sandbox
    /// would give them: veil makes them from outside before the sandbox mounts, about 25
    /// mkdirs (3.5 µs each and a path walk) off PID 1's path. A bind's target is a directory
    /// when its host source is one (`isDirectory`); a bind of a file, and anything at or
    /// below a symlink or file op, is left to the sandbox.
    static func mountPoints(_ ops: [MountOp], isDirectory: (String) -> Bool) -> [MountOp] {
        let targets = ops.compactMap(\.mountTarget).map { $0 == "/" ? "/" : $0 + "/" }
        let files = ops.compactMap { op -> String? in
            switch op {
            case .copy(_, let path, _), .file(let path, _, _), .symlink(let path, _): return path + "/"
            default: return nil
            }
        }
        var made: [MountOp] = [], seen: Set<String> = ["/"]
        func make(_ dir: String, mode: UInt32) {
            guard !seen.contains(dir) else { return }
            make(dirname(dir), mode: 0o755)
            seen.insert(dir)
            made.append(.dir(dir, mode: mode))
        }
        for op in ops {
            let dir: String, mode: UInt32
            switch op {
            case .dir(let path, let m): (dir, mode) = (path, m)
            case .tmpfs(let path, _), .devpts(let path): (dir, mode) = (path, 0o755)
            case .proc(let path): (dir, mode) = (path, 0o555)
            case .bind(let source, let target, _, _) where isDirectory(source): (dir, mode) = (target, 0o755)
            default: continue
            }
            let below = dir + "/"
            let underAMount = targets.contains { below.hasPrefix($0) && below != $0 }
            let throughAFile = files.contains { below.hasPrefix($0) }
            if !underAMount && !throughAFile { make(dir, mode: mode) }
        }
        return made
    }

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

    /// Writes `ops` (`mountPoints`, or `split`'s outside half) under `root`, a directory
    /// descriptor of the staging new root. Host sources are read at their host paths.
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
        guard known.contains(where: { $0.hasPrefix(below) }) else { return }
        known = known.filter { !$0.hasPrefix(below) }
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
