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
        for d in ["newroot", "oldroot", "masks", "scratch"] { try check(.mount, "mkdir \(d)", mkdir(d, 0o755)) }
        try check(.pivotRoot, "pivot into staging", veil_pivot_root(".", "oldroot"))
        try check(.pivotRoot, "chdir /", chdir("/"))
        try check(.mount, "new root tmpfs", mount("tmpfs", newRoot, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0755"))
    }

    /// With umask 0 every mode is the plan's as given, without a chmod after each create.
    /// `madeByVeil`: directories veil made on the new root meanwhile (RootFiles.mountPoints).
    static func apply(_ ops: [MountOp], madeByVeil: [String]) throws {
        let saved = umask(0)
        defer { umask(saved) }
        var tree = Tree(dir: AT_FDCWD, base: newRoot, hostRoot: oldRoot)
        tree.known = Set(madeByVeil)
        for op in ops {
            try apply(op, tree: &tree)
            // A mount hides what was made below its target before it.
            if let target = op.mountTarget {
                tree.mounted(on: target)
                tree.mountRoots.insert(target)
            }
        }
    }

    private static func apply(_ op: MountOp, tree: inout Tree) throws {
        switch op {
        case .dir(let path, let mode):
            try tree.makeDirs(path, mode: mode)
        case .tmpfs(let path, let mode):
            try tree.makeDirs(path, mode: 0o755)
            let options = "mode=0" + String(mode, radix: 8)
            try check(.mount, "tmpfs on \(path)", mount("tmpfs", newRoot + path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options))
        case .scratch(let path, _):
            try tree.makeDirs(path, mode: 0o755)
            // Takes the scratch mount's nosuid and nodev with it.
            try check(.mount, "scratch on \(path)", mount(stagedScratch(path), newRoot + path, nil, UInt(MS_BIND), nil))
        case .bind(let source, let target, let readOnly, let optional):
            try bind(oldRoot + source, target, readOnly: readOnly, optional: optional, what: source, tree: &tree)
        case .device(let path):
            try bind(oldRoot + path, path, readOnly: false, optional: false, what: path, tree: &tree)
        case .copy, .symlink, .file:
            try tree.create(op)
        case .proc(let path):
            try tree.makeDirs(path, mode: 0o555)
            try check(.mount, "proc on \(path)", mount("proc", newRoot + path, "proc", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), nil))
        case .devpts(let path):
            try tree.makeDirs(path, mode: 0o755)
            // The sandbox's ptys come from the host's pool (kernel.pty.max, 4096, less the
            // host's own reserve): without a max one agent could take every pty of every other
            // sandbox and container on the host.
            try check(.mount, "devpts on \(path)", mount("devpts", newRoot + path, "devpts", UInt(MS_NOSUID | MS_NOEXEC),
                                                        "newinstance,ptmxmode=0666,mode=620,max=\(maxTerminals)"))
        case .mask(let path, _):
            try cover(newRoot + path, with: stagedMask(path), what: "mask \(path)")
        case .readOnly(let path) where path.hasPrefix("/proc/"):
            // From the read-only procfs in staging: the bind is read-only as it is made.
            try cover(newRoot + path, with: readOnlyProc + path.dropFirst(5), what: "read-only \(path)")
        case .readOnly(let path):
            let target = newRoot + path
            guard access(target, F_OK) == 0 else { return }
            // Not recursive: what is mounted below keeps its own flags (/dev/null stays writable).
            if !tree.mountRoots.contains(path) {
                try check(.mount, "bind \(path) onto itself", mount(target, target, nil, UInt(MS_BIND), nil))
            }
            try check(.mount, "read-only \(path)", veil_mount_setattr_rdonly(target, 0))
        case .verify(let path, let device, let inode):
            var st = stat()
            try check(.mount, "stat \(path)", stat(newRoot + path, &st))
            guard UInt64(st.st_dev) == device, UInt64(st.st_ino) == inode else {
                throw SandboxError(.mount, errno: EXDEV, "\(path) is not the directory veil checked (was it replaced meanwhile?)")
            }
        case .sysctl(let path, let value):
            let fd = open(newRoot + path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            _ = value.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        case .gitControl(let workdir):
            try GitControl.protect(workdir: newRoot + workdir)
        case .hide(let path):
            // Asked first: a bind of the wrong kind fails only after the kernel has copied the
            // source mount, and undoing that waits for an RCU grace period (milliseconds on a
            // busy machine).
            var st = stat()
            guard lstat(newRoot + path, &st) == 0 else { return }
            let empty = (st.st_mode & S_IFMT) == S_IFDIR ? emptyDirMask : emptyMask
            try cover(newRoot + path, with: empty, what: "hide \(path)")
        }
    }

    /// Binds a staged read-only source over `target`, a /proc entry, which takes the source
    /// mount's read-only, nosuid, nodev and noexec flags. An entry this kernel does not have
    /// needs no cover: the mount is tried first and only its ENOENT (the target's lookup, made
    /// before anything is copied) is checked, so a present entry costs one path walk, not two.
    private static func cover(_ target: String, with source: String, what: @autoclosure () -> String) throws {
        if mount(source, target, nil, UInt(MS_BIND), nil) == 0 { return }
        let e = errno
        if e == ENOENT && access(target, F_OK) != 0 && errno == ENOENT { return }
        throw SandboxError(.mount, errno: e, what())
    }

    /// Terminals the sandbox may hold open at once.
    static let maxTerminals = 256

    static let masks = "/masks"
    static let emptyMask = masks + "/.empty"
    static let emptyDirMask = masks + "/.emptydir"
    static let readOnlyProc = masks + "/proc"
    /// `/proc/version` is staged as `/masks/_proc_version`.
    static func stagedMask(_ path: String) -> String { masks + "/" + flattened(path) }
    static let scratch = "/scratch"
    /// `/var/tmp` is staged as `/scratch/_var_tmp`.
    static func stagedScratch(_ path: String) -> String { scratch + "/" + flattened(path) }
    private static func flattened(_ path: String) -> String {
        String(decoding: path.utf8.map { $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    /// The run's one scratch tmpfs, with a directory for each `.scratch` op. A tmpfs of each
    /// would let the agent keep a tmpfs's default size (half the host's memory) four times
    /// over, in pages that no rlimit counts and, without a cgroup of the run, nothing bounds.
    /// `memoryMB` bounds the bytes, and the inodes too, which the size does not count (about
    /// 1 KiB of kernel memory each): 64 a MiB.
    static func stageScratch(_ ops: [MountOp], memoryMB: Int) throws {
        let saved = umask(0)
        defer { umask(saved) }
        var options = "mode=0755"
        if memoryMB > 0 { options += ",size=\(memoryMB)m,nr_inodes=\(max(memoryMB * 64, 1024))" }
        try check(.mount, "tmpfs on \(scratch)", mount("tmpfs", scratch, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options))
        for case .scratch(let path, let mode) in ops {
            try check(.mount, "mkdir \(stagedScratch(path))", mkdir(stagedScratch(path), mode))
        }
    }

    /// What masks and hides bind from, made up front on a tmpfs of their own that then goes
    /// read-only, with a read-only procfs beside: a bind takes its source mount's read-only
    /// (and nosuid, nodev, noexec) flags, so each of these ~20 paths costs one mount(2)
    /// instead of two, and a hidden directory no filesystem of its own.
    static func stageMasks(_ ops: [MountOp]) throws {
        let saved = umask(0)
        defer { umask(saved) }
        try check(.mount, "tmpfs on \(masks)", mount("tmpfs", masks, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=0755"))
        let staging = Tree(dir: AT_FDCWD, base: "", hostRoot: "")
        try staging.write(emptyMask, [], mode: 0o444)
        for case .mask(let path, let contents) in ops { try staging.write(stagedMask(path), Array(contents.utf8), mode: 0o444) }
        for dir in [emptyDirMask, readOnlyProc] { try check(.mount, "mkdir \(dir)", mkdir(dir, 0o555)) }
        try check(.mount, "read-only \(masks)", veil_mount_setattr_rdonly(masks, 0))
        try check(.mount, "read-only proc on \(readOnlyProc)", mount("proc", readOnlyProc, "proc",
                                                                     UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), nil))
    }

    /// `target` is a sandbox path; `source` a staging-root path.
    private static func bind(_ source: String, _ target: String, readOnly: Bool, optional: Bool, what: String,
                             tree: inout Tree) throws {
        var st = stat()
        guard stat(source, &st) == 0 else {
            if optional { return }
            throw SandboxError(.mount, errno: errno, "bind source \(what) does not exist")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            try tree.makeDirs(target, mode: 0o755)
        } else {
            try tree.makeDirs(dirname(target), mode: 0o755)
            // An empty file to mount on; one there already will do (O_CREAT without O_EXCL,
            // read-only: it may stand on a read-only mount).
            let fd = open(newRoot + target, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
            try check(.mount, "mount point for \(what)", fd)
            close(fd)
        }
        try bindSource(source, newRoot + target, readOnly: readOnly, what: what)
    }

    private static func bindSource(_ source: String, _ target: String, readOnly: Bool, what: String) throws {
        try check(.mount, "bind \(what)", mount(source, target, nil, UInt(MS_BIND | MS_REC), nil))
        if readOnly {
            try check(.mount, "read-only \(what)", veil_mount_setattr_rdonly(target, 1))
        }
    }

    /// The new root becomes read-only and the only root. One detach takes the staging root
    /// and everything mounted in it, the host's root at /oldroot included: each umount2 waits
    /// for an RCU grace period (0.04 ms on an idle machine, past 1 ms on a busy one), so
    /// detaching the host's root first, as bubblewrap does, would wait twice.
    static func switchRoot() throws {
        try check(.mount, "read-only root", veil_mount_setattr_rdonly(newRoot, 0))
        try check(.pivotRoot, "chdir new root", chdir(newRoot))
        try check(.pivotRoot, "pivot into new root", veil_pivot_root(".", "."))
        try check(.pivotRoot, "detach staging and the host root", umount2(".", Int32(MNT_DETACH)))
        try check(.pivotRoot, "chdir /", chdir("/"))
    }
}
