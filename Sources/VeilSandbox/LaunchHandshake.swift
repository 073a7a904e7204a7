import CVeilShim
import Glibc

// The launch, as veil and the sandbox's PID 1 say it to each other: one SOCK_SEQPACKET pair,
// one message type. In order (veil's side is Sandbox.swift, PID 1's InitSequence.swift):
//
//   veil                                         PID 1
//   clonePID1: PID 1 made in every namespace      lo up, mounts private
//   .basics ─────────────────────────────────▶   maps its ids, enters the staging root
//            ◀───────────────────────────────    .inspectorSocket (listening inside; attached)
//            ◀───────────────────────────────    .stagingRoot (the new root's directory; attached)
//   .plan ───────────────────────────────────▶   stages the masks, mounts
//   writes the root's files through the descriptor meanwhile (RootFiles)
//   .rootWritten(.mountPoints) ──────────────▶   (then it makes no mount point itself)
//   .rootWritten(.files) ────────────────────▶   switches to the new root, sets the host name
//   .filter (built in or compiled) ──────────▶   drops capabilities, sets limits, spawns the agent
//            ◀───────────────────────────────    .agentStarted
//            ◀───────────────────────────────    .agentStatus(code), once nothing of it runs
//
// At any step PID 1 may answer `.failed(SandboxError)` instead, and exits; veil may close its
// end instead of the next message (it gave up: a bad profile), and PID 1 exits.

/// One message of the launch.
enum LaunchMessage: Equatable {
    case basics(LaunchPlan.Basics)
    case plan(InitPlan)
    /// The inspector's listening socket, made in the sandbox's network namespace (attached).
    case inspectorSocket
    /// A descriptor of the staging new root, for veil to write the root's files (attached).
    case stagingRoot
    case rootWritten(RootHandoff.Step)
    /// The seccomp filter's BPF program (SeccompFilter.program).
    case filter([UInt8])
    case agentStarted
    case failed(SandboxError)
    /// The agent's shell-style status.
    case agentStatus(Int32)

    private enum Kind: UInt8 {
        case basics = 1, plan, inspectorSocket, stagingRoot, rootWritten, filter, agentStarted, failed, agentStatus
    }

    func encoded() -> (kind: UInt8, payload: [UInt8]) {
        switch self {
        case .basics(let b): return (Kind.basics.rawValue, b.encoded())
        case .plan(let p): return (Kind.plan.rawValue, p.encoded())
        case .inspectorSocket: return (Kind.inspectorSocket.rawValue, [])
        case .stagingRoot: return (Kind.stagingRoot.rawValue, [])
        case .rootWritten(let step): return (Kind.rootWritten.rawValue, [step.rawValue])
        case .filter(let program): return (Kind.filter.rawValue, program)
        case .agentStarted: return (Kind.agentStarted.rawValue, [])
        case .failed(let e):
            return (Kind.failed.rawValue, WireWriter.message { w in
                w.string(e.stage.rawValue)
                w.int(UInt32(bitPattern: e.errno))
                w.string(String(decoding: e.detail.utf8.prefix(4000), as: UTF8.self))
            })
        case .agentStatus(let code): return (Kind.agentStatus.rawValue, WireWriter.message { $0.int(UInt32(bitPattern: code)) })
        }
    }

    init(kind: UInt8, payload: [UInt8]) throws {
        guard let k = Kind(rawValue: kind) else { throw WireReader.malformed }
        var r = WireReader(bytes: payload)
        switch k {
        case .basics: self = .basics(try LaunchPlan.Basics(decoding: payload))
        case .plan: self = .plan(try InitPlan(decoding: payload))
        case .inspectorSocket: self = .inspectorSocket
        case .stagingRoot: self = .stagingRoot
        case .rootWritten:
            guard payload.count == 1, let step = RootHandoff.Step(rawValue: payload[0]) else { throw WireReader.malformed }
            self = .rootWritten(step)
        case .filter:
            // Whole instructions (sizeof(struct sock_filter) is 8), as many as a program may have.
            guard !payload.isEmpty, payload.count % 8 == 0, payload.count / 8 <= Int(UInt16.max) else {
                throw SandboxError(.seccomp, errno: EINVAL, "no complete filter program from veil (\(payload.count) bytes)")
            }
            self = .filter(payload)
        case .agentStarted: self = .agentStarted
        case .failed:
            let stage = try r.string(), code = Int32(bitPattern: try r.int()), detail = try r.string()
            try r.end()
            self = .failed(SandboxError(SandboxError.Stage(rawValue: stage) ?? .plan, errno: code, detail))
        case .agentStatus:
            let code = Int32(bitPattern: try r.int())
            try r.end()
            self = .agentStatus(code)
        }
    }
}

/// One end of the launch's socket pair. A message larger than a datagram goes in pieces (the
/// plan can be: an agent's argv may hold a whole prompt), each `[kind, more, bytes…]`; a
/// descriptor travels with a message of one piece.
struct LaunchChannel {
    let fd: Int32

    /// Each piece well below a unix socket's default send buffer (~208 KiB).
    static let pieceSize = 32 << 10

    /// A socket pair for a launch, close-on-exec.
    static func pair() throws -> (LaunchChannel, LaunchChannel) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SandboxError(.clone, errno: errno, "socketpair")
        }
        return (LaunchChannel(fd: fds[0]), LaunchChannel(fd: fds[1]))
    }

    /// The errno of a failed send (the other side is gone), nil once sent.
    func send(_ message: LaunchMessage, attaching descriptor: Int32? = nil) -> Int32? {
        let (kind, payload) = message.encoded()
        var offset = 0
        repeat {
            let end = min(payload.count, offset + Self.pieceSize)
            let piece = [kind, end < payload.count ? 1 : 0] + payload[offset..<end]
            let rc = piece.withUnsafeBytes { veil_send_message(fd, $0.baseAddress, $0.count, descriptor ?? -1) }
            if rc < 0 { return errno }
            offset = end
        } while offset < payload.count
        return nil
    }

    /// The next message and its descriptor; nil at end of file (the other side closed or
    /// died). With `wait` false, nil as well when no message is there yet.
    func receive(wait: Bool = true) throws -> (LaunchMessage, Int32?)? {
        var kind: UInt8 = 0
        var payload: [UInt8] = []
        var descriptor: Int32?
        var first = true
        while true {
            var fd: Int32 = -1
            var n = 0
            // Not zeroed: the kernel fills what is read, and only that is looked at.
            let buffer = [UInt8](unsafeUninitializedCapacity: Self.pieceSize + 2) { raw, count in
                n = veil_receive_message(self.fd, raw.baseAddress, raw.count, &fd, first && !wait ? 1 : 0)
                count = max(n, 0)
            }
            if fd >= 0 { descriptor = fd }
            if n < 0 {
                if errno == EAGAIN && first && !wait { return nil }
                throw SandboxError(.plan, errno: errno, "read the launch channel")
            }
            if n == 0 {
                if first { return nil }
                throw SandboxError(.plan, errno: EPIPE, "the launch channel closed inside a message")
            }
            guard n >= 2, first || buffer[0] == kind else { throw WireReader.malformed }
            kind = buffer[0]
            payload += buffer[2..<n]
            first = false
            if buffer[1] == 0 { break }
        }
        do {
            return (try LaunchMessage(kind: kind, payload: payload), descriptor)
        } catch {
            if let d = descriptor { _ = Glibc.close(d) }
            throw error
        }
    }

    func close() { _ = Glibc.close(fd) }
}
