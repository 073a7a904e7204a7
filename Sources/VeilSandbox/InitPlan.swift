import Glibc
import VeilProfile

/// What the sandbox's PID 1 needs of the plan. PID 1 is forked before veil has planned (the
/// kernel makes the namespaces meanwhile, on another CPU), so the plan reaches it on the
/// launch channel (LaunchHandshake), in two messages of a small binary form (fixed-width
/// little-endian integers, length-prefixed strings): first the basics, which come from the
/// profile alone, so that PID 1 maps its ids and enters the staging root while veil goes on
/// planning; then the rest.
struct InitPlan: Equatable {
    var hostname: String
    /// The root's ops the sandbox makes itself (RootFiles.split's inside half).
    var mounts: [MountOp]
    /// The directories veil makes on the new root before the sandbox mounts
    /// (RootFiles.mountPoints): the sandbox finds them there without asking.
    var madeByVeil: [String]
    var executable: String
    var cwd: String
    var argv: [String]
    var environment: [String]
    var terminal: TerminalControl
    var kernel: KernelIdentity
    var limits: Profile.Limits

    init(_ plan: LaunchPlan, mounts: [MountOp], madeByVeil: [String] = []) {
        hostname = plan.hostname
        self.mounts = mounts
        self.madeByVeil = madeByVeil
        executable = plan.executable
        cwd = plan.cwd
        argv = plan.argv
        environment = plan.environment
        terminal = plan.terminal
        kernel = plan.kernel
        limits = plan.limits
    }

    func encoded() -> [UInt8] {
        WireWriter.message { w in
            w.string(hostname)
            w.int(UInt32(mounts.count))
            for op in mounts { w.op(op) }
            w.strings(madeByVeil)
            w.string(executable)
            w.string(cwd)
            w.strings(argv)
            w.strings(environment)
            w.int(UInt32(bitPattern: terminal.fd))
            w.bool(terminal.foreground)
            w.string(kernel.release)
            w.string(kernel.version)
            for v in [limits.pids, limits.memoryMB, limits.openFiles, limits.coreMB, limits.cpuSeconds] { w.int64(UInt64(v)) }
        }
    }

    /// Decodes what `encoded()` made.
    init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes: bytes)
        hostname = try r.string()
        mounts = []
        for _ in 0..<(try r.count()) { mounts.append(try r.op()) }
        madeByVeil = try r.strings()
        executable = try r.string()
        cwd = try r.string()
        argv = try r.strings()
        environment = try r.strings()
        terminal = TerminalControl(fd: Int32(bitPattern: try r.int()), foreground: try r.bool())
        kernel = KernelIdentity(release: try r.string(), version: try r.string())
        // In encoded()'s order. (Not a loop over key paths: PID 1 would build them at run
        // time, about 50 µs on its critical path.)
        limits = Profile.Limits()
        limits.pids = Int(truncatingIfNeeded: try r.int64())
        limits.memoryMB = Int(truncatingIfNeeded: try r.int64())
        limits.openFiles = Int(truncatingIfNeeded: try r.int64())
        limits.coreMB = Int(truncatingIfNeeded: try r.int64())
        limits.cpuSeconds = Int(truncatingIfNeeded: try r.int64())
        try r.end()
    }
}

extension LaunchPlan.Basics {
    func encoded() -> [UInt8] {
        WireWriter.message { w in
            w.int(uid)
            w.int(gid)
            w.int(UInt32(inspectorPort.map { $0 + 1 } ?? 0))
            w.strings(seccomp.extraDeny)
            w.strings(seccomp.allow)
        }
    }

    init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes: bytes)
        let uid = try r.int(), gid = try r.int(), port = try r.int()
        self.init(uid: uid, gid: gid, inspectorPort: port == 0 ? nil : Int(port) - 1,
                  seccomp: SeccompPolicy(extraDeny: try r.strings(), allow: try r.strings()))
        try r.end()
    }
}

private enum OpTag: UInt8 {
    case dir, tmpfs, bind, copy, device, symlink, file, proc, devpts, mask, readOnly, hide, verify, sysctl, gitControl, scratch
}

