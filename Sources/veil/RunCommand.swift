import ArgumentParser
import VeilApp

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command (a coding agent) inside the sandbox.",
        discussion: """
            Exit status: the command's; 128+N if signal N killed it; 125 for a veil error, \
            126 if the command cannot be executed, 127 if it is not found; 3 with \
            --fail-on-marker when the inspector found a host marker or covert character.
            """)

    @Option(name: .long, help: "Profile name or file (default: chosen by command name, else `default`).")
    var profile: String?
    @Option(name: .long, help: "The directory the agent works in (default: the current directory).")
    var workdir: String?
    @Option(name: .long, help: "Send model traffic to `stub` (built-in offline model) or this URL.")
    var upstream: String?
    @Option(name: .long, help: "Write every exchange as JSONL to this file (secrets redacted).")
    var record: String?
    @Option(name: .long, help: "Write a JSON summary of the inspection to this file.")
    var report: String?
    @Flag(name: .long, help: "Exit with status 3 when the inspector finds anything.")
    var failOnMarker = false
    @Flag(name: .shortAndLong, help: "Show what was dropped, rewritten and mounted.")
    var verbose = false
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        if command.first == "--" { return }
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. veil run -- claude") }
    }

    func run() throws {
        var o = RunOptions(command: command.first == "--" ? Array(command.dropFirst()) : command)
        o.profile = profile
        o.workdir = workdir
        o.verbose = verbose
        o.upstream = upstream
        o.recordPath = record
        o.reportPath = report
        o.failOnMarker = failOnMarker
        throw ExitCode(RunSession.run(o))
    }
}
