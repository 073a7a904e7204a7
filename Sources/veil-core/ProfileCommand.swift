import ArgumentParser
import VeilProfile
import VeilSandbox
import VeilScan

#if canImport(Glibc)
import Glibc
#endif

/// `veil profile list|show|check`: thin wrappers over ProfileLoader.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "List, show and check sandbox profiles.",
        discussion: """
            Profiles are searched in ./.veil/profiles, then $XDG_CONFIG_HOME/veil/profiles \
            (~/.config/veil/profiles), then the profiles shipped with veil.
            """,
        subcommands: [List.self, Show.self, Check.self, Embed.self])

    /// Profile errors exit with 2, like a usage error: the input is wrong, not veil.
    static func fail(_ error: Error) -> ExitCode {
        printError("veil: \(error)")
        return ExitCode(2)
    }

    static func printError(_ message: String) {
        var stderr = StandardError()
        print(message, to: &stderr)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List every visible profile, where it comes from and what it is for.")

        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            Verbosity.say(1, "profiles: " + ProfileLoader().searchDescription)
            let loader = ProfileLoader()
            let items = loader.list()
            let width = items.map(\.name.count).max() ?? 0
            for item in items {
                let name = item.name.padding(toLength: width)
                let commands = item.commands.isEmpty ? "" : "  [commands: \(item.commands.joined(separator: ", "))]"
                print("\(name)  \(Self.origin(item.source))  \(item.error.map { "BROKEN: \($0)" } ?? item.description)\(commands)")
                for hidden in item.shadowed {
                    print("\("".padding(toLength: width))    hides \(Self.origin(hidden))")
                }
            }
        }

        static func origin(_ s: ProfileSource) -> String {
            s.origin == .shipped ? "shipped" : "\(s.origin.rawValue) \(s.path)"
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print a profile after inheritance, as TOML.")

        @Argument(help: "A profile name, or a path to a .toml file.")
        var profile: String

        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            Verbosity.say(1, "profiles: " + ProfileLoader().searchDescription)
            do {
                let resolved = try ProfileLoader().resolve(profile)
                let chain = resolved.chain.map { "\($0.name) (\($0.origin == .shipped ? "shipped" : $0.path))" }
                print("# profile \(resolved.profile.name): " + chain.joined(separator: " → "))
                print(resolved.profile.tomlText(), terminator: "")
            } catch {
                throw ProfileCommand.fail(error)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a profile file (and everything it extends); print ok or the first error.")

        @Argument(help: "Path to a profile .toml file (a bare name is looked up like --profile).")
        var file: String

        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            Verbosity.say(1, "profiles: " + ProfileLoader().searchDescription)
            do {
                _ = try ProfileLoader().resolve(file)
                print("ok")
            } catch {
                throw ProfileCommand.fail(error)
            }
        }
    }
}

extension ProfileCommand {
    /// `veil profile embed`: the Swift source of the compiled-in layers, for scripts/embed-profiles.
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embed", abstract: "Print ShippedLayers.swift (a build step, not for users).",
            shouldDisplay: false)

        @Flag(help: "Print SeccompFilter+Default.swift instead: the default policy's filter, compiled.")
        var seccomp = false
        @Flag(help: "Print Fold+Built.swift instead: what the scanner's view changes, from Unicode's properties.")
        var fold = false
        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            if seccomp {
                do { print(try SeccompFilter.defaultProgramSource(), terminator: "") } catch {
                    throw ProfileCommand.fail(error)
                }
                return
            }
            if fold {
                print(FoldChanges.builtSource(), terminator: "")
                return
            }
            Verbosity.say(1, "profiles: " + ProfileLoader().searchDescription)
            do { print(try ShippedLayersSource.swiftFile(ShippedProfiles.files), terminator: "") } catch {
                throw ProfileCommand.fail(error)
            }
        }
    }
}

/// stderr as a TextOutputStream, so errors do not mix with `show` output on stdout.
private struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        let bytes = Array(string.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

extension String {
    fileprivate func padding(toLength n: Int) -> String {
        count >= n ? self : self + String(repeating: " ", count: n - count)
    }
}
