import Glibc
import VeilProfile

/// Where veil keeps per-profile state on the host: `$XDG_STATE_HOME/veil` (default
/// `~/.local/state/veil`). Each profile has its own neutral home, so agent logins and
/// settings persist between runs without anything of the real home.
public struct StateDirs: Sendable, Equatable {
    public var root: String

    public init(root: String) { self.root = root }

    public init(environment env: [String: String], home: String) {
        let base = env["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.local/state"
        root = base + "/veil"
    }

    public func profileDir(_ profile: String) -> String { root + "/profiles/" + profile }
    public func home(_ profile: String) -> String { profileDir(profile) + "/home" }

    /// Creates the directories (0700) and returns the profile's machine-id, made once.
    public func prepare(profile: String) throws -> String {
        for dir in [dirname(root), root, root + "/profiles", profileDir(profile), home(profile)] {
            do { try HostDirectory.make(dir, mode: 0o700) } catch { throw SandboxError(.state, errno: errno, dir) }
        }
        let idFile = profileDir(profile) + "/machine-id"
        if let existing = readSmall(idFile), existing.utf8.count == 32 { return existing }
        let id = randomHex(bytes: 16)
        try writeSmall(idFile, id + "\n")
        return id
    }


    /// A small file of the profile's own state, beside its home (never inside it: the agent
    /// does not see it).
    public func read(_ name: String, profile: String) -> String? {
        readSmall(profileDir(profile) + "/" + name, trim: false)
    }

    /// Replaced whole (a temporary file renamed over it), so a concurrent run reads the old or
    /// the new contents, never half of one.
    public func write(_ name: String, profile: String, _ contents: String) throws {
        let path = profileDir(profile) + "/" + name
        let temporary = path + ".\(getpid()).tmp"
        try writeSmall(temporary, contents)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SandboxError(.state, errno: errno, path)
        }
    }

    /// Copies the profile's `home_files` from the host home once, when absent. The profile
    /// home is the agent's: nothing there is followed (ConfinedPath).
    public func carryIn(_ files: [String], from hostHome: String, profile: String) {
        for rel in files where !rel.contains("..") {
            guard let data = HostFiles.read(hostHome + "/" + rel) else { continue }
            _ = try? ConfinedPath.createIfAbsent(root: home(profile), rel, contents: data)
        }
    }

    /// Writes the profile's `home_write` files once, when absent (the agent may change them
    /// later, as it would its own settings), with `${NAME}` from `environment`, the agent's.
    /// Like `carryIn`, nothing in the home is followed.
    public func writeIn(_ files: [Profile.HomeWrite], environment: [String: String], profile: String) {
        for file in files where !file.path.contains("..") {
            _ = try? ConfinedPath.createIfAbsent(root: home(profile), file.path, contents: Array(file.expanded(in: environment).utf8))
        }
    }
}

/// Random hex from the system generator (getrandom).
public func randomHex(bytes: Int) -> String {
    (0..<bytes).map { _ in
        let b = UInt8.random(in: 0...255)
        return (b < 16 ? "0" : "") + String(b, radix: 16)
    }.joined()
}

func readSmall(_ path: String, trim: Bool = true) -> String? {
    guard let bytes = HostFiles.read(path) else { return nil }
    let s = String(decoding: bytes, as: UTF8.self)
    return trim ? s.trimmingCharactersSpaces().split(separator: "\n").first.map(String.init) ?? "" : s
}

func writeSmall(_ path: String, _ contents: String, mode: mode_t = 0o600) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw SandboxError(.state, errno: errno, path) }
    defer { close(fd) }
    let bytes = Array(contents.utf8)
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    if n != bytes.count { throw SandboxError(.state, errno: errno, path) }
}
