import ArgumentParser
import VeilApp
import VeilLaunch

struct CompareCommand: AgentCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run a command on the host and under veil, and show how its outbound requests differ.",
        discussion: """
            The host arm runs the command as it is, with only its base-URL variables pointed at a \
            recording inspector; the veil arm runs it under `veil run`. Each works on its own copy \
            of the workdir, against the same upstream (the offline stub by default). Volatile \
            values (ids, UUIDs, timestamps, temp paths, loopback ports) are set aside unless --raw.
            Exit status: 4 when the outbound requests differ beyond volatile values, 0 when not, \
            125 on a veil error.
            """)

    @Option(name: .long, help: "Profile name or file (default: chosen by command name).", completion: Completions.profiles)
    var profile: String?
    @Option(name: .long, help: "Upstream for both arms: `stub` (offline, deterministic) or a URL.")
    var upstream = "stub"
    @Option(name: .long, help: "The directory the agent works in (copied for each arm; default: the current directory).", completion: .directory)
    var workdir: String?
    @Option(name: .long, help: "Write the result as JSON to this file.", completion: .file())
    var json: String?
    @Option(name: .long, help: "Write a self-contained HTML report to this file.", completion: .file())
    var html: String?
    @Flag(name: .long, help: "Normalise nothing: show volatile values too.")
    var raw = false
    @Option(name: .long, help: "Seconds each arm (the host run and the veil run, side by side) may run before it is stopped; a progress line shows both on a terminal.")
    var timeout: Double = 600
    @Flag(name: .long, help: "Keep the temporary directory (copies, records, logs).")
    var keep = false
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
    var command: [String] = []


    func validate() throws {
        try validateBeforeDoubleDash()
        if let problem = RunOptions.upstreamProblem(upstream) { throw ValidationError(problem) }
        guard !agentCommand.isEmpty else { throw ValidationError("give the command after --, e.g. veil compare -- claude -p hi") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        verbosity.apply()
        var o = CompareOptions(command: agentCommand)
        o.profile = profile
        o.upstream = upstream
        o.workdir = workdir
        o.jsonPath = json
        o.htmlPath = html
        o.raw = raw
        o.timeout = timeout
        o.keepTemp = keep
        throw ExitCode(CompareSession.run(o))
    }
}
