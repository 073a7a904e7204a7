import CSeccomp
import CVeilShim
import Glibc
import VeilProfile

/// The seccomp filter, built with libseccomp. Default allow, with an EPERM deny list drawn
/// from Docker's and firejail's defaults: what an agent never needs and what would let it
/// escape or see the host. Only the native ABI is allowed (i386 and x32 calls fail).
///
/// Every unconditional rule keys on the syscall number alone, so the kernel's constant-action
/// cache serves all allowed syscalls without running the filter; only clone, unshare,
/// ioctl (TIOCSTI, TIOCLINUX, TIOCSETD, TIOCEXCL, the console's KD and VT blocks, a
/// filesystem's UUID and label), socket and
/// personality inspect arguments.
///
/// veil sends the BPF program (`program`: built in for the default policy, compiled for a
/// profile's own) on the launch channel once the sandbox has its files (LaunchMessage.filter
/// checks it is whole instructions); the agent's process loads it as its last step.
public enum SeccompFilter {
    public static let denied: [String] = [
        // Mounts and root changes: the sandbox's file view is fixed.
        "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
        "fsmount", "fspick", "mount_setattr", "open_tree_attr",
        // Reading or steering other processes.
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        // Kernel attack surface and introspection.
        "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "keyctl", "add_key", "request_key", "lookup_dcookie", "fanotify_init",
        // Modules and kernels.
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "create_module", "get_kernel_syms", "query_module",
        // Namespaces and handles that bypass the mount view.
        "setns", "open_by_handle_at", "name_to_handle_at",
        // Machine state: accounting, swap, reboot, clocks, logs, names.
        "acct", "swapon", "swapoff", "reboot", "settimeofday", "clock_settime", "clock_adjtime",
        "adjtimex", "stime", "syslog", "sethostname", "setdomainname", "quotactl", "quotactl_fd",
        "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "iopl", "ioperm", "vhangup",
        "modify_ldt", "vm86", "vm86old", "move_pages", "migrate_pages",
    ]

    /// Denied syscalls that a libseccomp older than the kernel may not know by name, by their
    /// number (one for every architecture since Linux 5.1's common table): a rule by name alone
    /// would be skipped there, and the call allowed.
    static let numbers: [String: Int32] = ["open_tree_attr": 467]

    static let cloneNewUser: UInt64 = 0x1000_0000
    static let tiocsti: UInt64 = 0x5412
    static let tioclinux: UInt64 = 0x541C
    static let tiocsetd: UInt64 = 0x5423
    static let tiocexcl: UInt64 = 0x540C
    /// The Linux console's ioctls, each family a block of 256 numbers with no size or
    /// direction bits: KD* and the font and screen maps (`K`, linux/kd.h), VT* (`V` 0x00–0xFF;
    /// V4L2's `V` ioctls carry size bits, so they are not in it).
    static let consoleBlocks: [UInt64] = [0x4B00, 0x5600]
    /// A filesystem's identity, which outlives every run and names the machine: its UUID
    /// (FS_IOC_GETFSUUID, ext4's EXT4_IOC_GETFSUUID, btrfs's FS_INFO, DEV_INFO and
    /// GET_SUBVOL_INFO), its label (FS_IOC_GETFSLABEL) and its sysfs name (`ext4/vda`). Refused
    /// as a filesystem without them refuses (ENOTTY); statfs's f_fsid, made from the same UUID,
    /// PID 1 answers without (veil_notify_answer).
    static let filesystemIdentity: [UInt64] = [0x8011_1500, 0x8008_662C, 0x8400_941F, 0xD000_941E, 0x81F8_943C,
                                               0x8100_9431, 0x8081_1501]
    /// Socket families an agent uses: unix, inet, inet6, netlink. Raw sockets never.
    static let allowedFamilies: [UInt64] = [1, 2, 10, 16]

    static func actErrno(_ e: Int32) -> UInt32 { 0x0005_0000 | (UInt32(e) & 0xFFFF) }
    static let actAllow: UInt32 = 0x7FFF_0000

    /// The unconditional deny list after the profile's changes.
    public static func denyList(_ policy: SeccompPolicy) -> [String] {
        let allow = Set(policy.allow)
        var seen = Set<String>()
        return (denied + policy.extraDeny).filter { !allow.contains($0) && seen.insert($0).inserted }
    }

