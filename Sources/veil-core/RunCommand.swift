import ArgumentParser
import VeilApp
import VeilLaunch

/// The full parser of `veil run`: help, usage errors, suggestions. Its options are the table's
/// (`RunOption.all`: names checked by the integration tests against `veil-core __run-options`,
/// help taken from it); well-formed lines never reach it (`RunArguments`).
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

    @Option(name: .long, help: ArgumentHelp(RunOption.profile.help), completion: Completions.profiles)
    var profile: String?
    @Option(name: .long, help: ArgumentHelp(RunOption.workdir.help), completion: .directory)
    var workdir: String?
    @Option(name: .long, help: ArgumentHelp(RunOption.upstream.help))
    var upstream: String?
    @Option(name: .long, help: ArgumentHelp(RunOption.record.help), completion: .file())
    var record: String?
    @Option(name: .long, help: ArgumentHelp(RunOption.report.help), completion: .file())
    var report: String?
    @OptionGroup var gate: GateOptions
    @Option(name: .long, help: ArgumentHelp(RunOption.decoy.help, valueName: "DIM=VALUE"))
    var decoy: [String] = []
    @Flag(name: .long, help: ArgumentHelp(RunOption.trustProject.help))
    var trustProject = false
    @Flag(name: .long, help: ArgumentHelp(RunOption.allowHomeWorkdir.help))
    var allowHomeWorkdir = false
    @OptionGroup var verbosity: VerbosityOptions
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
        o.verbosity = verbosity.verbose
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

/// Internal: `veil run`'s option table, one option a line (name, short name, value name, help),
/// for the test that checks the full parser declares exactly these.
struct RunOptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "__run-options", shouldDisplay: false)

    func run() throws {
        for o in RunOption.all { print([o.name, o.short ?? "", o.valueName ?? "", o.help].joined(separator: "\t")) }
    }
}
