import VeilProfile

/// A fast path for the common `veil run [OPTIONS] -- CMD ...`: launch time is a feature, and
/// swift-argument-parser's reflection costs about as much as building the sandbox. This reads
/// only well-formed command lines of the options in `RunOption.all`; anything else (help, a
/// typo, a missing value, a bad decoy) returns nil and goes to the full parser, which explains
/// the problem.
public enum RunArguments {
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
            if a == "-vv" || a == "-vvv" {  // short flags stacked, as ArgumentParser reads them
                o.verbosity += a.utf8.count - 1
                i += 1
                continue
            }
            guard let option = RunOption.named(a) else { return nil }
            if option.valueName == nil {
                _ = option.set(&o, "")
                i += 1
                continue
            }
            guard i + 1 < arguments.count, option.set(&o, arguments[i + 1]) else { return nil }
            i += 2
        }
        return nil  // no `--`: let the full parser decide
    }

    /// The command line `parse` reads back as `o`: how a run's options travel to the inspector
    /// process.
    public static func render(_ o: RunOptions) -> [String] {
        var out = ["run"]
        for option in RunOption.all {
            for value in option.values(o) { out += option.valueName == nil ? [option.name] : [option.name, value] }
        }
        return out + ["--"] + o.command
    }
}
