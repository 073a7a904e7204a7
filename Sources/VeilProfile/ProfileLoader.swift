// Finding, reading and merging profiles. `veil run`, `veil inspect` and `veil profile` all go
// through here, so a profile means the same thing to every command.
//
//   let profile = try ProfileLoader().load("claude-code")        // by name, through the search
//   let profile = try ProfileLoader().load("./my.toml")           // by path
//   let name = try ProfileLoader.profileName(forCommand: "claude") // "claude-code"

/// A merged profile and the files it was merged from, base first.
public struct ResolvedProfile: Sendable, Equatable {
    public var profile: Profile
    public var chain: [ProfileSource]
    public var source: ProfileSource { chain[chain.count - 1] }
}

public struct ProfileLoader: Sendable {
    public var search: ProfileSearchPath

    public init(search: ProfileSearchPath = .standard()) { self.search = search }

    /// A `--profile` argument with a `/` or ending in `.toml` is a file; anything else a name.
    public static func isPath(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".toml")
    }

    public func load(_ reference: String) throws -> Profile { try resolve(reference).profile }

    public func resolve(_ reference: String) throws -> ResolvedProfile {
        try resolve(try locate(reference), visiting: [])
    }

    public func resolve(_ source: ProfileSource) throws -> ResolvedProfile {
        try resolve(source, visiting: [])
    }

    public func locate(_ reference: String) throws -> ProfileSource {
        if Self.isPath(reference) { return try search.file(at: reference) }
        if let problem = ProfileValidation.profileName(reference) {
            throw ProfileError(.notFound, file: "", message: problem)
        }
        guard let source = try search.source(named: reference) else {
            throw ProfileError(.notFound, file: "", message: "no profile named '\(reference)' (\(searchedPlaces()))")
        }
        return source
    }

    /// This file's own settings, nothing inherited. A shipped profile whose text is the one
    /// compiled in comes decoded already (ShippedLayers.swift): no TOML is parsed at launch.
    public func layer(of source: ProfileSource) throws -> ProfileLayer {
        if let compiled = Self.compiledLayer(of: source) { return compiled }
        return try ProfileDecoder(file: source.path).decode(source.text, name: source.name)
    }

    static func compiledLayer(of source: ProfileSource) -> ProfileLayer? {
        guard source.origin == .shipped, source.text == ShippedProfiles.files[source.name] else { return nil }
        return ShippedProfiles.compiledLayer(source.name)
    }

    /// The profile `veil run -- CMD` uses when none is named: the first visible profile (in
    /// search order, then by name) whose `[agent] commands` lists CMD's basename, else "default".
    public func profileName(forCommand command: String) throws -> String {
        try choose(forCommand: command).name
    }

    /// `profileName(forCommand:)`, with the profile already resolved on the way when it was
    /// (launch time matters: `veil run` does not parse it twice).
    public func choose(forCommand command: String) throws -> (name: String, resolved: ResolvedProfile?) {
        let base = command.split(separator: "/").last.map(String.init) ?? command
        for (name, level) in search.visibleNames() {
            // The listing says where each name wins: looked up from there, a shipped profile
            // costs no stat of a file the listing did not find (two per profile at every launch).
            guard let source = try search.source(named: name, after: level - 1) else { continue }
            if let layer = Self.compiledLayer(of: source) {
                // Shipped: nothing lies below it to inherit `commands` from.
                guard layer.commands.contains(base) else { continue }
            } else {
                // Parse only files whose text could name the command at all.
                guard try chainMightName(base, source) else { continue }
            }
            let resolved = try resolve(source)
            if resolved.profile.agent.commands.contains(base) { return (name, resolved) }
        }
        return ("default", nil)
    }

    public static func profileName(forCommand command: String) throws -> String {
        try ProfileLoader().profileName(forCommand: command)
    }

    private func resolve(_ source: ProfileSource, visiting: [ProfileSource]) throws -> ResolvedProfile {
        let layer = try layer(of: source)
        guard let parent = try parent(of: source, layer) else {
            var profile = Profile(name: source.name)
            profile.apply(layer)
            return ResolvedProfile(profile: profile, chain: [source])
        }
        let path = visiting + [source]
        if path.contains(where: { $0.identity == parent.identity }) {
            let names = (path + [parent]).map(\.name).joined(separator: " → ")
            throw ProfileError(.cycle, file: source.path, position: layer.extendsPosition, keyPath: "extends",
                               message: "profile inheritance loops: \(names)")
        }
        let base = try resolve(parent, visiting: path)
        var profile = base.profile
        profile.apply(layer)
        profile.extends = parent.name
        // Extending one's own name refines the same profile, so what it is for carries over.
        if parent.name == source.name {
            if layer.description == nil { profile.description = base.profile.description }
            if layer.commands.isEmpty { profile.agent.commands = base.profile.agent.commands }
        }
        return ResolvedProfile(profile: profile, chain: base.chain + [source])
    }

    /// `extends`, or `default` when the file names none; the last `default` has no parent.
    /// Extending one's own name means "the same profile further down the search", which lets
    /// ./.veil/profiles/claude-code.toml adjust the shipped claude-code without copying it.
    private func parent(of source: ProfileSource, _ layer: ProfileLayer) throws -> ProfileSource? {
        let name = layer.extends ?? "default"
        let after = name == source.name ? source.level : -1
        if let found = try search.source(named: name, after: after) { return found }
        guard layer.extends != nil else { return nil }
        let message = name == source.name
            ? "'\(name)' extends its own name, but no '\(name)' exists further down the search path"
            : "no profile named '\(name)' to extend (\(searchedPlaces()))"
        throw ProfileError(.notFound, file: source.path, position: layer.extendsPosition, keyPath: "extends",
                           message: message)
    }

    private func searchedPlaces() -> String { "searched " + searchDescription }

    /// The places profiles come from, in the order they are searched (`profile -v`).
    public var searchDescription: String {
        (search.directories.map(\.path) + ["the shipped profiles"]).joined(separator: ", ")
    }
}
