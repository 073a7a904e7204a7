import VeilProfile

/// Which profile a run uses: the one named (or a file), else the one whose `[agent] commands`
/// lists the command's basename, else `default`.
enum ProfileSelection {
    static func load(_ nameOrPath: String?, command: String) throws -> Profile {
        let loader = ProfileLoader()
        let reference = try nameOrPath ?? loader.profileName(forCommand: command)
        return try loader.load(reference)
    }
}
