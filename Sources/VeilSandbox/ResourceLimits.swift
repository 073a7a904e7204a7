import Glibc
import VeilProfile

/// The profile's [limits] as rlimits, set by PID 1 before the agent starts (it inherits
/// them). Where veil could make a cgroup (Cgroup), pids and memory are bounded there for the
/// whole sandbox as well; these still bound each process.
enum ResourceLimits {
    static func apply(_ l: Profile.Limits) throws {
        // RLIMIT_NPROC counts the processes of the sandbox's user namespace (the kernel exempts
        // host root: the PID namespace's pid_max, set by the plan, bounds a root run).
        if l.pids > 0 { try set(__RLIMIT_NPROC, UInt64(l.pids), "pids") }
        // RLIMIT_DATA: the private writable memory of each process. Reservations runtimes
        // make without write access (V8's cage, Go's arenas) are not counted.
        if l.memoryMB > 0 { try set(RLIMIT_DATA, UInt64(l.memoryMB) << 20, "memory_mb") }
        if l.openFiles > 0 { try set(RLIMIT_NOFILE, UInt64(l.openFiles), "open_files") }
        try set(RLIMIT_CORE, UInt64(l.coreMB) << 20, "core_mb")
        // SIGXCPU at the limit (veil names it), SIGKILL a second later if the agent ignores it.
        if l.cpuSeconds > 0 { try set(RLIMIT_CPU, UInt64(l.cpuSeconds), "cpu_seconds", hardSlack: 1) }
    }

    /// Soft and hard to `value` (the agent cannot raise it), or to the current hard limit
    /// when that is lower: the host's own bound stays a bound.
    private static func set(_ resource: __rlimit_resource, _ value: UInt64, _ what: String, hardSlack: UInt64 = 0) throws {
        let id = __rlimit_resource_t(resource.rawValue)
        var current = rlimit()
        try check(.limits, "getrlimit \(what)", getrlimit(id, &current))
        let v = min(rlim_t(value), current.rlim_max)
        var next = rlimit(rlim_cur: v, rlim_max: min(v + rlim_t(hardSlack), current.rlim_max))
        try check(.limits, "setrlimit \(what) \(v)", setrlimit(id, &next))
    }
}
