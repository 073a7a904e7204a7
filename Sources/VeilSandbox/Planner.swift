import Glibc
import VeilProfile

/// Everything the planner reads, gathered by the caller. Pure data, so planning is tested
/// without root and without a kernel.
public struct PlanInputs: Sendable {
    public var profile: Profile
    public var hostEnvironment: [String: String]
    public var hostHome: String
    public var command: ResolvedCommand
    public var arguments: [String]
    public var hostWorkdir: String
    /// The workdir's identity as veil checked it (CheckedWorkdir), verified after the bind.
    public var hostWorkdirIdentity: (device: UInt64, inode: UInt64)? = nil
    public var workdirName: String
    public var profileHome: String
    public var machineID: String
    public var bootID: String
    public var layout: SystemLayout
    /// Variables the launcher sets last: base URLs, masked keys, proxy variables.
    public var environmentOverrides: [String: String] = [:]
    public var inspectorPort: Int? = nil
    /// Host names that resolve to the sandbox loopback (`veil probe` decoys).
    public var extraHosts: [String] = []
    /// A locale forced even when not installed (`veil probe` decoys).
    public var forcedLocale: String? = nil
    /// The host kernel's release (uname -r), from which the neutral identity is made.
    public var hostKernelRelease = ""
    /// The host's /proc/cpuinfo, shown with its model names made neutral (nil: left as it is).
    public var hostCPUInfo: String? = nil
    /// The run CA's certificate (PEM) when the inspector terminates TLS: the sandbox then
    /// trusts it alone, in place of the host's certificate directory.
    public var runCA: String? = nil
    /// The unit of kernel.shmall.
    public var pageSize = Int(getpagesize())
    /// The agent's uid maps to the host's root (veil runs as root): root-only kernel files
    /// under /proc are then readable to it (procRootOnly).
    public var agentIsHostRoot = false

    public init(profile: Profile, hostEnvironment: [String: String], hostHome: String,
                command: ResolvedCommand, arguments: [String], hostWorkdir: String,
                workdirName: String, profileHome: String, machineID: String, bootID: String,
                layout: SystemLayout) {
        self.profile = profile
        self.hostEnvironment = hostEnvironment
        self.hostHome = hostHome
        self.command = command
        self.arguments = arguments
        self.hostWorkdir = hostWorkdir
        self.workdirName = workdirName
        self.profileHome = profileHome
        self.machineID = machineID
        self.bootID = bootID
        self.layout = layout
    }
}

public enum Planner {
    public static let sandboxHome = "/home/user"

    /// The part of the plan that the profile alone decides, which veil hands the sandbox
    /// before it plans the rest.
    public static func basics(_ profile: Profile, inspectorPort: Int?) -> LaunchPlan.Basics {
        LaunchPlan.Basics(uid: profile.identity.uid, gid: profile.identity.gid, inspectorPort: inspectorPort,
                          seccomp: SeccompPolicy(extraDeny: profile.seccomp.deny, allow: profile.seccomp.allow))
    }