    /// The program a launch loads. For the default policy (every shipped profile's) that is
    /// the program libseccomp compiled when veil was built (SeccompFilter+Default.swift), used
    /// when this binary links that same libseccomp on that same architecture; anything else is
    /// compiled now. Compiling costs about 0.3 ms of CPU per launch, on the path PID 1 waits on.
    public static func program(_ policy: SeccompPolicy) throws -> [UInt8] {
        if policy == SeccompPolicy(), let built = defaultProgram, built.library == linkedLibrary {
            return built.program
        }
        return try compile(policy)
    }

    /// The linked libseccomp's version, "major.minor.micro".
    static var linkedLibrary: String {
        guard let v = seccomp_version()?.pointee else { return "" }
        return "\(v.major).\(v.minor).\(v.micro)"
    }

    /// SeccompFilter+Default.swift as this build would write it (`veil-core profile embed
    /// --seccomp`, run by scripts/embed-profiles).
    public static func defaultProgramSource() throws -> String {
        let program = try compile(SeccompPolicy())
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "none"
        #endif
        var rows: [String] = []
        for start in stride(from: 0, to: program.count, by: 16) {
            let row = program[start..<min(start + 16, program.count)].map { byte -> String in
                let hex = String(byte, radix: 16)
                return "0x" + (hex.count == 1 ? "0" + hex : hex)
            }
            rows.append("        " + row.joined(separator: ", ") + ",")
        }
        return """
            // Generated by scripts/embed-profiles (`veil-core profile embed --seccomp`): the default
            // policy's filter as libseccomp \(linkedLibrary) compiles it on \(arch). Do not edit; the
            // VeilSandbox tests fail while it differs from what the linked libseccomp compiles.
            extension SeccompFilter {
                #if arch(\(arch))
                static let defaultProgram: (library: String, program: [UInt8])? = ("\(linkedLibrary)", [
            \(rows.joined(separator: "\n"))
                ])
                #else
                static let defaultProgram: (library: String, program: [UInt8])? = nil
                #endif
            }

            """
    }

    /// The filter's BPF program. libseccomp writes only to descriptors: a memory file here.
    public static func compile(_ policy: SeccompPolicy) throws -> [UInt8] {
        let fd = veil_memfd()
        guard fd >= 0 else { throw SandboxError(.seccomp, errno: errno, "memory file for the filter") }
        defer { close(fd) }
        try export(policy, to: fd)
        guard lseek(fd, 0, SEEK_SET) == 0, let program = HostFiles.read(fd: fd) else {
            throw SandboxError(.seccomp, errno: errno, "read the compiled filter")
        }
        return program
    }

    /// Compiles the filter and writes its BPF program to `fd`.
    static func export(_ policy: SeccompPolicy, to fd: Int32) throws {
        guard let ctx = seccomp_init(actAllow) else { throw SandboxError(.seccomp, errno: ENOMEM, "seccomp_init") }
        defer { seccomp_release(ctx) }
        try attr(ctx, SCMP_FLTATR_ACT_BADARCH, actErrno(EPERM), "refuse foreign ABIs")
        try attr(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2, "binary tree")

        for name in denyList(policy) {
            var nr = seccomp_syscall_resolve_name(name)
            if nr == __NR_SCMP_ERROR, let known = numbers[name] { nr = known }
            if nr == __NR_SCMP_ERROR {
                if policy.extraDeny.contains(name) { throw SandboxError(.seccomp, errno: EINVAL, "unknown syscall '\(name)'") }
                continue
            }
            if nr < 0 { continue }  // not a syscall on this architecture
            try rule(ctx, actErrno(EPERM), nr, [], name)
        }
        try conditionalRules(ctx, policy)
        let rc = seccomp_export_bpf(ctx, fd)
        if rc < 0 { throw SandboxError(.seccomp, errno: -rc, "compile the filter") }
    }

