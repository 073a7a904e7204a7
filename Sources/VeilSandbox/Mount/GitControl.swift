import CVeilShim
import Glibc
import VeilProfile

/// The workdir's git repository outlives the run, and git on the host runs commands its
/// repository names: hooks (`.git/hooks`), `core.fsmonitor`, `core.hooksPath`, filter and diff
/// drivers, `core.sshCommand` in its configuration, and a configuration elsewhere when
/// `.git/commondir` points there. An agent that wrote any of them would run code as the user,
/// outside the sandbox, the next time the user typed `git status`. So inside, the files of an
/// existing repository that git takes commands from are read-only, and `.git` (and a
/// subdirectory holding one) is a mount point the agent cannot rename, remove or replace;
/// objects, refs, the index and HEAD stay writable, so committing works. What cannot be made
/// read-only because it is not there yet (a `commondir`, a `config.worktree`) is looked for
/// after the run (GitControlWatch).
enum GitControl {
    /// What git reads commands from, below a repository's `.git` directory, and `info`, whose
    /// `exclude` would hide the agent's new files from `git status`.
    static let readOnly = ["config", "config.worktree", "hooks", "modules", "worktrees", "commondir", "info"]

    /// Repositories in the workdir's subdirectories guarded at most. Each takes up to nine
    /// mounts, and a mount namespace holds 100,000 (`fs.mount-max`): an agent that made 11,000
    /// repositories in the workdir made every later launch there fail deep in its setup
    /// (ENOSPC) after seconds of mounting. Past this the launch stops at once, saying why.
    static let mostRepositories = 1000

    /// Applied in the sandbox before any mount lands below the workdir (sandbox path `workdir`,
    /// under the staging root): its own repository and those of its immediate subdirectories (a
    /// folder of projects). Each name is opened from its parent's descriptor without following
    /// a symlink, and bound onto itself through that descriptor: a symlink the agent left in an
    /// earlier run is skipped, never followed.
    static func protect(workdir: String) throws {
        let root = open(workdir, VEIL_O_PATH | O_DIRECTORY | O_CLOEXEC)
        try check(.mount, "open the workdir \(workdir)", root)
        defer { close(root) }
        // Counted before any is guarded: past the bound nothing is mounted.
        let names = HostFiles.list(workdir).filter { name in
            guard name != ".git" else { return false }
            let dir = openat(root, name, VEIL_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard dir >= 0 else { return false }  // a file, gone, or a symlink (not followed)
            defer { close(dir) }
            // Not readable here counts too: guarding it then fails the launch, as it did
            // before the count (the agent, the same user, could chmod it and write its hooks).
            return faccessat(dir, ".git", F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT
        }
        guard names.count <= mostRepositories else {
            throw SandboxError(.mount, "the workdir's subdirectories hold \(names.count) git repositories, more than the "
                               + "\(mostRepositories) veil guards (each with mounts of its own); run veil in one of them, "
                               + "or remove those you did not make")
        }
        try protectRepository(below: root, "")
        for name in names {
            let dir = openat(root, name, VEIL_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard dir >= 0 else { continue }  // gone since, or a symlink now (not followed)
            defer { close(dir) }
            guard let (git, _) = try entry(dir, ".git", name + "/") else { continue }
            close(git)
            // The project's directory stays where it is too: renamed, it would leave a
            // directory of the agent's making, with a repository of its own, at its name.
            try check(.mount, "pin \(name)", veil_bind_onto_itself(dir, 0))
            let pinned = openat(root, name, VEIL_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            try check(.mount, "open the pinned \(name)", pinned)
            defer { close(pinned) }
            try protectRepository(below: pinned, name + "/")
        }
    }

    /// The repository whose `.git` is in `dir` (`prefix`: its path in the workdir, for errors).
    /// A `.git` file (a linked worktree or a submodule: it names the repository's directory) is
    /// made read-only itself.
    private static func protectRepository(below dir: Int32, _ prefix: String) throws {
        guard let (git, kind) = try entry(dir, ".git", prefix) else { return }
        defer { close(git) }
        if kind == S_IFREG {
            try check(.mount, "read-only \(prefix).git file", veil_bind_onto_itself(git, 1))
            return
        }
        guard kind == S_IFDIR else { return }
        try check(.mount, "pin \(prefix).git", veil_bind_onto_itself(git, 0))
        // The names are looked up in the mount just put on top, not in the one it covers.
        let pinned = openat(dir, ".git", VEIL_O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC)
        try check(.mount, "open the pinned \(prefix).git", pinned)
        defer { close(pinned) }
        for name in readOnly {
            guard let (fd, kind) = try entry(pinned, name, prefix + ".git/") else { continue }
            defer { close(fd) }
            guard kind == S_IFREG || kind == S_IFDIR else { continue }
            try check(.mount, "read-only \(prefix).git/\(name)", veil_bind_onto_itself(fd, 1))
        }
    }

    /// `name` below `dir` as an O_PATH descriptor and its file type, nil when absent; a
    /// symlink is returned as itself (O_NOFOLLOW), never followed.
    private static func entry(_ dir: Int32, _ name: String, _ prefix: String) throws -> (Int32, mode_t)? {
        let fd = openat(dir, name, VEIL_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return nil }
        try check(.mount, "open \(prefix)\(name) in the workdir", fd)
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw SandboxError(.mount, errno: errno, "stat \(prefix)\(name) in the workdir")
        }
        return (fd, st.st_mode & S_IFMT)
    }
}
