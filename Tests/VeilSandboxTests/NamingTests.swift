import Glibc
import Testing
import VeilProfile
@testable import VeilSandbox

@Suite struct NamingTests {
    @Test(arguments: [
        ("/home/alice/src/app", [String: String](), "app"),
        ("/home/alice/src/my app", [:], "project-"),
        ("/home/alice/src/проект", [:], "project-"),
        ("/home/alice/alice-notes", [:], "project-"),   // the basename names the user
        ("/home/alice/.hidden", [:], "project-"),
        ("/other/app", ["app": "/home/alice/src/app"], "app-2"),
        ("/home/alice/src/app", ["app": "/home/alice/src/app"], "app"),
    ])
    func neutralNames(path: String, taken: [String: String], expected: String) {
        let name = WorkdirNaming.name(for: path, taken: taken, avoid: ["alice", "alices-laptop"])
        if expected.hasSuffix("-") { #expect(name.hasPrefix(expected) && name.count == expected.count + 8) }
        else { #expect(name == expected) }
    }

    /// The attack: a name made from the path (FNV-1a of it, before) let anyone with a guess of
    /// the host path confirm it from the cwd the agent puts in every prompt. Two hosts (two
    /// registries) name the same path apart, and neither name is the old hash.
    @Test func aProjectNameSaysNothingOfItsPath() throws {
        let path = "/home/alice/src/acme payroll"
        var names: [String] = []
        for _ in 0..<2 {
            let dir = "/tmp/veil-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            mkdir(dir, 0o700)
            defer { _ = system("rm -rf '\(dir)'") }
            let name = try WorkdirRegistry.neutralName(for: path, stateRoot: dir, avoid: [])
            #expect(try WorkdirRegistry.neutralName(for: path, stateRoot: dir, avoid: []) == name)  // stable on a host
            names.append(name)
        }
        #expect(names[0] != names[1], "\(names)")
        var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in path.utf8 { fnv = (fnv ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(fnv, radix: 16)
        let old = "project-" + (String(repeating: "0", count: 16 - hex.utf8.count) + hex).prefix(8)
        #expect(!names.contains(old))
    }

    @Test func registryKeepsDistinctProjectsDistinctAndStable() throws {
        let dir = "/tmp/veil-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o700)
        defer { _ = system("rm -rf '\(dir)'") }
        let a = try WorkdirRegistry.neutralName(for: "/x/one/app", stateRoot: dir, avoid: [])
        let b = try WorkdirRegistry.neutralName(for: "/x/two/app", stateRoot: dir, avoid: [])
        let a2 = try WorkdirRegistry.neutralName(for: "/x/one/app", stateRoot: dir, avoid: [])
        #expect(a == "app")
        #expect(b == "app-2")
        #expect(a2 == "app")
        // Two directories whose names differ only in Unicode normalisation are two directories
        // to the kernel: a composed and a decomposed é get names of their own, each stable.
        let composed = try WorkdirRegistry.neutralName(for: "/x/caf\u{E9}/app", stateRoot: dir, avoid: [])
        let decomposed = try WorkdirRegistry.neutralName(for: "/x/cafe\u{301}/app", stateRoot: dir, avoid: [])
        #expect(composed == "app-3" && decomposed == "app-4")
        #expect(try WorkdirRegistry.neutralName(for: "/x/cafe\u{301}/app", stateRoot: dir, avoid: []) == "app-4")
        #expect(WorkdirNaming.name(for: "/x/cafe\u{301}/app", taken: ["app": "/x/caf\u{E9}/app"], avoid: []) == "app-2")
    }

    @Test func statusMapping() {
        #expect(SignalForwarding.shellStatus(7 << 8) == 7)
        #expect(SignalForwarding.shellStatus(SIGTERM) == 143)
        #expect(SignalForwarding.shellStatus(SIGKILL | 0x80) == 137)  // core flag
    }

    @Test func errorsNameTheStageAndTheFix() {
        let e = SandboxError(.clone, errno: EPERM, "clone(CLONE_NEWUSER)")
        #expect(e.description.contains("create namespaces"))
        #expect(e.description.contains("EPERM"))
        #expect(e.description.contains("veil doctor"))
        #expect(e.exitStatus == 125)
        #expect(SandboxError(.exec, errno: ENOENT).exitStatus == 127)
        #expect(SandboxError(.exec, errno: EACCES).exitStatus == 126)
    }

    @Test func errorReportRoundTrips() throws {
        let e = SandboxError(.mount, errno: EPERM, "bind /x\twith tab")
        let (kind, payload) = LaunchMessage.failed(e).encoded()
        #expect(try LaunchMessage(kind: kind, payload: payload) == .failed(e))
    }
}

/// The host arm's line between veil-core and the launcher.
@Suite struct HostCellPlanTests {
    @Test func roundTrip() {
        var plan = HostCellPlan()
        plan.ports = [443, 3128]
        plan.addresses = ["10.1.2.3"]
        plan.overlays = [.init(source: "/tmp/x/hosts.txt", target: "/etc/hosts")]
        plan.socketPath = "/tmp/x/cell.sock"
        plan.argv = ["python3", "--listen", "--", "a b"]
        #expect(HostCellPlan.parse(plan.arguments()) == plan)
    }

    @Test func malformedLinesAreRefused() {
        for line in [["__host-arm", "--socket", "/s", "--"], ["__host-arm", "--listen", "99999", "--socket", "/s", "--", "x"],
                     ["__host-arm", "--", "x"], ["__host-arm", "--socket", "/s", "--bogus", "1", "--", "x"], ["run", "--", "x"]] {
            #expect(HostCellPlan.parse(line) == nil, "\(line)")
        }
    }
}
