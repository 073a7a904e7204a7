// Where profiles come from. The order is the user's override order: the project's
// ./.veil/profiles, then $XDG_CONFIG_HOME/veil/profiles, then the profiles shipped inside the
// binary. The roots are plain values so tests (and `veil` itself) can say exactly where to look.

public enum ProfileOrigin: String, Sendable, Equatable {
    /// Named on the command line by path.
    case file
    case project
    case user
    case shipped
}

/// One profile file found somewhere, with its text.
public struct ProfileSource: Sendable, Equatable {
    public var name: String
    public var origin: ProfileOrigin
    /// Index in the search order (directories first, shipped last); -1 for a file given by a
    /// path outside every search directory.
    public var level: Int
    /// Path on disk as the user wrote it, or `shipped:NAME.toml`.
    public var path: String
    public var text: String

    /// What makes two sources the same file, for cycle detection.
    var identity: String {
        origin == .shipped ? path : HostFiles.standardize(path)
    }
}

public struct ProfileSearchPath: Sendable, Equatable {
    public struct Directory: Sendable, Equatable {
        public var path: String
        public var origin: ProfileOrigin
        public init(_ path: String, origin: ProfileOrigin) {
            self.path = path
            self.origin = origin
        }
    }

    public var directories: [Directory]
    /// Embedded profiles by name (ShippedProfiles.files unless a test says otherwise).
    public var shipped: [String: String]

    public init(directories: [Directory], shipped: [String: String] = ShippedProfiles.files) {
        self.directories = directories
        self.shipped = shipped
    }

    /// The real search path for this process.
    public static func standard(currentDirectory: String = HostFiles.currentDirectory(),
                                environment: [String: String] = ProcessEnvironment.current()) -> ProfileSearchPath {
        var dirs = [Directory(currentDirectory + "/.veil/profiles", origin: .project)]
        // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            dirs.append(Directory(xdg + "/veil/profiles", origin: .user))
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            dirs.append(Directory(home + "/.config/veil/profiles", origin: .user))
        }
        return ProfileSearchPath(directories: dirs)
    }

    var shippedLevel: Int { directories.count }

    /// The first profile called `name` strictly after search level `after` (-1: from the top).
    public func source(named name: String, after: Int = -1) throws -> ProfileSource? {
        for (level, dir) in directories.enumerated() where level > after {
            let path = dir.path + "/" + name + ".toml"
            if HostFiles.exists(path) {
                return try Self.read(path, name: name, origin: dir.origin, level: level)
            }
        }
        if shippedLevel > after, let text = shipped[name] {
            return ProfileSource(name: name, origin: .shipped, level: shippedLevel,
                                 path: "shipped:\(name).toml", text: text)
        }
        return nil
    }

    /// A profile named by path. If the file sits in a search directory it keeps that level, so
    /// `extends` of its own name still finds the next one down.
    public func file(at path: String) throws -> ProfileSource {
        let full = HostFiles.standardize(path)
        let slash = full.lastIndex(of: "/")!
        var name = String(full[full.index(after: slash)...])
        if name.hasSuffix(".toml") { name.removeLast(5) }
        let dir = slash == full.startIndex ? "/" : String(full[..<slash])
        let match = directories.enumerated().first { HostFiles.standardize($0.element.path) == dir }
        return try Self.read(path, name: name, origin: match?.element.origin ?? .file, level: match?.offset ?? -1)
    }

    /// Every visible profile: for each name, the source that wins the search; ordered by level,
    /// then by name, which is also the order in which command names are matched.
    public func visibleNames() -> [(name: String, level: Int)] {
        var seen: [String: Int] = [:]
        for (level, dir) in directories.enumerated() {
            let files = HostFiles.list(dir.path)
            for file in files where file.hasSuffix(".toml") {
                let name = String(file.dropLast(5))
                if ProfileValidation.profileName(name) == nil, seen[name] == nil { seen[name] = level }
            }
        }
        for name in shipped.keys where seen[name] == nil { seen[name] = shippedLevel }
        return seen.map { ($0.key, $0.value) }.sorted { ($0.level, $0.name) < ($1.level, $1.name) }
    }

    /// Every source of a name, winner first: what `veil profile list` shows as shadowed.
    public func allSources(named name: String) throws -> [ProfileSource] {
        var out: [ProfileSource] = []
        var level = -1
        while let s = try source(named: name, after: level) {
            out.append(s)
            level = s.level
        }
        return out
    }

    static func read(_ path: String, name: String, origin: ProfileOrigin, level: Int) throws -> ProfileSource {
        guard let data = HostFiles.read(path) else {
            throw ProfileError(.io, file: path, message: "cannot read the profile file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ProfileError(.io, file: path, message: "the profile file is not valid UTF-8")
        }
        return ProfileSource(name: name, origin: origin, level: level, path: path, text: text)
    }
}
