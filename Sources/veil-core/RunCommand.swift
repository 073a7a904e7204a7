import ArgumentParser
import VeilApp
import VeilLaunch

struct RunCommand: AgentCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command (a coding agent) inside the sandbox.",
        discussion: """
            Exit status: the command's; 128+N if signal N killed it; 64 for a usage error; 125 for a veil error, \
            126 if the command cannot be executed, 127 if it is not found; 3 with \
            --fail-on LEVEL when the inspector found anything at that severity or above \
            (typography < marker < block; --fail-on-marker is --fail-on marker).
            """)

    @Option(name: .long, help: "Profile name or file (default: chosen by command name, else `default`).", completion: Completions.profiles)
    var profile: String?
    @Option(name: .long, help: "The directory the agent works in (default: the current directory).", completion: .directory)
    var workdir: String?
    @Option(name: .long, help: "Send model traffic to `stub` (built-in offline model) or this URL.")
    var upstream: String?
    @Option(name: .long, help: "Write every exchange as JSONL to this file (secrets redacted).", completion: .file())
    var record: String?
    @Option(name: .long, help: "Write a JSON summary of the inspection to this file.", completion: .file())
    var report: String?
    @OptionGroup var gate: GateOptions
    @Option(name: .long, help: ArgumentHelp("Show a decoy value for one dimension: tz, locale, hostname, user, base-host, proxy (DIM=VALUE; repeatable; used by `veil probe`).", valueName: "DIM=VALUE"))
    var decoy: [String] = []
    @Flag(name: .long, help: "Allow profiles from ./.veil/profiles (they come with the checked-out project).")
    var trustProject = false
    @Flag(name: .long, help: "Allow your home directory itself as the workdir (every dotfile in it becomes writable by the agent).")
    var allowHomeWorkdir = false
    @Flag(name: .shortAndLong, help: "Show what was dropped, rewritten and mounted.")
    var verbose = false
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        try validateBeforeDoubleDash()
        if let u = upstream, let problem = RunOptions.upstreamProblem(u) { throw ValidationError(problem) }
        for d in decoy where Decoy(d) == nil {
            throw ValidationError("--decoy \(d): expected DIM=VALUE with DIM one of \(Decoy.Dimension.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !agentCommand.isEmpty else { throw ValidationError("give the command after --, e.g. veil run -- claude") }
    }


    func run() throws {
        var o = RunOptions(command: agentCommand)
        o.profile = profile
        o.workdir = workdir
        o.verbose = verbose
        o.upstream = upstream
        o.recordPath = record
        o.reportPath = report
        o.failOn = gate.level
        o.decoys = decoy.compactMap(Decoy.init)
        o.trustProject = trustProject
        o.allowHomeWorkdir = allowHomeWorkdir
        throw ExitCode(RunLauncher.run(o, core: Binaries.ownPath()))
    }
}
