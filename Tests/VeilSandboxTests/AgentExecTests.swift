import CVeilShim
import Glibc
import Testing
import VeilProfile
@testable import VeilSandbox

/// The agent's spawn (veil_spawn_agent): what the agent starts with, and how each failure
/// reaches veil.
@Suite struct AgentExecTests {
    /// One BPF instruction, RET SECCOMP_RET_ALLOW: a filter the test's child can load.
    static let allowAll: [UInt8] = [0x06, 0, 0, 0, 0x00, 0x00, 0xFF, 0x7F]

    /// Spawns `image`; returns the setup error (the C child's fixed struct, as a SandboxError)
    /// or the agent's shell-style status.
    func spawn(_ image: AgentImage) throws -> (SandboxError?, Int32?) {
        do {
            let (pid, listener) = try AgentExec.spawn(image, filter: Self.allowAll)
            // Nobody answers uname here: with the listener closed it fails (ENOSYS) instead of waiting.
            if listener >= 0 { close(listener) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return (nil, SignalForwarding.shellStatus(status))
        } catch let e as SandboxError {
            return (e, nil)
        }
    }

    @Test func theAgentGetsItsArgvEnvironmentWorkdirAndCleanState() throws {
        // A descriptor of ours without close-on-exec must not reach the agent.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let script = """
            test "$0" = agent-name && test "$1" = one && test "$FOO" = bar && test "$(pwd)" = /tmp \
            && test ! -e /proc/self/fd/\(leaked) \
            && grep -q '^NoNewPrivs:.1$' /proc/$$/status && grep -q '^Seccomp:.2$' /proc/$$/status && exit 3
            exit 1
            """
        let (error, status) = try spawn(AgentImage(executable: "/bin/sh", cwd: "/tmp",
                                                    argv: ["/bin/sh", "-c", script, "agent-name", "one"],
                                                    environment: ["FOO=bar", "PATH=/usr/bin:/bin"]))
        #expect(error == nil)
        #expect(status == 3)
    }

    @Test func signalsAreUnblockedAndDefault() throws {
        // PID 1 blocks the signals it forwards (and veil's callers may ignore some); the
        // agent starts with neither. grep is exec'd directly: a shell would reset its own mask.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR1)
        var saved = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        for field in ["SigBlk", "SigIgn"] {
            let (error, status) = try spawn(AgentImage(executable: "/bin/grep", cwd: "/",
                                                        argv: ["grep", "-q", "^\(field):.0*$", "/proc/self/status"],
                                                        environment: []))
            #expect(error == nil)
            #expect(status == 0, "\(field) is not empty in the agent")
        }
    }

    @Test func aMissingProgramIsAnExecErrorWithStatus127() throws {
        let (error, status) = try spawn(AgentImage(executable: "/nonexistent/agent", cwd: "/", argv: ["agent"], environment: []))
        #expect(error == SandboxError(.exec, errno: ENOENT, "/nonexistent/agent"))
        #expect(error?.exitStatus == 127 && status == nil)
    }

    @Test func aProgramThatIsNotExecutableGives126() throws {
        let (error, status) = try spawn(AgentImage(executable: "/etc/passwd", cwd: "/", argv: ["passwd"], environment: []))
        #expect(error?.stage == .exec && error?.errno == EACCES)
        #expect(error?.exitStatus == 126 && status == nil)
    }

    @Test func aMissingWorkdirIsReportedAsThatStage() throws {
        let (error, status) = try spawn(AgentImage(executable: "/bin/true", cwd: "/nonexistent-workdir", argv: ["true"], environment: []))
        #expect(error == SandboxError(.chdir, errno: ENOENT, "/nonexistent-workdir"))
        #expect(error?.exitStatus == 125 && status == nil)
    }
}

/// The filter veil compiles before it hands it to the sandbox.
@Suite struct FilterCompileTests {
    @Test func theProgramIsWholeInstructionsAndGrowsWithTheProfilesDenies() throws {
        let base = try SeccompFilter.compile(SeccompPolicy())
        #expect(!base.isEmpty && base.count % 8 == 0)
        let more = try SeccompFilter.compile(SeccompPolicy(extraDeny: ["getppid", "uname"]))
        #expect(more.count > base.count)
        #expect(throws: SandboxError.self) { try SeccompFilter.compile(SeccompPolicy(extraDeny: ["zqx_no_such_call"])) }
    }

    /// A launch loads what libseccomp compiles, built in or not: the default policy's program
    /// compiled at build time, a profile's own changes compiled now.
    @Test func theLaunchesProgramIsWhatLibseccompCompiles() throws {
        let compiled = try SeccompFilter.compile(SeccompPolicy())
        #expect(try SeccompFilter.program(SeccompPolicy()) == compiled)
        let custom = SeccompPolicy(extraDeny: ["getppid"], allow: ["ptrace"])
        #expect(try SeccompFilter.program(custom) == SeccompFilter.compile(custom))
        #expect(try SeccompFilter.program(custom) != compiled)
        #expect(throws: SandboxError.self) { try SeccompFilter.program(SeccompPolicy(extraDeny: ["zqx_no_such_call"])) }
    }

    /// The built-in program is current: a rule changed (or libseccomp upgraded) without running
    /// scripts/embed-profiles fails here. Built where another libseccomp is linked, launches
    /// compile instead (the test above), and the file is not this build's to check.
    @Test func theBuiltInProgramIsCurrent() throws {
        #if arch(x86_64)
        let built = try #require(SeccompFilter.defaultProgram)
        guard built.library == SeccompFilter.linkedLibrary else { return }
        #expect(built.program == (try SeccompFilter.compile(SeccompPolicy())), "run scripts/embed-profiles")
        let tests = "\(#filePath)".split(separator: "/").prefix { $0 != "Tests" }
        let path = "/" + tests.joined(separator: "/") + "/Sources/VeilSandbox/SeccompFilter+Default.swift"
        let file = String(decoding: try #require(HostFiles.read(path)), as: UTF8.self)
        #expect(file == (try SeccompFilter.defaultProgramSource()), "run scripts/embed-profiles")
        #endif
    }
}
