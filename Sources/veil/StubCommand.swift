import ArgumentParser

struct StubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stub", abstract: "(not yet implemented)")
    func run() throws { throw ExitCode(125) }
}
