import ArgumentParser
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
        func run() throws { print(ScanBenchmark.run(sizeMiB: size, iterations: iterations)) }
    }
}
