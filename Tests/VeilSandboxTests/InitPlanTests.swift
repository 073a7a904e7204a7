import CVeilShim
import Glibc
import Testing
@testable import VeilSandbox

/// The plan reaches PID 1 on the launch channel, in two messages (its basics, then the rest),
/// because PID 1 is made before veil plans.
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
        .gitControl("/home/user/w"), .scratch("/dev/shm", mode: 0o1777),
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

    @Test func planRoundTrip() throws {
        #expect(try InitPlan(decoding: Self.plan().encoded()) == Self.plan())
    }

    @Test(arguments: [nil, 0, 8080] as [Int?])
    func basicsRoundTrip(port: Int?) throws {
        #expect(try LaunchPlan.Basics(decoding: Self.basics(port: port).encoded()) == Self.basics(port: port))
    }

    @Test func everyTruncationIsAnError() {
        let body = Self.plan().encoded()
        for n in 0..<body.count {
            #expect(throws: SandboxError.self) { try InitPlan(decoding: Array(body.prefix(n))) }
        }
        #expect(throws: SandboxError.self) { try InitPlan(decoding: body + [0]) }
        let basics = Self.basics(port: 80).encoded()
        for n in 0..<basics.count {
            #expect(throws: SandboxError.self) { try LaunchPlan.Basics(decoding: Array(basics.prefix(n))) }
        }
        #expect(throws: SandboxError.self) { try LaunchPlan.Basics(decoding: basics + [0]) }
    }

    @Test func anUnknownOpIsAnError() throws {
        var p = LaunchPlan()
        p.hostname = "h"
        var body = InitPlan(p, mounts: [.proc("/proc")]).encoded()
        // hostname (4 + 1 bytes), op count: the op's tag follows.
        let tag = 5 + 4
        #expect(body[tag] == 7)
        body[tag] = 200
        #expect(throws: SandboxError.self) { try InitPlan(decoding: body) }
    }

    /// Larger than a datagram may be, so it goes in pieces, read while the writer writes.
    @Test func aLargePlanCrossesTheChannelInPieces() throws {
        var p = LaunchPlan()
        p.environment = (0..<3000).map { "VAR_\($0)=" + String(repeating: "x", count: 40) }
        let plan = InitPlan(p, mounts: Self.everyOp)
        #expect(plan.encoded().count > 4 * LaunchChannel.pieceSize)
        let (a, b) = try LaunchChannel.pair()
        defer { a.close() }
        let writer = Thread { _ in
            _ = b.send(.plan(plan))
            _ = b.send(.agentStatus(7))
            b.close()
        }
        writer.start(b.fd)
        #expect(try a.receive()?.0 == .plan(plan))
        #expect(try a.receive()?.0 == .agentStatus(7))
        #expect(try a.receive() == nil)
        writer.join()
    }

    /// Every message comes back as it was sent, and a descriptor travels with its message.
    @Test func everyMessageRoundTrips() throws {
        let (a, b) = try LaunchChannel.pair()
        defer { a.close(); b.close() }
        let messages: [LaunchMessage] = [
            .basics(Self.basics(port: 8080)), .plan(Self.plan()), .rootWritten(.mountPoints), .rootWritten(.files),
            .filter([0x06, 0, 0, 0, 0, 0, 0xFF, 0x7F]), .agentStarted, .agentStatus(-3),
            .failed(SandboxError(.mount, errno: EPERM, "bind /x\twith tab")),
        ]
        for m in messages {
            #expect(b.send(m) == nil)
            #expect(try a.receive()?.0 == m)
        }
        let devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(devnull) }
        #expect(b.send(.stagingRoot, attaching: devnull) == nil)
        let got = try #require(try a.receive())
        #expect(got.0 == .stagingRoot)
        let fd = try #require(got.1)
        #expect(fd != devnull && fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        close(fd)
    }

    /// PID 1 asks whether veil's word is there without waiting; end of file is "veil gave up".
    @Test func nonBlockingAndEndOfFile() throws {
        let (a, b) = try LaunchChannel.pair()
        defer { a.close() }
        #expect(try a.receive(wait: false) == nil)
        #expect(try RootHandoff.done(.mountPoints, over: a) == false)
        _ = RootHandoff.signal(.mountPoints, over: b)
        _ = RootHandoff.signal(.files, over: b)
        // `await` passes over an earlier word that `done` did not read.
        try RootHandoff.await(.files, over: a)
        b.close()
        #expect(try a.receive() == nil)
    }

    /// A message cut off (its first piece says more comes), a bad filter, an unknown kind.
    @Test func brokenMessagesAreErrors() throws {
        for bytes: [UInt8] in [[3, 1, 0xAA], [6, 0, 1, 2, 3], [200, 0], [9, 0, 1]] {
            let (a, b) = try LaunchChannel.pair()
            defer { a.close() }
            _ = bytes.withUnsafeBytes { veil_send_message(b.fd, $0.baseAddress, $0.count, -1) }
            b.close()
            #expect(throws: SandboxError.self) { try a.receive() }
        }
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
