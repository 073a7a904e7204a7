import Glibc
import VeilProfile

/// A cgroup of the sandbox's own, where the host lets veil make one, so that `pids` and
/// `memory_mb` bound the whole sandbox (rlimits bound each process, and the kernel exempts
/// host root from RLIMIT_NPROC). veil puts PID 1 in it before the agent exists; everything
/// the agent starts stays in it.
///
/// Where: cgroup v2 beside veil's own cgroup when its parent is writable and hands down the
/// pids and memory controllers (a delegated systemd scope, a CI container); else the cgroup
/// v1 pids hierarchy where it is mounted and writable (root on a v1 host: pids only).
/// Best effort: no cgroup, no error (ResourceLimits still applies); `veil doctor` says which.
public final class Cgroup {
    /// Every directory made, removed after the run.
    let directories: [String]
    let version: Int

    init(directories: [String], version: Int) {
        self.directories = directories
        self.version = version
    }

    /// Where this host would put a sandbox's cgroup, and how: nil when it cannot.
    public static func placement(cgroupFile: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> (version: Int, parents: [String])? {
        let lines = (HostFiles.read(cgroupFile).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n")
        func path(of controller: String) -> String? {
            for line in lines {
                let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard f.count == 3 else { continue }
                if f[1].split(separator: ",").contains(Substring(controller)) || (controller.isEmpty && f[0] == "0" && f[1].isEmpty) {
                    return String(f[2])
                }
            }
            return nil
        }
        if HostFiles.exists(root + "/cgroup.controllers"), let own = path(of: "") {
            let parent = root + (own == "/" ? "" : dirnameOf(own))
            let enabled = (HostFiles.read(parent + "/cgroup.subtree_control").map { String(decoding: $0, as: UTF8.self) } ?? "")
                .split(whereSeparator: { $0 == " " || $0 == "\n" })
            if enabled.contains("pids"), enabled.contains("memory"), access(parent, W_OK) == 0 { return (2, [parent]) }
            return nil
        }
        // v1: the pids hierarchy only. A v1 memory cgroup costs ~10 ms per launch to make, fill
        // and remove (measured), and RLIMIT_DATA bounds each process's memory already.
        let v1 = ["pids"].compactMap { c -> String? in
            guard let own = path(of: c), HostFiles.exists(root + "/" + c + "/cgroup.procs") else { return nil }
            let dir = root + "/" + c + (own == "/" ? "" : own)
            return access(dir, W_OK) == 0 ? dir : nil
        }
        return v1.count == 1 ? (1, v1) : nil
    }

    /// Makes the cgroup and sets the limits; nil where the host does not allow it or a step
    /// fails (then nothing is left behind). PID 1 goes in with `admit`.
    public static func create(limits: Profile.Limits) -> Cgroup? {
        guard let place = placement(), limits.pids > 0 || (limits.memoryMB > 0 && place.version == 2) else { return nil }
        place.parents.forEach(sweep)
        let name = "veil-" + randomHex(bytes: 4)
        var made: [String] = []
        let group = Cgroup(directories: [], version: place.version)
        func fail() -> Cgroup? { Cgroup(directories: made, version: place.version).remove(); return nil }
        for parent in place.parents {
            let dir = parent + "/" + name
            guard mkdir(dir, 0o755) == 0 else { return fail() }
            made.append(dir)
        }
        let memory = UInt64(limits.memoryMB) << 20
        let settings: [(String, String)] = place.version == 2
            ? [("pids.max", limits.pids > 0 ? "\(limits.pids)" : "max"), ("memory.max", limits.memoryMB > 0 ? "\(memory)" : "max"),
               ("memory.swap.max", limits.memoryMB > 0 ? "0" : "max")]
            : [("pids.max", limits.pids > 0 ? "\(limits.pids)" : "max")]
        for (file, value) in settings {
            guard let dir = made.first(where: { HostFiles.exists($0 + "/" + file) }), group.write(dir + "/" + file, value) else {
                if file == "memory.swap.max" { continue }  // no swap accounting: nothing to bound
                return fail()
            }
        }
        return Cgroup(directories: made, version: place.version)
    }

    /// Moves `pid` into the cgroup, in a forked child: each move waits for an RCU grace period
    /// in the kernel (about a millisecond per hierarchy), which then overlaps veil's own work.
    /// `wait` says whether it worked; the sandbox starts the agent only after that.
    public func admit(_ pid: pid_t) -> Admission {
        let paths = directories.map { Array(($0 + "/cgroup.procs").utf8CString) }
        let value = Array("\(pid)".utf8)
        let child = fork()
        if child == 0 {
            // Only syscalls in the child.
            for path in paths {
                let ok = path.withUnsafeBufferPointer { p -> Bool in
                    let fd = open(p.baseAddress!, O_WRONLY | O_CLOEXEC)
                    guard fd >= 0 else { return false }
                    let n = value.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                    close(fd)
                    return n == value.count
                }
                if !ok { _exit(1) }
            }
            _exit(0)
        }
        return Admission(child: child)
    }

    public struct Admission {
        let child: pid_t
        public func wait() -> Bool {
            guard child > 0 else { return false }
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 { if errno != EINTR { return false } }
            return status == 0
        }
    }

    /// Removes the cgroups of runs whose veil was killed outright (SIGKILL leaves no one to
    /// remove them): empty ones a second old or more. A live run's cgroup has its PID 1 in it
    /// within a millisecond of being made, and rmdir refuses a cgroup that has processes.
    static func sweep(_ parent: String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        for name in HostFiles.list(parent) where name.hasPrefix("veil-") {
            let dir = parent + "/" + name
            var st = stat()
            guard stat(dir, &st) == 0, now.tv_sec - st.st_mtim.tv_sec >= 1,
                  HostFiles.read(dir + "/cgroup.procs")?.isEmpty == true else { continue }
            rmdir(dir)
        }
    }

    /// How often the sandbox hit its limits: fork refused at pids.max, processes killed at
    /// the memory limit.
    public func hits() -> (pids: Int, oomKills: Int) {
        func counter(_ file: String, _ key: String) -> Int {
            for dir in directories {
                guard let text = HostFiles.read(dir + "/" + file).map({ String(decoding: $0, as: UTF8.self) }) else { continue }
                for line in text.split(separator: "\n") {
                    let f = line.split(separator: " ")
                    if f.count == 2, f[0] == key { return Int(f[1]) ?? 0 }
                }
            }
            return 0
        }
        return (counter("pids.events", "max"), counter(version == 2 ? "memory.events" : "memory.oom_control", "oom_kill"))
    }

    /// Removes the directories once the last process has left. PID 1 reports the agent's
    /// status before the kernel has torn the namespaces down (a few ms), and veil does not
    /// wait for that: a forked child does, bounded, then removes what is still there.
    public func remove() {
        // C strings made before the fork: the child only makes syscalls.
        let busy = directories.reversed().filter { rmdir($0) != 0 && errno == EBUSY }.map { Array($0.utf8CString) }
        guard !busy.isEmpty, fork() == 0 else { return }
        // Out of the way of whatever runs next: lowest priority, and a first try only once
        // the teardown has usually finished.
        _ = nice(19)
        usleep(10_000)
        for dir in busy {
            dir.withUnsafeBufferPointer { path in
                var tries = 0
                while rmdir(path.baseAddress!) != 0 && errno == EBUSY && tries < 400 {
                    usleep(5_000)
                    tries += 1
                }
            }
        }
        _exit(0)
    }

    private func write(_ path: String, _ value: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    private static func dirnameOf(_ p: String) -> String {
        guard let i = p.lastIndex(of: "/") else { return "" }
        return String(p[..<i])
    }
}
