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
        @Option(help: "Profile the shim runs with (default: chosen by command name).", completion: Completions.profiles) var profile: String?
        @Argument(help: "The agent command, e.g. claude.") var name: String
        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            let target = options.dir + "/" + name
            switch try Shim.install(name: name, dir: options.dir, profile: profile, path: path) {
            case .inEffect(let real):
                print(target)
                FileHandle.standardError.write(Data("veil shim: `\(name)` now runs \(real) inside veil (found at each start). Run `hash -r` in open shells.\n".utf8))
            case .shadowed(let real):
                FileHandle.standardError.write(Data("""
                    veil shim: installed \(target), but \(real) comes first on PATH: plain `\(name)` still runs outside veil.
                      Put \(options.dir) before \((real as NSString).deletingLastPathComponent) on PATH, then run `hash -r`.

                    """.utf8))
                throw ExitCode(1)
            case .notOnPath:
                FileHandle.standardError.write(Data("""
                    veil shim: installed \(target), but \(options.dir) is not on PATH: plain `\(name)` still runs outside veil.
                      Add it first: export PATH="\(options.dir):$PATH" (in your shell's profile), then run `hash -r`.

                    """.utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove the shim for NAME.")
        @OptionGroup var options: Options
        @Argument(help: "The agent command.") var name: String
        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            let removed = try Shim.remove(name: name, dir: options.dir)
            let said = removed ? "removed \(options.dir)/\(name); run `hash -r` in open shells" : "no shim for \(name) in \(options.dir)"
            FileHandle.standardError.write(Data("veil shim: \(said)\n".utf8))
        }
    }
}