    public static func plan(_ i: PlanInputs) -> LaunchPlan {
        let id = i.profile.identity
        let home = sandboxHome
        var p = LaunchPlan()
        let basics = Self.basics(i.profile, inspectorPort: i.inspectorPort)
        (p.uid, p.gid, p.inspectorPort, p.seccomp) = (basics.uid, basics.gid, basics.inspectorPort, basics.seccomp)
        p.hostname = id.hostname
        p.kernel = KernelIdentity.neutral(hostRelease: i.hostKernelRelease)
        p.limits = i.profile.limits
        p.cwd = home + "/" + i.workdirName

        p.mounts = systemMounts(i.layout)
            + etcMounts(i, home: home)
            + i.layout.toolConfigs.map { .hide($0) }  // SystemLayout.toolConfigs
            + kernelMounts(i, kernel: p.kernel)
            + homeMounts(i, home: home)
            + agentMounts(i)
            + profileMounts(i)

        let mapped = { (hostPath: String) in mapPath(hostPath, hostHome: i.hostHome) }
        var pathDirs = [home + "/.local/bin"]
        pathDirs += i.command.extraBinDirs.map(mapped)
        let cmdDir = dirname(i.command.hostPath)
        if !CommandResolver.isSystemPath(i.command.hostPath) { pathDirs.append(mapped(cmdDir)) }
        pathDirs += ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        var seen = Set<String>()
        let path = pathDirs.filter { seen.insert($0).inserted }.joinedBytewise(":")

        // A script whose interpreter moved (it lived under the host home) is started through
        // the interpreter explicitly, as the kernel would have done.
        let program = mapped(i.command.hostPath)
        if let interp = i.command.interpreter.first, mapped(interp) != interp {
            p.executable = mapped(interp)
            p.argv = [mapped(interp)] + i.command.interpreter.dropFirst() + [program] + i.arguments
        } else {
            p.executable = program
            p.argv = [program] + i.arguments
        }

        var overrides = i.environmentOverrides
        if !i.command.libraryDirs.isEmpty { overrides["LD_LIBRARY_PATH"] = i.command.libraryDirs.map(mapped).joined(separator: ":") }
        let built = SandboxEnvironment.build(.init(
            host: i.hostEnvironment, profile: i.profile, home: home, cwd: p.cwd, path: path,
            locale: i.forcedLocale ?? i.layout.locale(preferring: id.locale), shell: i.layout.shell,
            overrides: overrides))
        p.environment = built.env
        p.environmentReport = built.report
        return p
    }

    /// Host paths under the host home appear under the neutral home; others keep their path.
    public static func mapPath(_ hostPath: String, hostHome: String) -> String {
        guard !hostHome.isEmpty, hostHome != "/" else { return hostPath }
        if hostPath == hostHome { return sandboxHome }
        if hostPath.hasPrefix(hostHome + "/") { return sandboxHome + hostPath.dropFirst(hostHome.count) }
        return hostPath
    }

    static func systemMounts(_ layout: SystemLayout) -> [MountOp] {
        SystemLayout.rootNames.compactMap { name in
            switch layout.roots[name] {
            case .directory?: return .bind(source: name, target: name, readOnly: true)
            case .symlink(let to)?: return .symlink(name, to: to)
            case nil: return nil
            }
        }
    }

    /// The sandbox's trust bundle (TrustBundle).
    public static let trustBundle = TrustBundle.path

    static func etcMounts(_ i: PlanInputs, home: String) -> [MountOp] {
        let id = i.profile.identity
        var ops: [MountOp] = [.dir("/etc")]
        ops += i.layout.etc.map { .bind(source: "/etc/" + $0, target: "/etc/" + $0, readOnly: true, optional: true) }
        // The trust store is veil's, never the host's (TrustBundle).
        ops.append(.file(TrustBundle.path, contents: TrustBundle.contents(runCA: i.runCA), mode: 0o444))
        ops += TrustBundle.hostStores.map { .hide($0) }
        ops += i.layout.etcFiles.map { .copy(source: "/etc/" + $0, target: "/etc/" + $0, optional: true) }
        ops += [
            .file("/etc/passwd", contents: IdentityFiles.passwd(id, home: home, shell: i.layout.shell)),
            .file("/etc/group", contents: IdentityFiles.group(id)),
            .file("/etc/hostname", contents: id.hostname + "\n"),
            .file("/etc/hosts", contents: IdentityFiles.hosts(id, extra: i.extraHosts)),
            .file("/etc/resolv.conf", contents: IdentityFiles.resolvConf),
            .file("/etc/nsswitch.conf", contents: IdentityFiles.nsswitch),
            .file("/etc/machine-id", contents: i.machineID + "\n", mode: 0o444),
            .file("/etc/timezone", contents: IdentityFiles.timezone(id.tz)),
            .symlink("/etc/localtime", to: IdentityFiles.localtimeTarget(id.tz)),
            .symlink("/etc/mtab", to: "../proc/self/mounts"),
        ]
        return ops
    }

