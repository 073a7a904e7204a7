import ArgumentParser
import Foundation
import Glibc
import VeilApp
import VeilLaunch
import VeilProfile

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
            InspectCommand.self, StubCommand.self, CompareCommand.self, ProbeCommand.self, ReportCommand.self, RunOptionsCommand.self,
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
        if let unknown = unknownSubcommand(arguments, of: Veil.self, path: ["veil"]) {
            FileHandle.standardError.write(Data((unknown + "\n").utf8))
            Glibc.exit(64)
        }
        main(nil)
    }

    /// `veil runn` or `veil profile shwo`: the word that names no subcommand, with the nearest
    /// one (ArgumentParser only says "unexpected argument").
    static func unknownSubcommand(_ args: [String], of command: ParsableCommand.Type, path: [String]) -> String? {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty, let word = args.first, !word.hasPrefix("-") else { return nil }
        let names = subcommands.map { $0._commandName }
        if let i = names.firstIndex(of: word) {
            return unknownSubcommand(Array(args.dropFirst()), of: subcommands[i], path: path + [word])
        }
        if word == "help" { return nil }
        let hint = Suggestion.closest(to: word, among: names).map { "; did you mean '\($0)'?" } ?? ""
        return "veil: unknown command '\(word)' for `\(path.joined(separator: " "))`\(hint)\n"
            + "  commands: \(subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }.joined(separator: ", "))"
        + "; see `\(path.joined(separator: " ")) --help`"
    }
}
