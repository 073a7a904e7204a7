import ArgumentParser
import VeilProfile

/// `run`, `compare` and `probe` take the agent's command after `--`. ArgumentParser's
/// passthrough argument also swallows whatever it did not know before `--`, so a mistyped
/// option (`--profle aider`) became the agent's command ("command not found", 127). Before
/// `--`, an unknown option is a usage error (exit 64) naming the closest declared one.
protocol AgentCommandLine: ParsableCommand {
    var command: [String] { get }
}

extension AgentCommandLine {
    var agentCommand: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validateBeforeDoubleDash() throws {
        guard let first = command.first, first != "--", first.hasPrefix("-") else { return }
        // `--help` there is ours, not the agent's.
        if first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
        let option = String(first.split(separator: "=", maxSplits: 1).first ?? Substring(first))
        var message = "unknown option '\(option)'"
        // Long options only: between two-letter ones every guess is one edit away.
        if option.hasPrefix("--"), let near = Suggestion.closest(to: option, among: Self.declaredOptions.filter { $0.hasPrefix("--") }) {
            message += "; did you mean '\(near)'?"
        }
        throw ValidationError(message + " (the agent's own options go after --)")
    }

    /// The options the command declares, as its help lists them.
    static var declaredOptions: [String] {
        helpMessage().split(whereSeparator: { " ,\n[]<>=".contains($0) })
            .filter { $0.hasPrefix("-") && $0 != "--" && $0.count > 1 }.map(String.init)
    }
}