    static func kernelMounts(_ i: PlanInputs, kernel: KernelIdentity) -> [MountOp] {
        var ops: [MountOp] = [.proc("/proc")]
        // At most `pids` processes and threads in the whole sandbox, root's included (the
        // kernel exempts host root from RLIMIT_NPROC); 301 is the kernel's least pid_max.
        if i.profile.limits.pids > 0, KernelIdentity.pidMaxIsPerNamespace(release: i.hostKernelRelease) {
            ops.append(.sysctl("/proc/sys/kernel/pid_max", value: "\(max(i.profile.limits.pids + 1, 301))"))
        }
        ops += ipcBounds(memoryMB: i.profile.limits.memoryMB, pageSize: i.pageSize)
        ops += procReadOnly.map { .readOnly("/proc/" + $0) } + procHidden.map { .hide("/proc/" + $0) }
        if i.agentIsHostRoot { ops += procRootOnly.map { .hide("/proc/" + $0) } }
        ops += [
            // The host's boot id is a stable machine fingerprint.
            .mask("/proc/sys/kernel/random/boot_id", contents: i.bootID + "\n"),
            // The kernel's release and build, as uname(2) answers them inside (KernelIdentity).
            .mask("/proc/version", contents: kernel.procVersion),
            .mask("/proc/sys/kernel/osrelease", contents: kernel.release + "\n"),
            .mask("/proc/sys/kernel/version", contents: kernel.version + "\n"),
            .mask("/proc/cmdline", contents: "BOOT_IMAGE=/boot/vmlinuz-\(kernel.release) root=/dev/sda1 ro quiet\n"),
        ]
        if let cpuinfo = i.hostCPUInfo { ops.append(.mask("/proc/cpuinfo", contents: neutralCPUInfo(cpuinfo))) }
        ops += [
            .tmpfs("/dev"),
        ]
        ops += ["null", "zero", "full", "random", "urandom", "tty"].map { .device("/dev/" + $0) }
        ops += [
            .devpts("/dev/pts"), .symlink("/dev/ptmx", to: "pts/ptmx"),
            .scratch("/dev/shm", mode: 0o1777),
            .symlink("/dev/fd", to: "/proc/self/fd"), .symlink("/dev/stdin", to: "/proc/self/fd/0"),
            .symlink("/dev/stdout", to: "/proc/self/fd/1"), .symlink("/dev/stderr", to: "/proc/self/fd/2"),
            // Nothing new in /dev; the devices, pts and shm below keep their own flags.
            .readOnly("/dev"),
            // /sys shows only what runtimes read to count CPUs.
            .dir("/sys"),
            .bind(source: "/sys/devices/system/cpu", target: "/sys/devices/system/cpu", readOnly: true, optional: true),
            .scratch("/tmp", mode: 0o1777), .dir("/var"), .scratch("/var/tmp", mode: 0o1777), .scratch("/run", mode: 0o755),
        ]
        return ops
    }

    /// SysV shared memory and message queues are kept by the sandbox's IPC namespace, outside
    /// every rlimit and, without a cgroup of the run, outside every bound: shared memory up to
    /// `memory_mb` in all, message queues as many as hold `memory_mb` at 16 KiB each (msgmnb).
    static func ipcBounds(memoryMB: Int, pageSize: Int) -> [MountOp] {
        guard memoryMB > 0 else { return [] }
        let bytes = memoryMB << 20
        return [.sysctl("/proc/sys/kernel/shmmax", value: "\(bytes)"),
                .sysctl("/proc/sys/kernel/shmall", value: "\(bytes / pageSize)"),
                .sysctl("/proc/sys/kernel/msgmni", value: "\(min(memoryMB * 64, 32000))")]
    }

