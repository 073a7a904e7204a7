import ArgumentParser
import Foundation
import VeilScan

/// `veil bench scan`: the inspector's scanner alone, for the README's figures (not a test).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure veil's own parts (figures for the README).",
        subcommands: [Scan.self])

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Scanner throughput on a realistic request with canaries and covert characters, one core.")
        @Option(help: "Request size in MiB.") var size = 1
        @Option(help: "Timed runs.") var iterations = 50
        @Option(help: "Scan this request body instead of the built-in one (--size is then ignored).") var file: String?
        @Flag(help: "Use this machine's own canaries, as `veil inspect` does, instead of a made-up host's.")
        var thisHost = false
        @OptionGroup var verbosity: VerbosityOptions

        func run() throws {
            verbosity.apply()
            let body = try file.map { path -> [UInt8] in
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationError("cannot read \(path)")
                }
                return [UInt8](data)
            }
            print(ScanBenchmark.run(sizeMiB: size, iterations: iterations, body: body, thisHost: thisHost))
        }
    }
}
