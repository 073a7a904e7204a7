import ArgumentParser
import VeilProfile

/// The CI gate of `run` and `inspect`: `--fail-on LEVEL`, and `--fail-on-marker` for the
/// default gate, `--fail-on marker`.
struct GateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Exit with status 3 when the inspector finds anything at this severity or above: typography, marker or block.",
        valueName: "level"))
    var failOn: Severity?
    @Flag(name: .long, help: "The same as --fail-on marker: a host marker or covert character, not the agent's own typography.")
    var failOnMarker = false

    /// The gate asked for, if any.
    var level: Severity? { failOn ?? (failOnMarker ? .marker : nil) }
}

extension Severity: ExpressibleByArgument {}
