import CVeilShim
import Glibc

/// The agent's execve, made ready by PID 1 as soon as the plan arrives: its path, workdir, argv
/// and environment as C strings, so the agent's own process runs no Swift at all.
final class AgentImage {
    let path: UnsafeMutablePointer<CChar>
    let cwd: UnsafeMutablePointer<CChar>
    let argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    var terminal = TerminalControl()
    private let argc: Int, envc: Int

    init(executable: String, cwd: String, argv: [String], environment: [String]) {
        path = strdup(executable)
        self.cwd = strdup(cwd)
        argc = argv.count
        envc = environment.count
        self.argv = Self.cArray(argv)
        envp = Self.cArray(environment)
    }

    convenience init(_ plan: InitPlan) {
        self.init(executable: plan.executable, cwd: plan.cwd, argv: plan.argv, environment: plan.environment)
        terminal = plan.terminal
    }

    private static func cArray(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { array[i] = strdup(s) }
        array[strings.count] = nil
        return array
    }

    deinit {
        free(path)
        free(cwd)
        for i in 0..<argc { free(argv[i]) }
        for i in 0..<envc { free(envp[i]) }
        argv.deallocate()
        envp.deallocate()
    }
}
