import Foundation
import VeilLaunch
import VeilSandbox

/// `veil shim`: a small script named like the agent, earlier on PATH, so that plain `claude`
/// always runs inside veil. It names the real binary by absolute path, so it never finds itself.
public enum Shim {
    public static let marker = "# veil shim"

    public static func script(veil: String, real: String, profile: String?) -> String {
        let p = profile.map { "--profile '\($0)' " } ?? ""
        return """
            #!/bin/sh
            \(marker): runs \(real) inside veil. Remove this file (or `veil shim remove`) to undo.
            exec '\(veil)' run \(p)-- '\(real)' "$@"

            """
    }

    /// Writes DIR/NAME. The real command is looked up on PATH without DIR.
    public static func install(name: String, dir: String, profile: String?, path: String) throws -> String {
        let searchPath = path.split(separator: ":").filter { String($0) != dir }.joined(separator: ":")
        guard let real = CommandResolver.lookup(name, searchPath: searchPath, cwd: FileManager.default.currentDirectoryPath) else {
            throw ShimError("\(name) is not on PATH (outside \(dir))")
        }
        let target = dir + "/" + name
        if FileManager.default.fileExists(atPath: target), !isShim(target) {
            throw ShimError("\(target) exists and is not a veil shim; not overwriting it")
        }
        let veil = Binaries.launcher()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try script(veil: veil, real: real, profile: profile).write(toFile: target, atomically: true, encoding: .utf8)
        chmod(target, 0o755)
        return target
    }

    public static func remove(name: String, dir: String) throws {
        let target = dir + "/" + name
        guard isShim(target) else { throw ShimError("\(target) is not a veil shim") }
        try FileManager.default.removeItem(atPath: target)
    }

    static func isShim(_ path: String) -> Bool {
        (try? String(contentsOfFile: path, encoding: .utf8))?.contains(marker) ?? false
    }
}

public struct ShimError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = "veil shim: " + d }
}
