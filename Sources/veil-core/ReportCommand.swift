import ArgumentParser
import Foundation
import VeilApp
import VeilProfile

/// `veil report`: the `--report` files of one run or of a fleet, for people and for CI.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show --report files as text, GitHub annotations, JUnit XML or one merged JSON summary.",
        discussion: """
            Several files (a matrix of runs) are read as one fleet: json merges them into one summary, \
            text adds a total, github and junit name the file of each finding. \
            github: a workflow command per finding (block: ::error, marker: ::warning, typography: ::notice). \
            junit: a testsuite per file, a failed testcase per finding at or above --fail-on (default marker).
            Exit status: 0; 3 with --fail-on LEVEL when any file has a finding at that severity or above \
            (as `veil run --fail-on`); 2 when a file cannot be read or is not a report; 64 for a usage error.
            """)

    @Option(name: .long, help: "text (default), github, junit or json.")
    var format: CIReport.Format = .text
    @Option(name: .long, help: ArgumentHelp(
        "Exit with status 3 when any report has a finding at this severity or above: typography, marker or block.",
        valueName: "level"))
    var failOn: Severity?
    @Argument(help: ArgumentHelp("The --report files of `veil run` (or of `veil report --format json`).", valueName: "report"),
              completion: .file(extensions: ["json"]))
    var files: [String] = []

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give one or more --report files, e.g. veil report report.json") }
    }

    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        verbosity.apply()
        throw ExitCode(CIReport.run(paths: files, format: format, gate: failOn,
                                    output: { FileHandle.standardOutput.write(Data($0.utf8)) },
                                    error: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
    }
}

extension CIReport.Format: ExpressibleByArgument {}
