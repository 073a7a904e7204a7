import Testing
import VeilProfile
@testable import VeilSandbox

/// A host layout like Debian 12 with merged /usr.
func debianLayout() -> SystemLayout {
    var l = SystemLayout()
    l.roots = ["/usr": .directory, "/opt": .directory, "/bin": .symlink("usr/bin"),
               "/lib": .symlink("usr/lib"), "/lib64": .symlink("usr/lib64"), "/sbin": .symlink("usr/sbin")]
    l.etc = ["ld.so.conf.d", "alternatives"]
    l.etcFiles = ["ld.so.cache", "ssl/openssl.cnf"]
    l.locales = ["C.utf8", "en_US.utf8"]
    l.shell = "/bin/bash"
    return l
}

func inputs(command: ResolvedCommand = ResolvedCommand(hostPath: "/usr/bin/claude"),
            env: [String: String] = [:], profile: Profile = Profile(name: "default")) -> PlanInputs {
    PlanInputs(profile: profile, hostEnvironment: env, hostHome: "/home/alice", command: command,
               arguments: ["-p", "hi"], hostWorkdir: "/home/alice/src/app", workdirName: "app",
               profileHome: "/home/alice/.local/state/veil/profiles/default/home",
               machineID: "0123456789abcdef0123456789abcdef", bootID: "boot", layout: debianLayout())
}

@Suite struct PlannerTests {
    /// The workdir's repository is guarded right after the workdir is bound and checked, before
    /// any other mount (a profile's, an agent's tree) can land below it.
    @Test func theWorkdirRepositoryIsGuardedRightAfterTheBind() {
        var profile = Profile(name: "default")
        profile.filesystem.readWrite = [.init(source: "/home/alice/src/app/out")]
        var i = inputs(profile: profile)
        i.hostWorkdirIdentity = (1, 2)
        let ops = Planner.plan(i).mounts
        let bind = ops.firstIndex(of: .bind(source: "/home/alice/src/app", target: "/home/user/app", readOnly: false))!
        #expect(ops[bind + 1] == .verify("/home/user/app", device: 1, inode: 2))
        #expect(ops[bind + 2] == .gitControl("/home/user/app"))
        #expect(ops.filter { if case .gitControl = $0 { return true } else { return false } }.count == 1)
        #expect(ops.firstIndex { if case .bind(let s, _, _, _) = $0 { return s == "/home/alice/src/app/out" } else { return false } }! > bind + 2)
    }

