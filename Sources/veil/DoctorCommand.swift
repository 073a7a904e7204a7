import ArgumentParser

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "(not yet implemented)")
    func run() throws { throw ExitCode(125) }
}
