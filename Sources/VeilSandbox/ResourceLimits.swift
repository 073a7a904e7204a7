import Glibc

/// rlimits PID 1 sets before the agent starts; the agent inherits them.
enum ResourceLimits {
    static func disableCoreDumps() throws {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        try check(.limits, "RLIMIT_CORE 0", setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none))
    }
}
