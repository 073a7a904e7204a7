import VeilProfile

/// `veil run`'s options, declared once. The fast parser (`RunArguments`) reads a line with
/// them, `render` writes one (how a run's options travel to its inspector process), and the
/// full parser (`veil-core run`) takes each option's help from here; `veil-core __run-options`
/// prints the table, and a test checks the full parser declares exactly these.
public struct RunOption: Sendable {
    public let name: String
    public let short: String?
    /// nil for a flag.
    public let valueName: String?
    public let help: String
    /// Sets the option from its value ("" for a flag); false when the value is not one the
    /// option takes (the full parser then says why).
    let set: @Sendable (inout RunOptions, String) -> Bool
    /// The values to write back (a flag: one "" per occurrence).
    let values: @Sendable (RunOptions) -> [String]
}

extension RunOption {
    public static let profile = RunOption(
        name: "--profile", short: nil, valueName: "profile",
        help: "Profile name or file (default: chosen by command name, else `default`).",
        set: { o, v in o.profile = v; return true }, values: { $0.profile.map { [$0] } ?? [] })
    public static let workdir = RunOption(
        name: "--workdir", short: nil, valueName: "workdir",
        help: "The directory the agent works in (default: the current directory).",
        set: { o, v in o.workdir = v; return true }, values: { $0.workdir.map { [$0] } ?? [] })
    public static let upstream = RunOption(
        name: "--upstream", short: nil, valueName: "upstream",
        help: "Send model traffic to `stub` (built-in offline model) or this URL.",
        set: { o, v in
            guard RunOptions.upstreamProblem(v) == nil else { return false }
            o.upstream = v
            return true
        }, values: { $0.upstream.map { [$0] } ?? [] })
    public static let record = RunOption(
        name: "--record", short: nil, valueName: "record",
        help: "Write every exchange as JSONL to this file (secrets redacted).",
        set: { o, v in o.recordPath = v; return true }, values: { $0.recordPath.map { [$0] } ?? [] })
    public static let report = RunOption(
        name: "--report", short: nil, valueName: "report",
        help: "Write a JSON summary of the inspection to this file.",
        set: { o, v in o.reportPath = v; return true }, values: { $0.reportPath.map { [$0] } ?? [] })
    public static let failOn = RunOption(
        name: "--fail-on", short: nil, valueName: "level",
        help: "Exit with status 3 when the inspector finds anything at this severity or above: typography, marker or block.",
        set: { o, v in
            guard let level = Severity(rawValue: v) else { return false }
            o.failOn = level
            return true
        }, values: { $0.failOn.map { [$0.rawValue] } ?? [] })
    public static let failOnMarker = RunOption(
        name: "--fail-on-marker", short: nil, valueName: nil,
        help: "The same as --fail-on marker: a host marker or covert character, not the agent's own typography.",
        set: { o, _ in o.failOn = .marker; return true }, values: { _ in [] })
    public static let decoy = RunOption(
        name: "--decoy", short: nil, valueName: "DIM=VALUE",
        help: "Show a decoy value for one dimension: tz, locale, hostname, user, base-host, proxy (DIM=VALUE; repeatable; used by `veil probe`).",
        set: { o, v in
            guard let d = Decoy(v) else { return false }
            o.decoys.append(d)
            return true
        }, values: { $0.decoys.map { $0.dimension.rawValue + "=" + $0.value } })
    public static let trustProject = RunOption(
        name: "--trust-project", short: nil, valueName: nil,
        help: "Allow profiles from ./.veil/profiles (they come with the checked-out project).",
        set: { o, _ in o.trustProject = true; return true }, values: { $0.trustProject ? [""] : [] })
    public static let allowHomeWorkdir = RunOption(
        name: "--allow-home-workdir", short: nil, valueName: nil,
        help: "Allow your home directory itself as the workdir (every dotfile in it becomes writable by the agent).",
        set: { o, _ in o.allowHomeWorkdir = true; return true }, values: { $0.allowHomeWorkdir ? [""] : [] })
    public static let verbose = RunOption(
        name: "--verbose", short: "-v", valueName: nil,
        help: "Say more on standard error (repeatable): -v what veil decides, -vv how it does it.",
        set: { o, _ in o.verbosity += 1; return true }, values: { Array(repeating: "", count: $0.verbosity) })

    /// Every option, in the order `render` writes them.
    public static let all: [RunOption] = [
        profile, workdir, upstream, record, report, decoy, failOn, failOnMarker, trustProject, allowHomeWorkdir, verbose,
    ]

    /// The option a word names: `--profile`, `-v`; nil for any other word.
    static func named(_ word: String) -> RunOption? {
        all.first { $0.name == word || $0.short == word }
    }
}
