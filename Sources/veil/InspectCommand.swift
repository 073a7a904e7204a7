import ArgumentParser

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "(not yet implemented)")
    func run() throws { throw ExitCode(125) }
}
