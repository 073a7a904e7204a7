import VeilProfile

/// Everything the Linux side needs to build the sandbox, as plain data. The planner
/// (pure, unit-tested) makes it from the profile and the host; InitSequence interprets it.
public struct LaunchPlan: Sendable, Equatable {
    /// Ids inside the sandbox; each maps to the caller's real id.
    public var uid: UInt32 = 1000
    public var gid: UInt32 = 1000
    public var hostname = "localhost"
    /// Applied in order under the new root (targets are sandbox paths).
    public var mounts: [MountOp] = []
    /// Path of the program inside the sandbox, and its argv (argv[0] included).
    public var executable = ""
    public var argv: [String] = []
    public var environment: [String] = []
    public var cwd = "/"
    public var seccomp = SeccompPolicy()
    /// The profile's [limits] (ResourceLimits inside, Cgroup outside).
    public var limits = Profile.Limits()
    /// What uname(2) says inside (KernelIdentity).
    public var kernel = KernelIdentity(release: "6.1.0", version: "#1 SMP PREEMPT_DYNAMIC")
    /// The terminal the agent's process group gets (TerminalControl.current()).
    public var terminal = TerminalControl()
    /// Port on the sandbox loopback where the inspector listens, if any.
    public var inspectorPort: Int? = nil
    /// What the environment builder dropped and rewrote (for `-v`).
    public var environmentReport = EnvironmentReport()

    public init() {}

    /// What the sandbox can start on before the rest of the plan: all of it comes from the
    /// profile alone (Planner.basics).
    public struct Basics: Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        public var inspectorPort: Int?
        public var seccomp: SeccompPolicy
    }

    public var basics: Basics { Basics(uid: uid, gid: gid, inspectorPort: inspectorPort, seccomp: seccomp) }
}

/// Seccomp choices from the profile on top of the built-in policy (SeccompFilter.swift).
public struct SeccompPolicy: Sendable, Equatable {
    public var extraDeny: [String] = []
    public var allow: [String] = []
    public init(extraDeny: [String] = [], allow: [String] = []) {
        self.extraDeny = extraDeny
        self.allow = allow
    }
}
