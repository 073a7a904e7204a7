import VeilProfile

/// One step of building the new root (bubblewrap's SetupOp idea).
public enum MountOp: Sendable, Equatable {
    /// An empty directory (parents created as needed).
    case dir(String, mode: UInt32 = 0o755)
    /// A fresh tmpfs.
    case tmpfs(String, mode: UInt32 = 0o755)
    /// A directory of the run's one scratch tmpfs, bound at this path: /tmp, /var/tmp, /dev/shm
    /// and /run share one bound on what the agent can keep in memory as files (Mounts.stageScratch).
    case scratch(String, mode: UInt32)
    /// A host path bound at a sandbox path. `optional` binds are skipped when the source is missing.
    case bind(source: String, target: String, readOnly: Bool, optional: Bool = false)
    /// A small host file copied into the new root (a mount costs more than a copy).
    case copy(source: String, target: String, optional: Bool)
    /// A host device node bound onto a file.
    case device(String)
    /// A symbolic link created in the new root.
    case symlink(String, to: String)
    /// A generated file.
    case file(String, contents: String, mode: UInt32 = 0o644)
    /// A new procfs for the sandbox's PID namespace.
    case proc(String)
    /// A private devpts instance.
    case devpts(String)
    /// Hides a host file under /proc (e.g. boot_id) behind a generated one.
    case mask(String, contents: String)
    /// Makes an existing path read-only where it stands (skipped where the kernel has none).
    /// A mount's root is remounted alone; any other path is first bound onto itself, without
    /// what is mounted below it, so plan it before such mounts.
    case readOnly(String)
    /// Covers an existing path with an empty read-only file or directory (skipped where the
    /// kernel has none).
    case hide(String)
    /// A setting of the sandbox's own namespaces written into its /proc/sys before that goes
    /// read-only (kernel.pid_max, per PID namespace since Linux 6.14; planned only there).
    case sysctl(String, value: String)
    /// Fails the launch unless the directory at this sandbox path is the host directory veil
    /// checked (a bind source swapped between the check and the bind is refused).
    case verify(String, device: UInt64, inode: UInt64)
    /// The git repositories of the workdir at this sandbox path (its own, its subdirectories')
    /// keep their control files read-only and their `.git` in place (GitControl).
    case gitControl(String)

    /// The directory a `.dir` op makes (RootFiles.mountPoints makes nothing else).
    var mountPointPath: String? {
        if case .dir(let path, _) = self { return path }
        return nil
    }

    /// The sandbox path a mount lands on (nil for ops that only create files).
    var mountTarget: String? {
        switch self {
        case .tmpfs(let path, _), .scratch(let path, _), .device(let path), .proc(let path), .devpts(let path), .mask(let path, _),
             .readOnly(let path), .hide(let path): return path
        case .gitControl(let workdir): return workdir + "/.git"
        case .bind(_, let target, _, _): return target
        case .dir, .copy, .symlink, .file, .verify, .sysctl: return nil
        }
    }
}
