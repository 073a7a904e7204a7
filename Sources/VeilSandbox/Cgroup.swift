import Glibc
import VeilProfile

/// A cgroup of the sandbox's own, where the host delegates a cgroup v2 subtree to veil, so
/// that `memory_mb` (and `pids`) bound the whole sandbox; rlimits bound each process, and the
/// PID namespace's pid_max the number of processes. veil puts PID 1 in it before the agent
/// exists; everything the agent starts stays in it.
///
/// Where: beside veil's own cgroup when its parent is writable and hands down the pids and
/// memory controllers (a delegated systemd scope, a CI container). cgroup v1 hierarchies are
/// not used: moving PID 1 into a v1 cgroup waited for an RCU grace period, 10 ms and more per
/// launch here, while pid_max bounds the processes as well.
/// Best effort: no cgroup, no error (ResourceLimits still applies); `veil doctor` says which.
public final class Cgroup {
    /// Every directory made, removed after the run.
    let directories: [String]

    init(directories: [String]) {
        self.directories = directories
    }

    /// The delegated cgroup v2 directory a sandbox's cgroup would go in, or nil.
    public static func placement(cgroupFile: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> String? {
        guard HostFiles.exists(root + "/cgroup.controllers") else { return nil }
        let text = HostFiles.read(cgroupFile).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let own = String(line.dropFirst(3))
        let parent = own == "/" || dirname(own) == "/" ? root : root + dirname(own)
        let enabled = (HostFiles.read(parent + "/cgroup.subtree_control").map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(whereSeparator: { $0 == " " || $0 == "\n" })
        return enabled.contains("pids") && enabled.contains("memory") && access(parent, W_OK) == 0 ? parent : nil
    }

    /// Makes the cgroup and sets the limits; nil where the host does not delegate one, no
    /// limit asks for it, or a step fails (then nothing is left behind). PID 1 goes in with
    /// `admit`.
    public static func create(limits: Profile.Limits) -> Cgroup? {
        guard limits.pids > 0 || limits.memoryMB > 0, let parent = placement() else { return nil }
        sweep(parent)
        let dir = parent + "/veil-" + randomHex(bytes: 4)
        guard mkdir(dir, 0o755) == 0 else { return nil }
        let group = Cgroup(directories: [dir])
        let memory = limits.memoryMB > 0 ? "\(UInt64(limits.memoryMB) << 20)" : "max"
        for (file, value) in [("pids.max", limits.pids > 0 ? "\(limits.pids)" : "max"), ("memory.max", memory),
                              ("memory.swap.max", limits.memoryMB > 0 ? "0" : "max")] {
            // No swap accounting: no memory.swap.max, and nothing to bound there.
            if !group.write(dir + "/" + file, value) && file != "memory.swap.max" {
                rmdir(dir)
                return nil
            }
        }
        return group
    }

    /// Moves `pid` into the cgroup, in a forked child: a move waits for an RCU grace period in
    /// the kernel (10 ms and more on this project's VM), which then overlaps veil's own work.
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
        return (counter("pids.events", "max"), counter("memory.events", "oom_kill"))
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
}
