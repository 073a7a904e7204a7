import VeilProfile

/// A fast path for the common `veil run [OPTIONS] -- CMD ...`: launch time is a feature, and
/// swift-argument-parser's reflection costs about as much as building the sandbox. This reads
/// only well-formed command lines of the options `veil run` declares; anything else (help,
/// a typo, a missing value, a bad decoy) returns nil and goes to the full parser, which
/// explains the problem. The integration tests check both parsers accept the same options.
public enum RunArguments {
    /// The value-taking and the flag options of `veil run`, as the full parser declares them.
    public static let valueOptions = ["--profile", "--workdir", "--upstream", "--record", "--report", "--decoy",
                                      "--fail-on"]
    public static let flagOptions = ["--fail-on-marker", "--trust-project", "--allow-home-workdir", "--verbose", "-v"]

    /// `arguments` without the program name: ["run", ..., "--", CMD, ...].
    public static func parse(_ arguments: [String]) -> RunOptions? {
        guard arguments.first == "run" else { return nil }
        var o = RunOptions(command: [])
        var i = 1
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" {
                o.command = Array(arguments[(i + 1)...])
                return o.command.isEmpty ? nil : o
            }
            if flagOptions.contains(a) {
                switch a {
                case "--fail-on-marker": o.failOn = .marker
                case "--trust-project": o.trustProject = true
                case "--allow-home-workdir": o.allowHomeWorkdir = true
                default: o.verbose = true
                }
                i += 1
                continue
            }
            guard valueOptions.contains(a), i + 1 < arguments.count else { return nil }
            let v = arguments[i + 1]
            switch a {
            case "--profile": o.profile = v
            case "--workdir": o.workdir = v
            case "--upstream":
                guard RunOptions.upstreamProblem(v) == nil else { return nil }  // the full parser says why
                o.upstream = v
            case "--record": o.recordPath = v
            case "--report": o.reportPath = v
            case "--fail-on":
                guard let level = Severity(rawValue: v) else { return nil }
                o.failOn = level
            default:
                guard let d = Decoy(v) else { return nil }
                o.decoys.append(d)
            }
            i += 2
        }
        return nil  // no `--`: let the full parser decide
    }

    /// The command line `parse` reads back as `o`: how a run's options travel to the inspector
    /// process.
    public static func render(_ o: RunOptions) -> [String] {
        var out = ["run"]
        let values: [(String, String?)] = [("--profile", o.profile), ("--workdir", o.workdir), ("--upstream", o.upstream),
                                           ("--record", o.recordPath), ("--report", o.reportPath)]
        for case let (name, value?) in values { out += [name, value] }
        for d in o.decoys { out += ["--decoy", d.dimension.rawValue + "=" + d.value] }
        if let level = o.failOn { out += ["--fail-on", level.rawValue] }
        if o.trustProject { out.append("--trust-project") }
        if o.allowHomeWorkdir { out.append("--allow-home-workdir") }
        if o.verbose { out.append("--verbose") }
        return out + ["--"] + o.command
    }
}
