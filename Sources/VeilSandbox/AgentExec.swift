import CVeilShim
import Glibc

/// The agent's process: a vfork-style child of PID 1 that resets signals, enters the workdir,
/// marks descriptors close-on-exec, sets no_new_privs, loads the seccomp filter and execs
/// (veil_spawn_agent, in C). Capabilities are already gone: PID 1 dropped them, and the agent
/// inherits the empty sets. A failure comes back as a fixed struct in PID 1's memory, which
/// the child shares until its exec, and is thrown here as the stage's SandboxError.
enum AgentExec {
    /// `filter`: a BPF program as received and checked (whole instructions, at most 65535).
    /// Returns the agent's pid and the listener of its notifier (uname, and TIOCSPGRP at a
    /// terminal: veil_notify_answer), once the agent runs; throws where its spawn failed (the
    /// child has exited then; reap it).
    static func spawn(_ image: AgentImage, filter: [UInt8]) throws -> (pid: pid_t, notifyListener: Int32) {
        let (pid, listener, failure) = filter.withUnsafeBytes { bpf in
            var spec = veil_agent_spec(cwd: image.cwd, path: image.path, argv: image.argv, envp: image.envp,
                                       filter: bpf.baseAddress, filter_len: UInt16(filter.count / 8),
                                       failure: veil_agent_failure(), terminal: image.terminal.fd,
                                       foreground: image.terminal.foreground ? 1 : 0, notify_listener: -1)
            let pid = veil_spawn_agent(&spec)
            return (pid, spec.notify_listener, spec.failure)
        }
        if pid < 0 { throw SandboxError(.exec, errno: errno, "clone for the agent") }
        if let stage = Self.stage(failure.stage) {
            if listener >= 0 { close(listener) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            throw SandboxError(stage, errno: failure.error, failure.detail.map { String(cString: $0) } ?? "")
        }
        return (pid, listener)
    }

    /// C's stages (enum veil_agent_stage) as SandboxError's; nil for none.
    static func stage(_ raw: Int32) -> SandboxError.Stage? {
        switch UInt32(bitPattern: raw) {
        case VEIL_AGENT_PROCESS_GROUP.rawValue: return .processGroup
        case VEIL_AGENT_CHDIR.rawValue: return .chdir
        case VEIL_AGENT_NO_NEW_PRIVS.rawValue: return .noNewPrivs
        case VEIL_AGENT_SECCOMP.rawValue: return .seccomp
        case VEIL_AGENT_EXEC.rawValue: return .exec
        default: return nil
        }
    }
}