    /// Host-global kernel settings under /proc. When veil runs as root the agent's uid is the
    /// host's uid 0, which owns these files: writable, core_pattern alone runs a program of
    /// the agent's choosing as real root on the host. Read-only as under bubblewrap and Docker,
    /// plus the other root-writable entries (mtrr, pressure triggers, drivers).
    static let procReadOnly = ["sys", "sysrq-trigger", "irq", "fs", "mtrr", "pressure", "driver"]
    /// What only the host's root may read, and the agent may when it maps to root: every
    /// physical page's flags, use count and memory cgroup (a map for Rowhammer-style attacks),
    /// the page allocator's free lists (read under the zone lock: a way to stall the host),
    /// the serial ports' character counts (keystroke timing of a serial console), and a
    /// refresh of every CPU's memory counters that each read of `stat_refresh` runs. An
    /// unprivileged veil's agent cannot read them, so they are hidden only for a root one.
    static let procRootOnly = ["kpageflags", "kpagecount", "kpagecgroup", "pagetypeinfo", "tty/driver",
                               "sys/vm/stat_refresh"]
    /// Kernel memory, other users' keys, timers and hardware lists: hidden as Docker hides them.
    static let procHidden = ["kcore", "keys", "key-users", "timer_list", "timer_stats", "sched_debug",
                             "latency_stats", "acpi", "scsi", "asound",
                             // Every device with an interrupt, network interfaces by name.
                             "interrupts",
                             // The kernel's build configuration names its build (CONFIG_LOCALVERSION).
                             "config.gz",
                             // The machine's maker, as the model name in cpuinfo would: PCI vendor
                             // and device ids and input devices (`bus`, root-writable besides),
                             // firmware devices by ACPI id (`AMZNC10C:00` in iomem), and the
                             // drivers the kernel holds (ena, hv_vmbus, nvidia).
                             "bus", "iomem", "ioports", "kallsyms", "modules", "vmallocinfo", "slabinfo",
                             "misc", "devices"]

    /// /proc/cpuinfo with the processor's marketing name (a cloud's custom part names the
    /// cloud) replaced; the flags, counts and sizes runtimes read stay.
    static func neutralCPUInfo(_ host: String) -> String {
        // On bytes, whole lines copied at a time, by offsets: the file has a block per CPU, and
        // splitting and joining Substrings cost a launch 0.1 ms (the first generic join looks
        // up conformances by name); a byte at a time, 170,000 instructions (callgrind).
        let newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")
        let model = Array("model name".utf8), neutral = Array(" Virtual CPU".utf8)
        var text = host
        let out = text.withUTF8 { all -> [UInt8] in
            var out: [UInt8] = []
            out.reserveCapacity(all.count + 1)
            guard let base = all.baseAddress else { return [newline] }
            var start = 0
            repeat {
                let found = memchr(base + start, Int32(newline), all.count - start)
                let end = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? all.count
                let line = UnsafeBufferPointer(start: base + start, count: end - start)
                if line.count >= model.count, memcmp(line.baseAddress!, model, model.count) == 0,
                   let at = memchr(line.baseAddress!, Int32(colon), line.count) {
                    out.append(contentsOf: UnsafeBufferPointer(start: line.baseAddress!, count: UnsafeRawPointer(at) - UnsafeRawPointer(line.baseAddress!) + 1))
                    out.append(contentsOf: neutral)
                } else {
                    out.append(contentsOf: line)
                }
                out.append(newline)
                start = end + 1
            } while start < all.count
            return out
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func homeMounts(_ i: PlanInputs, home: String) -> [MountOp] {
        let workdir = home + "/" + i.workdirName
        var ops: [MountOp] = [
            .dir("/home"),
            .bind(source: i.profileHome, target: home, readOnly: false),
            .bind(source: i.hostWorkdir, target: workdir, readOnly: false),
        ]
        if let id = i.hostWorkdirIdentity { ops.append(.verify(workdir, device: id.device, inode: id.inode)) }
        // Before anything else lands below the workdir: the repository's own files only.
        ops.append(.gitControl(workdir))
        return ops
    }

    static func agentMounts(_ i: PlanInputs) -> [MountOp] {
        i.command.trees.map { .bind(source: $0, target: mapPath($0, hostHome: i.hostHome), readOnly: true) }
    }

    static func profileMounts(_ i: PlanInputs) -> [MountOp] {
        let fs = i.profile.filesystem
        let ro = fs.readOnly.map { MountOp.bind(source: $0.source, target: $0.target ?? mapPath($0.source, hostHome: i.hostHome), readOnly: true) }
        let rw = fs.readWrite.map { MountOp.bind(source: $0.source, target: $0.target ?? mapPath($0.source, hostHome: i.hostHome), readOnly: false) }
        return ro + rw
    }
}
