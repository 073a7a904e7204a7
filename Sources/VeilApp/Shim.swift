import VeilProfile
import Foundation
import VeilLaunch
import VeilSandbox

/// `veil shim`: a small script named like the agent, earlier on PATH, so that plain `claude`
/// always runs inside veil. It finds the real command at run time (the first one on PATH that is
/// not in its own directory and not a shim), so an agent that updates itself or moves is still
/// found, and the shim never runs itself.
public enum Shim {
    public static let marker = "# veil shim"

    public static func script(veil: String, name: String, profile: String?) -> String {
        let p = profile.map { "--profile \(quoted($0)) " } ?? ""
        return """
            #!/bin/sh
            \(marker): runs the first \(name) on PATH after this directory inside veil.
            # Remove this file (or `veil shim remove \(name)`) to undo.
            here=$(cd "$(dirname "$0")" && pwd -P)
            IFS=:
            for d in $PATH; do
                [ -n "$d" ] && [ -x "$d/\(name)" ] || continue
                [ "$(cd "$d" 2>/dev/null && pwd -P)" = "$here" ] && continue
                head -c 256 "$d/\(name)" 2>/dev/null | grep -q '\(marker)' && continue
                unset IFS
                exec \(quoted(veil)) run \(p)-- "$d/\(name)" "$@"
            done
            echo "veil shim: \(name) is not on PATH (outside $here)" >&2
            exit 127

            """
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Where the shim stands on PATH against the real command it would run.
    public enum Precedence: Equatable {
        /// The shim's directory comes first: plain NAME runs inside veil.
        case inEffect(real: String)
        /// The real command comes earlier on PATH: plain NAME still runs outside veil.
        case shadowed(by: String)
        /// The shim's directory is not on PATH at all.
        case notOnPath(real: String)
    }

    /// Pure: what PATH makes of DIR/NAME, given where NAME exists.
    public static func precedence(name: String, dir: String, path: String, exists: (String) -> Bool) -> Precedence? {
        let entries = path.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        guard let real = entries.first(where: { $0 != dir && exists($0 + "/" + name) }).map({ $0 + "/" + name }) else {
            return nil
        }
        guard let mine = entries.firstIndex(of: dir) else { return .notOnPath(real: real) }
        let realIndex = entries.firstIndex { $0 != dir && exists($0 + "/" + name) }!
        return mine < realIndex ? .inEffect(real: real) : .shadowed(by: real)
    }

    /// Writes DIR/NAME and says whether plain NAME now runs inside veil.
    public static func install(name: String, dir: String, profile: String?, path: String) throws -> Precedence {
        guard !name.contains("/"), !name.isEmpty else { throw ShimError("\(name) is not a command name") }
        let executable = { (p: String) in FileManager.default.isExecutableFile(atPath: p) && !isShim(p) }
        guard let standing = precedence(name: name, dir: dir, path: path, exists: executable) else {
            throw ShimError("\(name) is not on PATH (outside \(dir))")
        }
        let target = dir + "/" + name
        Verbosity.say(1, "shim: \(name) on PATH: \(standing); writing \(target), which runs \(Binaries.launcher()) run"
            + (profile.map { " --profile \($0)" } ?? "") + " -- \(name)")
        if FileManager.default.fileExists(atPath: target), !isShim(target) {
            throw ShimError("\(target) exists and is not a veil shim; not overwriting it")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try script(veil: Binaries.launcher(), name: name, profile: profile).write(toFile: target, atomically: true, encoding: .utf8)
        chmod(target, 0o755)
        return standing
    }

    /// Removes DIR/NAME if it is a shim; true when there was one (none is not an error).
    public static func remove(name: String, dir: String) throws -> Bool {
        let target = dir + "/" + name
        guard FileManager.default.fileExists(atPath: target) else { return false }
        guard isShim(target) else { throw ShimError("\(target) is not a veil shim; not removing it") }
        try FileManager.default.removeItem(atPath: target)
        return true
    }

    static func isShim(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 256)) ?? Data()
        return String(decoding: head, as: UTF8.self).contains(marker)
    }
}

public struct ShimError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = "veil shim: " + d }
}
