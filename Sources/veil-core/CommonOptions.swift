import ArgumentParser
import VeilLaunch
import VeilProfile

/// The CI gate of `run` and `inspect`: `--fail-on LEVEL`, and `--fail-on-marker` for the
/// default gate, `--fail-on marker`.
struct GateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(RunOption.failOn.help, valueName: "level"))
    var failOn: Severity?
    @Flag(name: .long, help: ArgumentHelp(RunOption.failOnMarker.help))
    var failOnMarker = false

    /// The gate asked for, if any.
    var level: Severity? { failOn ?? (failOnMarker ? .marker : nil) }
}

extension Severity: ExpressibleByArgument {}

/// `-v`, `-vv`: every command says more on standard error (`Verbosity`).
struct VerbosityOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: ArgumentHelp(RunOption.verbose.help))
    var verbose: Int

    /// Sets the process's level; commands call it first.
    func apply() { Verbosity.set(verbose) }
}
