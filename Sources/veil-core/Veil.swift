import ArgumentParser
import Glibc
import VeilApp
import VeilLaunch

/// The root command. It is synchronous on purpose: `veil run` forks the sandbox while the
/// process is still single-threaded, before any NIO event loop or Swift task exists.
@main
struct Veil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "veil",
        abstract: "Run AI coding agents in a sandbox that looks like nobody's machine, "
            + "and inspect every byte they send to their model.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, DoctorCommand.self, ProfileCommand.self, FactsCommand.self, BenchCommand.self, ShimCommand.self,
            InspectCommand.self, StubCommand.self, CompareCommand.self, ProbeCommand.self,
        ])

    /// A run's inspector (started by `veil run`), and `veil run ... -- CMD` when the line is
    /// well-formed, skip the reflective parser.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let handoff = InspectorHandoff.parse(arguments) {
            Glibc.exit(InspectorService.serve(handoff))
        }
        if let options = RunArguments.parse(arguments) {
            Glibc.exit(RunLauncher.run(options, core: Binaries.ownPath()))
        }
        main(nil)
    }
}
