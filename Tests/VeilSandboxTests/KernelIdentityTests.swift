import Testing
@testable import VeilSandbox

@Suite struct KernelIdentityTests {
    @Test(arguments: [("6.18.44-fc-v1272", "6.18.0"), ("5.15.0-105-generic", "5.15.0"), ("4.18.0-513.5.1.el8_9.x86_64", "4.18.0"),
                      ("6.1.0", "6.1.0"), ("weird", "6.1.0"), ("", "6.1.0")])
    func theReleaseKeepsMajorMinorOnly(_ host: String, _ shown: String) {
        #expect(KernelIdentity.neutral(hostRelease: host).release == shown)
        #expect(KernelIdentity.neutral(hostRelease: host).version == "#1 SMP PREEMPT_DYNAMIC")
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
}
