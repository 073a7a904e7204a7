import CVeilShim
import Glibc
import Testing
@testable import VeilSandbox

/// The plan reaches PID 1 over a pipe, in two messages (its basics, then the rest), because
/// PID 1 is made before veil plans.
@Suite struct InitPlanTests {
    static let everyOp: [MountOp] = [
        .dir("/home/user", mode: 0o700), .tmpfs("/tmp", mode: 0o1777),
        .bind(source: "/usr", target: "/usr", readOnly: true),
        .bind(source: "/opt/x", target: "/opt/x", readOnly: false, optional: true),
        .copy(source: "/etc/ld.so.cache", target: "/etc/ld.so.cache", optional: true),
        .device("/dev/null"), .symlink("/bin", to: "usr/bin"),
        .file("/etc/hostname", contents: "localhost\n", mode: 0o644), .proc("/proc"), .devpts("/dev/pts"),
        .mask("/proc/sys/kernel/random/boot_id", contents: "0b1c\n"), .readOnly("/proc/sys"), .hide("/proc/kcore"),
        .sysctl("/proc/sys/kernel/pid_max", value: "4097"), .verify("/home/user/w", device: 1 << 40, inode: 7),
    ]

    static func plan() -> InitPlan {
        var p = LaunchPlan()
        p.hostname = "büro"
        p.executable = "/usr/bin/env"
        p.cwd = "/home/user/project-é"
        p.argv = ["env", "", "a b"]
        p.environment = ["HOME=/home/user", "EMPTY="]
        return InitPlan(p, mounts: everyOp, madeByVeil: ["/usr", "/etc", "/etc/ssl/certs"])
    }

    static func basics(port: Int?) -> LaunchPlan.Basics {
        LaunchPlan.Basics(uid: 1001, gid: 1002, inspectorPort: port,
                          seccomp: SeccompPolicy(extraDeny: ["uname", "getppid"], allow: ["ptrace"]))
    }

    static func length(_ bytes: [UInt8]) -> Int {
        Int(bytes.prefix(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
    }

    @Test func planRoundTrip() throws {
        let bytes = Self.plan().encoded()
        #expect(Self.length(bytes) == bytes.count)
        #expect(try InitPlan(decoding: Array(bytes.dropFirst(4))) == Self.plan())
    }

    @Test(arguments: [nil, 0, 8080] as [Int?])
    func basicsRoundTrip(port: Int?) throws {
        let bytes = Self.basics(port: port).encoded()
        #expect(Self.length(bytes) == bytes.count)
        #expect(try LaunchPlan.Basics(decoding: Array(bytes.dropFirst(4))) == Self.basics(port: port))
    }

    @Test func everyTruncationIsAnError() {
        let body = Array(Self.plan().encoded().dropFirst(4))
        for n in 0..<body.count {
            #expect(throws: SandboxError.self) { try InitPlan(decoding: Array(body.prefix(n))) }
        }
        #expect(throws: SandboxError.self) { try InitPlan(decoding: body + [0]) }
        let basics = Array(Self.basics(port: 80).encoded().dropFirst(4))
        for n in 0..<basics.count {
            #expect(throws: SandboxError.self) { try LaunchPlan.Basics(decoding: Array(basics.prefix(n))) }
        }
        #expect(throws: SandboxError.self) { try LaunchPlan.Basics(decoding: basics + [0]) }
    }

    @Test func anUnknownOpIsAnError() throws {
        var p = LaunchPlan()
        p.hostname = "h"
        var body = Array(InitPlan(p, mounts: [.proc("/proc")]).encoded().dropFirst(4))
        // hostname (4 + 1 bytes), op count: the op's tag follows.
        let tag = 5 + 4
        #expect(body[tag] == 7)
        body[tag] = 200
        #expect(throws: SandboxError.self) { try InitPlan(decoding: body) }
    }

    /// Larger than a pipe holds, so the reader must loop while the writer writes.
    @Test func receivedWholeThroughAPipe() throws {
        var p = LaunchPlan()
        p.environment = (0..<3000).map { "VAR_\($0)=" + String(repeating: "x", count: 40) }
        let plan = InitPlan(p, mounts: Self.everyOp)
        let bytes = plan.encoded()
        #expect(bytes.count > 65536)
        var fds: [Int32] = [-1, -1]
        try #require(veil_pipe_cloexec(&fds) == 0)
        let writer = Thread { fd in
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, min(4096, bytes.count - sent)) }
                if n <= 0 { break }
                sent += n
            }
            close(fd)
        }
        writer.start(fds[1])
        defer { close(fds[0]) }
        #expect(try PlanMessage.receive(from: fds[0]).map(InitPlan.init(decoding:)) == plan)
        writer.join()
    }

    @Test func endOfFileBeforeThePlanIsNoPlan() throws {
        var fds: [Int32] = [-1, -1]
        try #require(veil_pipe_cloexec(&fds) == 0)
        close(fds[1])
        defer { close(fds[0]) }
        #expect(try PlanMessage.receive(from: fds[0]) == nil)
    }

    @Test func endOfFileInsideThePlanIsAnError() throws {
        var fds: [Int32] = [-1, -1]
        try #require(veil_pipe_cloexec(&fds) == 0)
        let bytes = Array(Self.plan().encoded().prefix(20))
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(throws: SandboxError.self) { try PlanMessage.receive(from: fds[0]) }
    }
}

/// A pthread running one closure with a descriptor (Foundation's Thread is not linked here).
private final class Thread {
    private let body: (Int32) -> Void
    private var handle = pthread_t()
    private var fd: Int32 = -1
    init(_ body: @escaping (Int32) -> Void) { self.body = body }

    func start(_ fd: Int32) {
        self.fd = fd
        let me = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { arg in
            let t = Unmanaged<Thread>.fromOpaque(arg!).takeRetainedValue()
            t.body(t.fd)
            return nil
        }, me)
    }

    func join() { pthread_join(handle, nil) }
}
