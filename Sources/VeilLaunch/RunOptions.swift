import VeilProfile

/// What `veil run` was asked to do: the options of the command line, parsed by either the
/// fast parser (`RunArguments`) or the full one (`veil-core run`).
public struct RunOptions: Sendable, Equatable {
    public var profile: String?
    public var workdir: String?
    /// `-v` given this many times (`Verbosity`).
    public var verbosity = 0
    public var upstream: String?
    public var recordPath: String?
    public var reportPath: String?
    /// The gate: a finding at this severity or above makes the run exit 3 (`--fail-on`;
    /// `--fail-on-marker` is `--fail-on marker`). Nil: findings do not change the status.
    public var failOn: Severity?
    /// Dimensions set to decoy values (`veil probe`).
    public var decoys: [Decoy] = []
    /// Profiles from ./.veil/profiles may be used.
    public var trustProject = false
    /// The home directory itself may be the workdir.
    public var allowHomeWorkdir = false
    public var command: [String]

    public init(command: [String]) { self.command = command }

    /// Results were asked for, so the inspector runs from the start (and writes them even if
    /// the agent never called its model).
    public var wantsResults: Bool { recordPath != nil || reportPath != nil || failOn != nil }
}

extension RunOptions {
    /// Why `value` cannot be an `--upstream`, or nil: `stub`, or an http(s) URL with a host.
    /// Checked before anything starts (a bad one reached the agent as the inspector's error).
    public static func upstreamProblem(_ value: String) -> String? {
        if value == "stub" { return nil }
        let lower = value.lowercased()
        guard ["https://", "http://"].contains(where: { lower.hasPrefix($0) }) else {
            return "--upstream \(value): expected `stub` or an http(s) URL such as https://api.anthropic.com"
        }
        // Read as the inspector will read it, so what passes here is what it dials.
        guard AbsoluteURI(value) != nil else {
            return "--upstream \(value): the URL names no host, or a port that is not 1-65535"
        }
        return nil
    }
}
