import CVeilShim
import Glibc
import VeilProfile

/// The mount namespace: a new root on tmpfs built from the plan's MountOps.
///
/// Like bubblewrap, we mount a staging tmpfs on /tmp and pivot into it first, so the host's
/// root stays reachable at /oldroot (host /tmp included) while /newroot is assembled; then we
/// pivot into /newroot and detach everything of the host that was not bound in.
enum Mounts {
    static let oldRoot = "/oldroot"
    static let newRoot = "/newroot"

    /// Nothing we mount may propagate back to the host.
    static func makePrivate() throws {
        try check(.mount, "make / private", mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil))
    }

    static func enterStaging() throws {
        try check(.mount, "staging tmpfs on /tmp", mount("tmpfs", "/tmp", "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0755"))
        try check(.mount, "chdir /tmp", chdir("/tmp"))
        for d in ["newroot", "oldroot", "masks"] { try check(.mount, "mkdir \(d)", mkdir(d, 0o755)) }
        try check(.pivotRoot, "pivot into staging", veil_pivot_root(".", "oldroot"))
        try check(.pivotRoot, "chdir /", chdir("/"))
        try check(.mount, "new root tmpfs", mount("tmpfs", newRoot, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0755"))
    }

    /// With umask 0 every mode is the plan's as given, without a chmod after each create.
    static func apply(_ ops: [MountOp]) throws {
        let saved = umask(0)
        defer { umask(saved) }
        var known = Set<String>()
        for op in ops {
            try apply(op, known: &known)
            // A mount hides what was made below its target before it.
            if let target = op.mountTarget { known = known.filter { !$0.hasPrefix(newRoot + target + "/") } }
        }
    }

    private static func apply(_ op: MountOp, known: inout Set<String>) throws {
        switch op {
        case .dir(let path, let mode):
            try makeDirs(newRoot + path, mode: mode, known: &known)
        case .tmpfs(let path, let mode):
            try makeDirs(newRoot + path, mode: 0o755, known: &known)
            let options = "mode=0" + String(mode, radix: 8)
            try check(.mount, "tmpfs on \(path)", mount("tmpfs", newRoot + path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options))
        case .bind(let source, let target, let readOnly, let optional):
            try bind(oldRoot + source, newRoot + target, readOnly: readOnly, optional: optional, what: source, known: &known)
        case .copy(let source, let target, let optional):
            let from = open(oldRoot + source, O_RDONLY | O_CLOEXEC)
            guard from >= 0 else {
                if optional { return }
                throw SandboxError(.mount, errno: errno, "copy \(source)")
            }
            defer { close(from) }
            try makeDirs(dirname(newRoot + target), mode: 0o755, known: &known)
            try copy(from, to: newRoot + target, what: source)
        case .device(let path):
            try bind(oldRoot + path, newRoot + path, readOnly: false, optional: false, what: path, known: &known)
        case .symlink(let path, let to):
            try makeDirs(dirname(newRoot + path), mode: 0o755, known: &known)
            try check(.mount, "symlink \(path)", symlink(to, newRoot + path))
        case .file(let path, let contents, let mode):
            try makeDirs(dirname(newRoot + path), mode: 0o755, known: &known)
            try writeFile(newRoot + path, contents, mode: mode)
        case .proc(let path):
            try makeDirs(newRoot + path, mode: 0o555, known: &known)
            try check(.mount, "proc on \(path)", mount("proc", newRoot + path, "proc", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), nil))
        case .devpts(let path):
            try makeDirs(newRoot + path, mode: 0o755, known: &known)
            try check(.mount, "devpts on \(path)", mount("devpts", newRoot + path, "devpts", UInt(MS_NOSUID | MS_NOEXEC),
                                                        "newinstance,ptmxmode=0666,mode=620"))
        case .mask(let path, let contents):
            let staged = "/masks/" + basename(path)
            try writeFile(staged, contents, mode: 0o444)
            guard access(newRoot + path, F_OK) == 0 else { return }
            try bind(staged, newRoot + path, readOnly: true, optional: false, what: path, known: &known)
        }
    }

    private static func bind(_ source: String, _ target: String, readOnly: Bool, optional: Bool, what: String,
                             known: inout Set<String>) throws {
        var st = stat()
        guard stat(source, &st) == 0 else {
            if optional { return }
            throw SandboxError(.mount, errno: errno, "bind source \(what) does not exist")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            try makeDirs(target, mode: 0o755, known: &known)
        } else {
            try makeDirs(dirname(target), mode: 0o755, known: &known)
            if access(target, F_OK) != 0 {
                let fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                try check(.mount, "mount point for \(what)", fd)
                close(fd)
            }
        }
        try check(.mount, "bind \(what)", mount(source, target, nil, UInt(MS_BIND | MS_REC), nil))
        if readOnly {
            try check(.mount, "read-only \(what)", veil_mount_setattr_rdonly(target, 1))
        }
    }

    /// The new root becomes read-only and the only root: the host's is detached.
    static func switchRoot() throws {
        try check(.mount, "read-only root", veil_mount_setattr_rdonly(newRoot, 0))
        try check(.mount, "detach host root", umount2(oldRoot, Int32(MNT_DETACH)))
        try check(.pivotRoot, "chdir new root", chdir(newRoot))
        try check(.pivotRoot, "pivot into new root", veil_pivot_root(".", "."))
        try check(.pivotRoot, "detach staging", umount2(".", Int32(MNT_DETACH)))
        try check(.pivotRoot, "chdir /", chdir("/"))
    }

    static func makeDirs(_ path: String, mode: UInt32) throws {
        var known = Set<String>()
        try makeDirs(path, mode: mode, known: &known)
    }

    /// `known`: directories made or found so far. Most ops share a parent (/etc, /dev, the
    /// home), and asking the kernel again costs a failed mkdir and a path walk each time.
    static func makeDirs(_ path: String, mode: UInt32, known: inout Set<String>) throws {
        if known.contains(path) { return }
        if mkdir(path, mode_t(mode)) == 0 || errno == EEXIST { known.insert(path); return }
        if errno == ENOENT {
            try makeDirs(dirname(path), mode: 0o755, known: &known)
            if mkdir(path, mode_t(mode)) == 0 || errno == EEXIST { known.insert(path); return }
        }
        throw SandboxError(.mount, errno: errno, "mkdir \(path)")
    }

    static func writeFile(_ path: String, _ contents: String, mode: UInt32) throws {
        try writeBytes(path, Array(contents.utf8), mode: mode)
    }

    static func writeBytes(_ path: String, _ bytes: [UInt8], mode: UInt32) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        try check(.mount, "create \(path)", fd)
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw SandboxError(.mount, errno: errno, "write \(path)") }
    }

    /// A host file's contents into the new root, copied in the kernel (no buffer of ours).
    static func copy(_ from: Int32, to path: String, what: String) throws {
        var st = stat()
        try check(.mount, "stat \(what)", fstat(from, &st))
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
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