/// The launch channel's binary form, written (WireReader reads it back).
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func int(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func string(_ s: String) {
        int(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    mutating func strings(_ list: [String]) {
        int(UInt32(list.count))
        for s in list { string(s) }
    }
    /// What `body` writes.
    static func message(_ body: (inout WireWriter) -> Void) -> [UInt8] {
        var w = WireWriter()
        body(&w)
        return w.bytes
    }

    mutating func op(_ op: MountOp) {
        switch op {
        case .dir(let path, let mode): tag(.dir); string(path); int(mode)
        case .tmpfs(let path, let mode): tag(.tmpfs); string(path); int(mode)
        case .scratch(let path, let mode): tag(.scratch); string(path); int(mode)
        case .bind(let source, let target, let readOnly, let optional):
            tag(.bind); string(source); string(target); bool(readOnly); bool(optional)
        case .copy(let source, let target, let optional): tag(.copy); string(source); string(target); bool(optional)
        case .device(let path): tag(.device); string(path)
        case .symlink(let path, let target): tag(.symlink); string(path); string(target)
        case .file(let path, let contents, let mode): tag(.file); string(path); string(contents); int(mode)
        case .proc(let path): tag(.proc); string(path)
        case .devpts(let path): tag(.devpts); string(path)
        case .mask(let path, let contents): tag(.mask); string(path); string(contents)
        case .readOnly(let path): tag(.readOnly); string(path)
        case .hide(let path): tag(.hide); string(path)
        case .verify(let path, let device, let inode): tag(.verify); string(path); int64(device); int64(inode)
        case .sysctl(let path, let value): tag(.sysctl); string(path); string(value)
        case .gitControl(let workdir): tag(.gitControl); string(workdir)
        }
    }

    private mutating func tag(_ t: OpTag) { bytes.append(t.rawValue) }
}

struct WireReader {
    static let malformed = SandboxError(.plan, errno: EINVAL, "malformed message on the launch channel")
    let bytes: [UInt8]
    var at = 0

    func end() throws { guard at == bytes.count else { throw Self.malformed } }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - at >= n else { throw Self.malformed }
        defer { at += n }
        return bytes[at..<at + n]
    }
    mutating func int() throws -> UInt32 {
        try take(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
    }
    mutating func int64() throws -> UInt64 {
        try take(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }
    mutating func count() throws -> Int {
        let n = Int(try int())
        guard n <= bytes.count - at else { throw Self.malformed }  // each item takes a byte at least
        return n
    }
    mutating func bool() throws -> Bool { try take(1).first! != 0 }
    mutating func string() throws -> String { String(decoding: try take(Int(try int())), as: UTF8.self) }
    mutating func strings() throws -> [String] {
        var list: [String] = []
        for _ in 0..<(try count()) { list.append(try string()) }
        return list
    }

    mutating func op() throws -> MountOp {
        guard let tag = OpTag(rawValue: try take(1).first!) else { throw Self.malformed }
        switch tag {
        case .dir: return .dir(try string(), mode: try int())
        case .tmpfs: return .tmpfs(try string(), mode: try int())
        case .scratch: return .scratch(try string(), mode: try int())
        case .bind: return .bind(source: try string(), target: try string(), readOnly: try bool(), optional: try bool())
        case .copy: return .copy(source: try string(), target: try string(), optional: try bool())
        case .device: return .device(try string())
        case .symlink: return .symlink(try string(), to: try string())
        case .file: return .file(try string(), contents: try string(), mode: try int())
        case .proc: return .proc(try string())
        case .devpts: return .devpts(try string())
        case .mask: return .mask(try string(), contents: try string())
        case .readOnly: return .readOnly(try string())
        case .hide: return .hide(try string())
        case .verify: return .verify(try string(), device: try int64(), inode: try int64())
        case .sysctl: return .sysctl(try string(), value: try string())
        case .gitControl: return .gitControl(try string())
        }
    }
}
