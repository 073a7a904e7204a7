import VeilProfile

/// Which profile a run uses: the one named (or a file), else the one whose `[agent] commands`
/// lists the command's basename, else `default`.
///
/// A profile from `./.veil/profiles` comes with whatever repository is checked out, and a
/// profile decides what the sandbox shows and lets out. So one is used only when the user says
/// they trust the project (`--trust-project`); otherwise the run stops and says so.
public enum ProfileSelection {
    /// `reference` is what was chosen (the name or path given, or the name picked by command):
    /// the inspector process loads the same one.
    public static func load(_ nameOrPath: String?, command: String, trustProject: Bool = false) throws
        -> (profile: Profile, reference: String) {
        let loader = ProfileLoader()
        let reference: String, resolved: ResolvedProfile
        if let given = nameOrPath {
            (reference, resolved) = (given, try loader.resolve(given))
        } else {
            let chosen = try loader.choose(forCommand: command)
            (reference, resolved) = (chosen.name, try chosen.resolved ?? loader.resolve(chosen.name))
        }
        if !trustProject, let project = resolved.chain.first(where: { $0.origin == .project }) {
            throw UntrustedProjectProfile(path: project.path)
        }
        return (resolved.profile, reference)
    }
}

public struct UntrustedProjectProfile: Error, CustomStringConvertible {
    public var path: String
    public var description: String {
        "veil: the profile \(path) comes from the project directory, and a checked-out repository "
            + "must not choose its own sandbox. If you wrote it, run again with --trust-project; "
            + "otherwise name a profile with --profile."
    }
}
