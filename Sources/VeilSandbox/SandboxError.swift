import Glibc

/// A failure while setting up the sandbox. Every case names the stage, so the user reads
/// "veil: cannot create a user namespace (EPERM): …" and not a number.
public struct SandboxError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Stage: String, Sendable, Codable {
        case resolve = "resolve command"
        case plan = "plan"
        case state = "state directory"
        case clone = "create namespaces"
        case userMap = "map user and group ids"
        case mount = "mount"
        case pivotRoot = "pivot_root"
        case hostname = "set host name"
        case network = "loopback network"
        case inspector = "inspector socket"
        case inspectorProcess = "start the inspector"
        case capabilities = "drop capabilities"
        case limits = "resource limits"
        case processGroup = "process group"
        case noNewPrivs = "no_new_privs"
        case seccomp = "seccomp filter"
        case chdir = "enter workdir"
        case exec = "exec"
        case wait = "wait"
        case threads = "single-threaded fork"
    }

    public var stage: Stage
    public var errno: Int32
    public var detail: String

    public init(_ stage: Stage, errno: Int32 = 0, _ detail: String = "") {
        self.stage = stage
        self.errno = errno
        self.detail = detail
    }

    /// The exit status veil uses for this error (docker/env convention).
    public var exitStatus: Int32 {
        guard stage == .exec || stage == .resolve else { return 125 }
        return errno == ENOENT ? 127 : (errno == EACCES || errno == ENOEXEC ? 126 : 125)
    }

    public var description: String {
        var s = "veil: \(stage.rawValue) failed"
        if errno != 0 { s += " (\(Self.errnoName(errno)): \(String(cString: strerror(errno))))" }
        if !detail.isEmpty { s += ": \(detail)" }
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }

    /// What to do about it, where we know.
    public var hint: String? {
        switch (stage, errno) {
        case (.clone, ENOSPC):
            return "no user namespace can be created here: user.max_user_namespaces is 0 or used up "
                + "(some CI runners and sandboxes set it so). Raise it with "
                + "`sudo sysctl user.max_user_namespaces=15000`, or run veil where nesting is allowed. "
                + "Run `veil doctor` for details."
        case (.clone, EPERM), (.userMap, EPERM):
            return "this kernel or runner restricts unprivileged user namespaces. On Ubuntu 23.10+ "
                + "(AppArmor): `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an "
                + "AppArmor profile for veil; on Debian <11: `sysctl kernel.unprivileged_userns_clone=1`; "
                + "in Docker: run with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined`. "
                + "Run `veil doctor` for details."
        case (.mount, EPERM):
            return "the kernel refused a mount inside the user namespace (a locked mount or a /proc "
                + "with masked paths, as in some containers). Run `veil doctor`."
        case (.seccomp, _):
            return "the kernel needs CONFIG_SECCOMP_FILTER; run `veil doctor`."
        case (.inspectorProcess, ENOENT):
            return "veil runs its inspector from `veil-core`, installed next to `veil`; install both."
        case (.exec, ENOENT), (.resolve, ENOENT):
            return "the command was not found on PATH, or its interpreter is not visible in the sandbox."
        default:
            return nil
        }
    }

    static func errnoName(_ e: Int32) -> String {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EACCES: "EACCES", EINVAL: "EINVAL", ENOSPC: "ENOSPC",
            EEXIST: "EEXIST", ENOTDIR: "ENOTDIR", EBUSY: "EBUSY", ENOSYS: "ENOSYS", EADDRINUSE: "EADDRINUSE",
            ENOEXEC: "ENOEXEC", EFAULT: "EFAULT", EROFS: "EROFS", ENOMEM: "ENOMEM", EAGAIN: "EAGAIN",
        ]
        return names[e] ?? "errno \(e)"
    }
}

/// Runs a syscall-style call (-1 and errno on failure) and throws a staged error.
@discardableResult
func check(_ stage: SandboxError.Stage, _ detail: @autoclosure () -> String = "",
           _ rc: Int32) throws -> Int32 {
    if rc < 0 { throw SandboxError(stage, errno: errno, detail()) }
    return rc
}
