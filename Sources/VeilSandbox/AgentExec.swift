import CVeilShim
import Glibc

/// The agent's process: a vfork-style child of PID 1 that resets signals, enters the workdir,
/// marks descriptors close-on-exec, sets no_new_privs, loads the seccomp filter and execs
/// (veil_spawn_agent, in C). Capabilities are already gone: PID 1 dropped them, and the agent
/// inherits the empty sets. A failure arrives on `errors` like any setup error.
enum AgentExec {
    /// `filter`: a BPF program as SeccompFilter.receive checked it (whole instructions, at
    /// most 65535 of them).
    /// Returns the agent's pid and the listener of its uname calls (KernelIdentity).
    static func spawn(_ image: AgentImage, filter: [UInt8], errors: Int32) throws -> (pid: pid_t, unameListener: Int32) {
        let (pid, listener) = filter.withUnsafeBytes { bpf in
            var spec = veil_agent_spec(cwd: image.cwd, path: image.path, argv: image.argv, envp: image.envp,
                                       filter: bpf.baseAddress, filter_len: UInt16(filter.count / 8), errors: errors,
                                       terminal: image.terminal.fd, foreground: image.terminal.foreground ? 1 : 0,
                                       uname_listener: -1)
            let pid = veil_spawn_agent(&spec)
            return (pid, spec.uname_listener)
        }
        if pid < 0 { throw SandboxError(.exec, errno: errno, "clone for the agent") }
        return (pid, listener)
    }
}
