import Glibc
import VeilProfile

/// The agent command as found on the host, and what must be visible for it to run.
public struct ResolvedCommand: Sendable, Equatable {
    /// Where it was found on the host PATH (may be a symlink).
    public var hostPath: String
    /// Host directories outside the system dirs that must be mounted read-only.
    public var trees: [String] = []
    /// `#!` interpreter and its optional argument, host paths, when CMD is a script.
    public var interpreter: [String] = []
    /// Directories holding programs the script names through `#!/usr/bin/env NAME`.
    public var extraBinDirs: [String] = []
    /// Host library directories the program needs on LD_LIBRARY_PATH inside (a pyenv
    /// interpreter's absolute RUNPATH names its host path).
    public var libraryDirs: [String] = []

    public init(hostPath: String) { self.hostPath = hostPath }
}

/// Finds CMD on the host PATH and works out its install tree, so that an agent installed
/// in ~/.local, ~/.npm-global or a venv runs inside without the rest of the host home.
public enum CommandResolver {
    /// Directories the sandbox always shows read-only at the same path.
    public static let systemPrefixes = ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/",
                                        "/libx32/", "/opt/"]

    public static func isSystemPath(_ p: String) -> Bool {
        systemPrefixes.contains { p.hasPrefix($0) }
    }

    /// `environment`: the host's, for a version manager asked what its shim runs.
    public static func resolve(_ name: String, searchPath: String, cwd: String, home: String,
                               environment: [String: String] = [:]) throws -> ResolvedCommand {
        guard var found = lookup(name, searchPath: searchPath, cwd: cwd) else {
            throw SandboxError(.resolve, errno: ENOENT, "\(name): command not found on PATH")
        }
        if let program = VersionManagerShim.resolve(found, name: basename(found), environment: environment) { found = program }
        guard access(found, X_OK) == 0 else {
            throw SandboxError(.resolve, errno: EACCES, "\(found) is not executable")
        }
        var cmd = ResolvedCommand(hostPath: found)
        addTrees(of: found, home: home, into: &cmd.trees)
        if let lib = realpath(found).flatMap(VersionManagerShim.libraryDirectory(of:)) { cmd.libraryDirs.append(lib) }
        if let shebang = readShebang(found) {
            var interp = shebang
            if interp.first.map(basename) == "env", interp.count >= 2,
               let prog = lookup(interp[interp.count - 1], searchPath: searchPath, cwd: cwd) {
                // `#!/usr/bin/env node`: the program is found on the sandbox PATH, so its
                // directory joins that PATH when it lives outside the system dirs.
                if !isSystemPath(prog) {
                    addTrees(of: prog, home: home, into: &cmd.trees)
                    cmd.extraBinDirs.append(dirname(prog))
                }
                interp = []
            }
            if let first = interp.first, !isSystemPath(first) { addTrees(of: first, home: home, into: &cmd.trees) }
            cmd.interpreter = interp
        }
        return cmd
    }

    /// PATH lookup the way execvp does it; names with a slash are taken relative to cwd.
    public static func lookup(_ name: String, searchPath: String, cwd: String) -> String? {
        if name.contains("/") {
            let p = name.hasPrefix("/") ? name : cwd + "/" + name
            return access(p, F_OK) == 0 ? HostFiles.standardize(p) : nil
        }
        for dir in searchPath.fields(UInt8(ascii: ":")) {
            let p = String(dir) + "/" + name
            var st = stat()
            if stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    /// The command's own directory and the install root of what it links to. Never the
    /// host home itself or an ancestor of it.
    static func addTrees(of path: String, home: String, into trees: inout [String]) {
        var candidates: [String] = []
        if !isSystemPath(path) { candidates.append(dirname(path)) }
        if let real = realpath(path), !isSystemPath(real) { candidates.append(installRoot(of: real)) }
        for c in candidates {
            var tree = c
            if tree == "/" || tree == home || home.hasPrefix(tree + "/") { tree = dirname(path) }
            if tree == "/" || tree == home || trees.contains(tree) { continue }
            if trees.contains(where: { tree.hasPrefix($0 + "/") }) { continue }
            trees.removeAll { $0.hasPrefix(tree + "/") }
            trees.append(tree)
        }
    }

    /// For a file in `.../bin/` the parent (a venv, a prefix); inside a node package, the
    /// outermost package directory; otherwise the file's directory.
    static func installRoot(of real: String) -> String {
        let dir = dirname(real)
        if basename(dir) == "bin" { return dirname(dir) }
        var best = dir
        var cur = dir
        while cur != "/" && !cur.isEmpty {
            if access(cur + "/package.json", F_OK) == 0 { best = cur }
            if basename(dirname(cur)) == "node_modules" || basename(cur) == "node_modules" { break }
            cur = dirname(cur)
        }
        if basename(dirname(best)) == "node_modules" || basename(dirname(dirname(best))) == "node_modules" {
            // An npm package: include the prefix that holds node_modules (its deps live there).
            var p = best
            while p != "/" && basename(p) != "node_modules" { p = dirname(p) }
            if p != "/" { return dirname(p) == "/" ? best : dirname(p) }
        }
        return best
    }

    static func readShebang(_ path: String) -> [String]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = read(fd, &buf, buf.count)
        guard n > 2, buf[0] == UInt8(ascii: "#"), buf[1] == UInt8(ascii: "!") else { return nil }
        let line = buf[2..<n].prefix { $0 != UInt8(ascii: "\n") }
        let text = String(decoding: line, as: UTF8.self).trimmingCharactersSpaces()
        guard let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return [text] }
        let arg = String(text[space...]).trimmingCharactersSpaces()
        return arg.isEmpty ? [String(text[..<space])] : [String(text[..<space]), arg]
    }

    public static func realpath(_ p: String) -> String? {
        guard let r = Glibc.realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}

// On UTF-8 bytes: a search by Character walks grapheme clusters (177,000 instructions of a
// launch, callgrind), and "/" is ASCII, so every cut falls on a character boundary.
func dirname(_ p: String) -> String {
    guard let i = p.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    return i == p.startIndex ? "/" : String(p[..<i])
}

func basename(_ p: String) -> String {
    guard let i = p.utf8.lastIndex(of: UInt8(ascii: "/")) else { return p }
    return String(p[p.utf8.index(after: i)...])
}

extension String {
    func trimmingCharactersSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