    /// What the agent may write outside its trees is one scratch tmpfs (one size bound, not a
    /// tmpfs's default of half the host's memory four times), and SysV IPC is bounded by
    /// memory_mb before /proc/sys goes read-only.
    @Test func memoryKeptOutsideProcessesIsBoundedByMemoryMB() {
        var profile = Profile(name: "default")
        profile.limits.memoryMB = 64
        var i = inputs(profile: profile)
        i.pageSize = 4096
        let ops = Planner.plan(i).mounts
        let scratch = ops.compactMap { op -> String? in if case .scratch(let path, _) = op { return path } else { return nil } }
        #expect(Set(scratch) == ["/tmp", "/var/tmp", "/dev/shm", "/run"])
        #expect(!ops.contains { if case .tmpfs(let path, _) = $0 { return path != "/dev" } else { return false } })
        let ipc: [MountOp] = [.sysctl("/proc/sys/kernel/shmmax", value: "67108864"),
                              .sysctl("/proc/sys/kernel/shmall", value: "16384"),
                              .sysctl("/proc/sys/kernel/msgmni", value: "4096")]
        for op in ipc { #expect(ops.firstIndex(of: op)! < ops.firstIndex(of: .readOnly("/proc/sys"))!) }
        profile.limits.memoryMB = 0
        i.profile = profile
        #expect(!Planner.plan(i).mounts.contains { if case .sysctl(let path, _) = $0 { return path.contains("kernel/s") || path.contains("msg") } else { return false } })
        #expect(Planner.ipcBounds(memoryMB: 8192, pageSize: 65536).last == .sysctl("/proc/sys/kernel/msgmni", value: "32000"))
    }

    @Test func systemDirectoriesAreReadOnlyAndSymlinksKept() {
        let plan = Planner.plan(inputs())
        #expect(plan.mounts.contains(.bind(source: "/usr", target: "/usr", readOnly: true)))
        #expect(plan.mounts.contains(.symlink("/bin", to: "usr/bin")))
        #expect(!plan.mounts.contains { if case .bind(let s, _, _, _) = $0 { return s == "/home" || s == "/root" || s == "/run" } else { return false } })
    }

    /// The sandbox trusts the run CA alone, or a root nobody holds the key to: the host's
    /// certificate stores (which may hold a company's CA) are never bound, and the ones /usr and
    /// /etc/pki show are hidden.
    @Test func theSandboxTrustsOnlyTheRunCA() {
        var layout = debianLayout()
        layout.etc.append("pki")
        var i = inputs()
        i.layout = layout
        let binds = { (plan: LaunchPlan) in
            plan.mounts.compactMap { op -> String? in if case .bind(let s, _, _, _) = op { return s } else { return nil } }
        }
        for runCA in [nil, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"] {
            i.runCA = runCA
            let plan = Planner.plan(i)
            #expect(plan.mounts.contains(.file(Planner.trustBundle, contents: runCA ?? TrustBundle.noRoots, mode: 0o444)))
            #expect(!binds(plan).contains { $0.hasPrefix("/etc/ssl") || $0.hasPrefix("/etc/ca-certificates") })
            for store in ["/usr/local/share/ca-certificates", "/usr/share/ca-certificates", "/etc/pki/ca-trust", "/etc/pki/tls/certs"] {
                let hide = plan.mounts.firstIndex(of: .hide(store))
                #expect(hide != nil, "\(store)")
                // After the binds that show them.
                #expect(hide! > plan.mounts.firstIndex(of: .bind(source: "/usr", target: "/usr", readOnly: true))!)
                #expect(hide! > plan.mounts.firstIndex(of: .bind(source: "/etc/pki", target: "/etc/pki", readOnly: true, optional: true))!)
            }
        }
        #expect(!SystemLayout.etcAllowlist.contains { $0.hasPrefix("ssl/certs") || $0.hasPrefix("ca-certificates") })
    }

    /// Host /etc entries that name the host's company or network are never among what /etc
    /// shows: the system ssh configuration (a company's hosts and jump hosts; nothing inside
    /// reaches an ssh server), the login environment (proxies), the certificate store.
    @Test func etcShowsNothingThatNamesTheHost() {
        let namesTheHost = ["ssh", "ssh/ssh_config", "environment", "profile.d", "ssl/certs", "ca-certificates",
                            "ca-certificates.conf"]
        for entry in SystemLayout.etcAllowlist {
            #expect(!namesTheHost.contains { entry == $0 || entry.hasPrefix($0 + "/") }, "\(entry)")
        }
    }

    @Test func workdirIsNeutralAndReadWrite() {
        let plan = Planner.plan(inputs())
        #expect(plan.cwd == "/home/user/app")
        #expect(plan.mounts.contains(.bind(source: "/home/alice/src/app", target: "/home/user/app", readOnly: false)))
        #expect(plan.mounts.contains(.bind(source: "/home/alice/.local/state/veil/profiles/default/home", target: "/home/user", readOnly: false)))
    }

    @Test func identityFilesAreGeneratedWithoutHostValues() {
        var profile = Profile(name: "default")
        profile.identity.hostname = "localhost"
        let plan = Planner.plan(inputs(profile: profile))
        let files = plan.mounts.compactMap { op -> (String, String)? in
            if case .file(let p, let c, _) = op { return (p, c) } else { return nil }
        }
        let byPath = Dictionary(uniqueKeysWithValues: files)
        #expect(byPath["/etc/passwd"]?.contains("user:x:1000:1000::/home/user:/bin/bash") == true)
        #expect(byPath["/etc/passwd"]?.contains("alice") == false)
        #expect(byPath["/etc/hostname"] == "localhost\n")
        #expect(byPath["/etc/timezone"] == "Etc/UTC\n")
        #expect(byPath["/etc/machine-id"] == "0123456789abcdef0123456789abcdef\n")
        #expect(plan.mounts.contains(.symlink("/etc/localtime", to: "/usr/share/zoneinfo/Etc/UTC")))
        #expect(plan.mounts.contains(.mask("/proc/sys/kernel/random/boot_id", contents: "boot\n")))
    }

    /// As root the agent owns host-global /proc files: each is read-only or hidden, right after
    /// /proc is mounted (before the boot id mask lands inside /proc/sys).
    @Test func hostGlobalProcEntriesAreReadOnlyOrHidden() {
        let ops = Planner.plan(inputs()).mounts
        let proc = ops.firstIndex(of: .proc("/proc"))!
        let bootID = ops.firstIndex { if case .mask("/proc/sys/kernel/random/boot_id", _) = $0 { return true } else { return false } }!
        for name in ["sys", "sysrq-trigger", "irq", "fs"] {
            let i = ops.firstIndex(of: .readOnly("/proc/" + name))
            #expect(i != nil && i! > proc && i! < bootID, "\(name)")
        }
        for name in ["kcore", "keys", "timer_list", "sched_debug", "acpi", "scsi", "bus", "iomem", "kallsyms", "modules"] {
            #expect(ops.contains(.hide("/proc/" + name)), "\(name)")
        }
        // /dev is read-only after everything in it is made.
        let dev = ops.firstIndex(of: .readOnly("/dev"))!
        #expect(!ops[(dev + 1)...].contains { ($0.mountTarget ?? "").hasPrefix("/dev/") })
    }

    /// Root-only kernel files are hidden when the agent maps to the host's root, and only then
    /// (an unprivileged veil's agent cannot open them: no bind spent).
    @Test func rootOnlyKernelFilesAreHiddenForARootAgent() {
        var i = inputs()
        let asUser = Planner.plan(i).mounts
        i.agentIsHostRoot = true
        let asRoot = Planner.plan(i).mounts
        for name in ["kpageflags", "kpagecount", "kpagecgroup", "pagetypeinfo", "tty/driver", "sys/vm/stat_refresh"] {
            #expect(asRoot.contains(.hide("/proc/" + name)) && !asUser.contains(.hide("/proc/" + name)), "\(name)")
        }
    }

    /// Package managers' system-wide settings the host has are hidden after every bind that
    /// brings them in (/etc/xdg is one of /etc's).
    @Test func hostToolConfigsAreHiddenAfterTheirTreesAreBound() {
        var i = inputs()
        i.layout.etc.append("xdg")
        i.layout.toolConfigs = ["/usr/local/etc/npmrc", "/etc/xdg/pip/pip.conf"]
        let ops = Planner.plan(i).mounts
        for path in i.layout.toolConfigs {
            let hide = ops.firstIndex(of: .hide(path))
            let lastBind = ops.lastIndex { if case .bind(_, let target, _, _) = $0 { return path.hasPrefix(target + "/") } else { return false } }
            #expect(hide != nil && lastBind != nil && hide! > lastBind!, "\(path)")
        }
    }

    @Test func agentUnderHostHomeIsMappedAndScriptsRunThroughTheirInterpreter() {
        var cmd = ResolvedCommand(hostPath: "/home/alice/.venv/bin/aider")
        cmd.trees = ["/home/alice/.venv"]
        cmd.interpreter = ["/home/alice/.venv/bin/python3"]
        let plan = Planner.plan(inputs(command: cmd))
        #expect(plan.mounts.contains(.bind(source: "/home/alice/.venv", target: "/home/user/.venv", readOnly: true)))
        #expect(plan.executable == "/home/user/.venv/bin/python3")
        #expect(plan.argv == ["/home/user/.venv/bin/python3", "/home/user/.venv/bin/aider", "-p", "hi"])
        #expect(plan.environment.contains { $0.hasPrefix("PATH=") && $0.contains("/home/user/.venv/bin") })
    }

    @Test func systemInterpreterKeepsDirectExec() {
        var cmd = ResolvedCommand(hostPath: "/opt/tools/bin/tool")
        cmd.interpreter = ["/usr/bin/python3"]
        let plan = Planner.plan(inputs(command: cmd))
        #expect(plan.executable == "/opt/tools/bin/tool")
        #expect(plan.argv == ["/opt/tools/bin/tool", "-p", "hi"])
    }

    @Test func mapPath() {
        #expect(Planner.mapPath("/home/alice/x/y", hostHome: "/home/alice") == "/home/user/x/y")
        #expect(Planner.mapPath("/home/alicex/y", hostHome: "/home/alice") == "/home/alicex/y")
        #expect(Planner.mapPath("/srv/tool", hostHome: "/home/alice") == "/srv/tool")
        #expect(Planner.mapPath("/home/alice", hostHome: "/home/alice") == "/home/user")
    }

    @Test func profileBindsAndSeccompChoicesReachThePlan() {
        var profile = Profile(name: "p")
        profile.filesystem.readOnly = [Profile.Bind(source: "/srv/data")]
        profile.filesystem.readWrite = [Profile.Bind(source: "/home/alice/cache", target: "/cache")]
        profile.seccomp.deny = ["chmod"]
        profile.seccomp.allow = ["ptrace"]
        let plan = Planner.plan(inputs(profile: profile))
        #expect(plan.mounts.contains(.bind(source: "/srv/data", target: "/srv/data", readOnly: true)))
        #expect(plan.mounts.contains(.bind(source: "/home/alice/cache", target: "/cache", readOnly: false)))
        let deny = SeccompFilter.denyList(plan.seccomp)
        #expect(deny.contains("chmod"))
        #expect(!deny.contains("ptrace"))
        #expect(deny.contains("mount"))
    }
}

/// Mounts.apply forgets the directories it made below a mount's target (the mount hides
/// them), so every op that mounts must name where it lands.
@Test func mountingOpsNameTheirTarget() {
    #expect(MountOp.tmpfs("/tmp").mountTarget == "/tmp")
    #expect(MountOp.scratch("/run", mode: 0o755).mountTarget == "/run")
    #expect(MountOp.bind(source: "/h", target: "/home/user", readOnly: false).mountTarget == "/home/user")
    #expect(MountOp.proc("/proc").mountTarget == "/proc")
    #expect(MountOp.devpts("/dev/pts").mountTarget == "/dev/pts")
    #expect(MountOp.device("/dev/null").mountTarget == "/dev/null")
    #expect(MountOp.mask("/proc/sys/kernel/random/boot_id", contents: "x").mountTarget != nil)
    #expect(MountOp.file("/etc/hostname", contents: "localhost").mountTarget == nil)
    #expect(MountOp.copy(source: "/etc/services", target: "/etc/services", optional: true).mountTarget == nil)
    #expect(MountOp.dir("/home/user/work").mountTarget == nil)
    #expect(MountOp.symlink("/bin", to: "usr/bin").mountTarget == nil)
}
