import VeilProfile

/// Which profile a run uses: the one named, else the one whose `[agent] commands` lists the
/// command, else `default`.
enum ProfileSelection {
    static func load(_ nameOrPath: String?, command: String) throws -> Profile {
        // TODO(profile loader): replaced by ProfileLoader once it lands.
        Profile(name: nameOrPath ?? "default")
    }
}
