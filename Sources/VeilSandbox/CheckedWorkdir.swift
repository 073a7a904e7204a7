import Glibc
import VeilProfile

/// The directory the agent gets read-write, resolved once and checked before it is bound.
public struct CheckedWorkdir: Sendable, Equatable {
    /// The resolved path (no symlink, no `..`), which the sandbox binds.
    public var path: String
    /// What the sandbox verifies after binding, so that a path swapped meanwhile is refused.
    public var device: UInt64
    public var inode: UInt64

    /// Opens `path` once and takes its real path from the descriptor: what is checked is the
    /// directory that was opened, not a second walk of the same string.
    public static func resolve(_ path: String, refusing policy: WorkdirPolicy) throws -> CheckedWorkdir {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError(.chdir, errno: errno, "workdir \(path) is not a directory veil can open") }
        defer { close(fd) }
        var st = stat()
        try check(.chdir, "stat workdir \(path)", fstat(fd, &st))
        guard let real = CommandResolver.realpath("/proc/self/fd/\(fd)") else {
            throw SandboxError(.chdir, errno: errno, "resolve workdir \(path)")
        }
        if let reason = policy.refusal(real) { throw SandboxError(.chdir, reason) }
        return CheckedWorkdir(path: real, device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }
}

/// Which directories may not become the agent's read-write workdir: the root, system
/// directories (as root the agent would write the host's /etc), veil's own state (other
/// profiles' homes, the workdir registry) and the home or anything above it (every dotfile
/// and key of the user). Pure, so its table is tested without a host.
public struct WorkdirPolicy: Sendable {
    /// Refused, and everything below them.
    public static let systemTrees = ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
                                     "/dev", "/proc", "/sys", "/run", "/var/lib", "/var/log", "/var/cache",
                                     "/var/spool", "/var/mail", "/var/backups", "/snap"]
    /// Refused themselves (their subdirectories are ordinary places for projects).
    public static let sharedRoots = ["/", "/home", "/var", "/opt", "/srv", "/mnt", "/media", "/tmp", "/var/tmp"]

    public var homes: [String]
    public var stateRoot: String
    /// `--allow-home-workdir`: the home itself (never what is above it).
    public var allowHome = false

    public init(homes: [String], stateRoot: String, allowHome: Bool = false) {
        self.homes = homes.filter { $0.hasPrefix("/") && $0 != "/" }.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.stateRoot = stateRoot
        self.allowHome = allowHome
    }

    /// Why `path` (resolved) is refused, or nil.
    public func refusal(_ path: String) -> String? {
        func within(_ tree: String) -> Bool { path == tree || path.hasPrefix(tree + "/") }
        if Self.sharedRoots.contains(path) || Self.systemTrees.contains(where: within) {
            return "workdir \(path) is a system directory; run veil in a project directory (or pass --workdir DIR)"
        }
        if homes.contains(where: { $0.hasPrefix(path + "/") }) {
            return "workdir \(path) contains your home directory; choose a project directory"
        }
        if homes.contains(path) {
            // The flag gives the agent the whole home, veil's state in it included.
            if allowHome { return nil }
            return "workdir \(path) is your home directory: every dotfile and key in it would be writable by the agent; choose a project directory, or pass --allow-home-workdir"
        }
        if within(stateRoot) || stateRoot.hasPrefix(path + "/") {
            return "workdir \(path) holds veil's own state (\(stateRoot)); choose a project directory"
        }
        return nil
    }
}
