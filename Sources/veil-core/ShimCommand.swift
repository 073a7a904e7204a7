import ArgumentParser
import Foundation
import VeilApp

struct ShimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shim", abstract: "Make a plain agent command (e.g. `claude`) always run inside veil.",
        subcommands: [Install.self, Remove.self])

    struct Options: ParsableArguments {
        @Option(help: "Directory for the shim; it must come before the real command on PATH.")
        var dir = (ProcessInfo.processInfo.environment["HOME"] ?? "~") + "/.local/bin"
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "install", abstract: "Install a shim for NAME.")
        @OptionGroup var options: Options
        @Option(help: "Profile the shim runs with (default: chosen by command name).") var profile: String?
        @Argument(help: "The agent command, e.g. claude.") var name: String
        func run() throws {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            print(try Shim.install(name: name, dir: options.dir, profile: profile, path: path))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove the shim for NAME.")
        @OptionGroup var options: Options
        @Argument(help: "The agent command.") var name: String
        func run() throws { try Shim.remove(name: name, dir: options.dir) }
    }
}