    private static func conditionalRules(_ ctx: scmp_filter_ctx, _ policy: SeccompPolicy) throws {
        let allow = Set(policy.allow)
        let eperm = actErrno(EPERM)
        // A new user namespace would hand the agent a full capability set again.
        for name in ["clone", "unshare"] where !allow.contains(name) {
            try rule(ctx, eperm, seccomp_syscall_resolve_name(name),
                     [cmp(0, SCMP_CMP_MASKED_EQ, cloneNewUser, cloneNewUser)], name)
        }
        // clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc fall
        // back to clone, which the rule above checks.
        if !allow.contains("clone3") {
            try rule(ctx, actErrno(ENOSYS), seccomp_syscall_resolve_name("clone3"), [], "clone3")
        }
        // Typing into the terminal's input queue, the Linux console's ioctls, and a line
        // discipline (n_hdlc, n_gsm and the like: kernel code an agent never needs, with a
        // history of local privilege escalations). Exclusive mode (TIOCEXCL) outlives the
        // agent: later opens of the user's terminal (sudo's password prompt) fail. The
        // console's: whoever has a virtual terminal as controlling terminal may switch
        // consoles, set modes, fonts, LEDs and the keyboard's mode, and veil hands the agent its
        // terminal. The kernel reads only the request's low 32 bits, so only those are compared.
        if !allow.contains("ioctl") {
            let ioctl = seccomp_syscall_resolve_name("ioctl")
            for req in [tiocsti, tioclinux, tiocsetd, tiocexcl] {
                try rule(ctx, eperm, ioctl, [cmp(1, SCMP_CMP_MASKED_EQ, 0xFFFF_FFFF, req)], "ioctl")
            }
            for block in consoleBlocks {
                try rule(ctx, eperm, ioctl, [cmp(1, SCMP_CMP_MASKED_EQ, 0xFFFF_FF00, block)], "ioctl")
            }
            for req in filesystemIdentity {
                try rule(ctx, actErrno(ENOTTY), ioctl, [cmp(1, SCMP_CMP_MASKED_EQ, 0xFFFF_FFFF, req)], "ioctl")
            }
        }
        if !allow.contains("socket") {
            let socketNr = seccomp_syscall_resolve_name("socket")
            for family in UInt64(0)...UInt64(16) where !allowedFamilies.contains(family) {
                try rule(ctx, eperm, socketNr, [cmp(0, SCMP_CMP_EQ, family)], "socket")
            }
            try rule(ctx, eperm, socketNr, [cmp(0, SCMP_CMP_GT, 16)], "socket")
            // Raw IP sockets (netlink is SOCK_RAW too, and getifaddrs needs it).
            for family in [UInt64(AF_INET), UInt64(AF_INET6)] {
                try rule(ctx, eperm, socketNr, [cmp(0, SCMP_CMP_EQ, family),
                                               cmp(1, SCMP_CMP_MASKED_EQ, 0xF, UInt64(SOCK_RAW.rawValue))], "socket")
            }
        }
        // Only the default execution domain (0) and the query (0xffffffff). A rule may compare
        // an argument once, so "neither 0 nor all ones" is written as: some set bit is
        // followed (cyclically) by a clear bit — one masked comparison per bit. The kernel reads
        // only the low 32 bits, so only those are compared.
        if !allow.contains("personality") {
            let nr = seccomp_syscall_resolve_name("personality")
            for bit in UInt64(0)..<32 {
                let mask = (UInt64(1) << bit) | (UInt64(1) << ((bit + 1) % 32))
                try rule(ctx, eperm, nr, [cmp(0, SCMP_CMP_MASKED_EQ, mask, UInt64(1) << bit)], "personality")
            }
        }
    }

    private static func cmp(_ arg: UInt32, _ op: scmp_compare, _ a: UInt64, _ b: UInt64 = 0) -> scmp_arg_cmp {
        scmp_arg_cmp(arg: arg, op: op, datum_a: a, datum_b: b)
    }

    private static func rule(_ ctx: scmp_filter_ctx, _ action: UInt32, _ nr: Int32,
                             _ cmps: [scmp_arg_cmp], _ name: String) throws {
        let rc = cmps.withUnsafeBufferPointer {
            seccomp_rule_add_array(ctx, action, nr, UInt32(cmps.count), $0.baseAddress)
        }
        if rc < 0 { throw SandboxError(.seccomp, errno: -rc, "rule for \(name)") }
    }

    private static func attr(_ ctx: scmp_filter_ctx, _ a: scmp_filter_attr, _ v: UInt32, _ what: String) throws {
        let rc = seccomp_attr_set(ctx, a, v)
        if rc < 0 { throw SandboxError(.seccomp, errno: -rc, what) }
    }
}
