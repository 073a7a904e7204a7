import ArgumentParser
import Glibc
import VeilApp

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

    /// `veil run ... -- CMD` skips the reflective parser when the line is well-formed.
    static func main() {
        if let options = RunArguments.parse(Array(CommandLine.arguments.dropFirst())) {
            Glibc.exit(RunSession.run(options))
        }
        main(nil)
    }
}
