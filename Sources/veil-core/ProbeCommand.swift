import ArgumentParser
import VeilApp

struct ProbeCommand: AgentCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Find which parts of the environment an agent encodes into its outbound prompt.",
        discussion: """
            Runs the command under `veil run` against the offline stub: twice as a neutral \
            baseline (what differs between those is volatile), then once per decoy value with \
            exactly one dimension changed (tz, base-host, proxy, locale, hostname, user), several \
            at a time. Decoy values are built in (see examples/decoys.toml); --decoys adds more.
            Exit status: 4 when any dimension changes the prompt beyond volatile values, 0 when \
            none does, 125 on a veil error.
            """)

    @Option(name: .long, help: "Profile name or file (default: chosen by command name).", completion: Completions.profiles)
    var profile: String?
    @Option(name: .long, help: "Dimensions to vary, comma-separated (default: all).", completion: Completions.dimensions)
    var vary: String?
    @Option(name: .long, help: "TOML file of extra decoy values: dimension = [\"value\", ...].", completion: .file())
    var decoys: String?
    @Option(name: .long, help: "The directory the agent works in (copied for each run; default: the current directory).", completion: .directory)
    var workdir: String?
    @Option(name: .long, help: "Write the result as JSON to this file.", completion: .file())
    var json: String?
    @Option(name: .long, help: "Write a self-contained HTML report to this file.", completion: .file())
    var html: String?
    @Option(name: .shortAndLong, help: "Runs at a time (default: the number of processors).")
    var jobs: Int?
    @Option(name: .long, help: "Seconds each run may take.")
    var timeout: Double = 600
    @Flag(name: .long, help: "Keep the temporary directory (copies, records, logs).")
    var keep = false
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
    var command: [String] = []


    func validate() throws {
        try validateBeforeDoubleDash()
        guard !agentCommand.isEmpty else { throw ValidationError("give the command after --, e.g. veil probe -- claude -p hi") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        verbosity.apply()
        var o = ProbeOptions(command: agentCommand)
        o.profile = profile
        o.vary = vary
        o.decoysFile = decoys
        o.workdir = workdir
        o.jsonPath = json
        o.htmlPath = html
        o.jobs = jobs
        o.timeout = timeout
        o.keepTemp = keep
        throw ExitCode(ProbeSession.run(o))
    }
}
