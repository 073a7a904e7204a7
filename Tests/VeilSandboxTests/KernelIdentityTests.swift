import Testing
@testable import VeilSandbox

@Suite struct KernelIdentityTests {
    @Test(arguments: [("6.18.44-fc-v1272", "6.18.0"), ("5.15.0-105-generic", "5.15.0"), ("4.18.0-513.5.1.el8_9.x86_64", "4.18.0"),
                      ("6.1.0", "6.1.0"), ("weird", "6.1.0"), ("", "6.1.0")])
    func theReleaseKeepsMajorMinorOnly(_ host: String, _ shown: String) {
        #expect(KernelIdentity.neutral(hostRelease: host).release == shown)
        #expect(KernelIdentity.neutral(hostRelease: host).version == "#1 SMP PREEMPT_DYNAMIC")
    }

    /// pid_max bounds the sandbox's processes only where it is the sandbox's own: written on
    /// an older kernel by a root run, it would have been the host's.
    @Test func pidMaxIsSetOnlyWhereItIsPerNamespace() {
        #expect(KernelIdentity.pidMaxIsPerNamespace(release: "6.18.44-fc-v1272"))
        #expect(KernelIdentity.pidMaxIsPerNamespace(release: "6.14.0"))
        #expect(!KernelIdentity.pidMaxIsPerNamespace(release: "6.13.9"))
        #expect(!KernelIdentity.pidMaxIsPerNamespace(release: "5.15.0-105-generic"))
        for (release, planned) in [("6.18.44-fc-v1272", true), ("5.15.0-105-generic", false)] {
            var i = inputs()
            i.hostKernelRelease = release
            i.profile.limits.pids = 100
            let ops = Planner.plan(i).mounts
            #expect(ops.contains(.sysctl("/proc/sys/kernel/pid_max", value: "301")) == planned)
            if planned { #expect(ops.firstIndex(of: .sysctl("/proc/sys/kernel/pid_max", value: "301"))! < ops.firstIndex(of: .readOnly("/proc/sys"))!) }
        }
    }

    @Test func procMatchesWhatUnameSays() {
        var i = inputs()
        i.hostKernelRelease = "6.18.44-fc-v1272"
        i.hostCPUInfo = "processor\t: 0\nmodel name\t: Cloud Custom 9V14 @ 3.1GHz\nflags\t\t: fpu sse2 avx2\n\nprocessor\t: 1\nmodel name\t: Cloud Custom 9V14 @ 3.1GHz\n"
        let plan = Planner.plan(i)
        #expect(plan.kernel.release == "6.18.0")
        let masks = Dictionary(uniqueKeysWithValues: plan.mounts.compactMap { op -> (String, String)? in
            if case .mask(let p, let c) = op { return (p, c) } else { return nil }
        })
        #expect(masks["/proc/sys/kernel/osrelease"] == "6.18.0\n")
        #expect(masks["/proc/sys/kernel/version"] == "#1 SMP PREEMPT_DYNAMIC\n")
        #expect(masks["/proc/version"]?.hasPrefix("Linux version 6.18.0 ") == true)
        #expect(masks["/proc/cmdline"]?.contains("6.18.0") == true)
        let cpu = masks["/proc/cpuinfo"] ?? ""
        #expect(!cpu.contains("Cloud Custom") && cpu.contains("flags\t\t: fpu sse2 avx2") && cpu.contains("processor\t: 1"))
        #expect(cpu.split(separator: "\n").filter { $0 == "model name\t: Virtual CPU" }.count == 2)
        #expect(!masks.values.contains { $0.contains("fc-v1272") })
        #expect(plan.mounts.contains(.hide("/proc/config.gz")))
    }

    /// Only the model name changes; every other byte, blank lines and text after a colon in
    /// other fields included, stays; the file always ends in a newline.
    @Test func neutralCPUInfoChangesOnlyTheModelName() {
        let cases: [(String, String)] = [
            ("", "\n"),
            ("model name\t: Épyc 9V14: custom", "model name\t: Virtual CPU\n"),
            ("processor\t: 0\nmodel name\t: X\nflags\t\t: a:b\n\n", "processor\t: 0\nmodel name\t: Virtual CPU\nflags\t\t: a:b\n\n"),
            ("model name without colon\nmodel name\t:\n", "model name without colon\nmodel name\t: Virtual CPU\n"),
            (" model name\t: kept\n", " model name\t: kept\n"),
        ]
        for (host, neutral) in cases { #expect(Planner.neutralCPUInfo(host) == neutral, "\(host)") }
    }
}
