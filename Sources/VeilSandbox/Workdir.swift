import Glibc
import VeilProfile

/// The neutral path of the user's workdir inside the sandbox: `/home/user/<basename>` when the
/// basename is plain and says nothing of the host, else `project-<hash>`. A registry keeps
/// distinct host directories on distinct names, so agents' per-project state never collides.
public enum WorkdirNaming {
    public static func isPlain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64, name.first != "." else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2D || c == 0x2E || c == 0x5F
        }
    }

    /// FNV-1a, 32 bits shown: stable across runs and machines.
    public static func shortHash(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(8).description
    }

    /// Picks the name for `hostPath`. `taken` maps names already used to their host paths;
    /// `avoid` lists host facts (user name, host name) that must not appear in the name.
    public static func name(for hostPath: String, taken: [String: String], avoid: [String]) -> String {
        if let existing = taken.first(where: { $0.value == hostPath }) { return existing.key }
        let base = basename(hostPath)
        let lower = base.lowercased()
        let leaks = avoid.contains { $0.count >= 3 && lower.contains($0.lowercased()) }
        var candidate = isPlain(base) && !leaks && base != "user" ? base : "project-" + shortHash(hostPath)
        var n = 2
        let stem = candidate
        while taken[candidate] != nil {
            candidate = "\(stem)-\(n)"
            n += 1
        }
        return candidate
    }
}

/// The registry file `<state>/workdirs.tsv` (name TAB host path), updated under flock.
public enum WorkdirRegistry {
    public static func neutralName(for hostPath: String, stateRoot: String, avoid: [String]) throws -> String {
        let file = stateRoot + "/workdirs.tsv"
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SandboxError(.state, errno: errno, file) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        var taken: [String: String] = [:]
        let text = String(decoding: HostFiles.read(fd: fd) ?? [], as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { taken[String(parts[0])] = String(parts[1]) }
        }
        let name = WorkdirNaming.name(for: hostPath, taken: taken, avoid: avoid)
        if taken[name] == nil {
            let line = Array("\(name)\t\(hostPath)\n".utf8)
            lseek(fd, 0, SEEK_END)
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        return name
    }
}

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
