import Glibc

/// The kernel as the agent sees it. A UTS namespace changes only the host name: the release
/// (`6.18.44-fc-v1272`, or a distribution's `.al8`/`.an8` build that names a cloud and a
/// country) and the build string still come from the host, and agents write them into their
/// prompts (Claude Code: `OS Version: Linux <uname -r>`). So the agent's uname(2) is answered
/// by PID 1 (a seccomp user notification) with the same major.minor, so that feature checks
/// stay true, and nothing else of the build; /proc's copies are masked to match (Planner).
public struct KernelIdentity: Sendable, Equatable {
    public var release: String
    public var version: String

    /// `6.18.44-fc-v1272` → `6.18.0`; a release that does not start with two numbers is
    /// shown as `6.1.0`, an ordinary distribution kernel.
    public static func neutral(hostRelease: String) -> KernelIdentity {
        let numbers = hostRelease.split(whereSeparator: { !$0.isNumber }).prefix(2)
        let release = numbers.count == 2 && hostRelease.first?.isNumber == true ? "\(numbers[0]).\(numbers[1]).0" : "6.1.0"
        return KernelIdentity(release: release, version: "#1 SMP PREEMPT_DYNAMIC")
    }

    /// kernel.pid_max is per PID namespace from Linux 6.14. Before, it is the host's own, which
    /// PID 1 of a root run could write: the plan sets it only where it is the sandbox's.
    public static func pidMaxIsPerNamespace(release: String) -> Bool {
        let n = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return n.count == 2 && (n[0], n[1]) >= (6, 14)
    }

    /// /proc/version as a stock build of the neutral release would print it.
    public var procVersion: String {
        "Linux version \(release) (user@localhost) (gcc (GCC) 12.2.0, GNU ld (GNU Binutils) 2.40) \(version)\n"
    }

    /// The answer PID 1 gives: the sandbox's own uname (its host name, the machine) with the
    /// neutral release and version.
    func answer() -> utsname {
        var u = utsname()
        _ = uname(&u)
        Self.set(&u.release, release)
        Self.set(&u.version, version)
        return u
    }

    private static func set<T>(_ tuple: inout T, _ value: String) {
        withUnsafeMutableBytes(of: &tuple) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, b) in value.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
    }
}
