import Foundation
@testable import VeilProfile

/// A throwaway directory tree for search-path tests; removed by `remove()`.
struct TempTree {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "veil-profile-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// Writes `text` to root/relative, creating directories; returns the full path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let path = root + "/" + relative
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// project = root/project, user = root/user, plus the given shipped set.
    func loader(shipped: [String: String] = [:]) -> ProfileLoader {
        ProfileLoader(search: ProfileSearchPath(
            directories: [.init(root + "/project", origin: .project), .init(root + "/user", origin: .user)],
            shipped: shipped))
    }
}

/// Decodes one file's text, returning the error it raises (nil when it decodes).
func decodeError(_ text: String, file: String = "x.toml") -> ProfileError? {
    do {
        _ = try ProfileDecoder(file: file).decode(text, name: "x")
        return nil
    } catch let e as ProfileError {
        return e
    } catch {
        return ProfileError(.io, file: file, message: "unexpected \(error)")
    }
}

/// The ProfileError a throwing call raises, or nil.
func profileError(_ body: () throws -> Void) -> ProfileError? {
    do {
        try body()
        return nil
    } catch let e as ProfileError {
        return e
    } catch {
        return ProfileError(.io, file: "", message: "unexpected \(error)")
    }
}
