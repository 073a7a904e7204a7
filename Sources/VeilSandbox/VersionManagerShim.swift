import Glibc
import VeilProfile

/// Commands found through a version manager's shim (pyenv, asdf): the shim is a script that
/// runs the manager, which lives in the host home and reads its settings there, so inside the
/// sandbox it failed (`~/.pyenv/libexec/pyenv: No such file or directory`, 127). veil asks the
/// manager on the host which program the shim would run, with the user's environment and
/// working directory (local version files apply), and runs that program instead.
enum VersionManagerShim {
    /// The program `shim` stands for, or nil when it is not a shim veil knows.
    static func resolve(_ shim: String, name: String, environment: [String: String]) -> String? {
        guard let manager = manager(of: shim) else { return nil }
        var env = environment
        if manager.hasSuffix("/libexec/pyenv"), env["PYENV_ROOT"] == nil {
            env["PYENV_ROOT"] = String(manager.dropLast("/libexec/pyenv".count))
        }
        guard let out = run([manager, "which", name], environment: env) else { return nil }
        let path = out.split(separator: "\n").first.map(String.init) ?? ""
        return path.hasPrefix("/") && access(path, X_OK) == 0 ? path : nil
    }

    /// The manager a shim script execs: pyenv's `exec "<root>/libexec/pyenv" exec "$program"`,
    /// asdf's `exec <asdf> exec "<name>" "$@"`.
    static func manager(of shim: String) -> String? {
        guard let bytes = HostFiles.read(shim), bytes.count < 16384, bytes.starts(with: Array("#!".utf8)) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let words = line.split(separator: " ").map { $0.trimmingQuotes() }
            guard words.count >= 3, words[0] == "exec", words[2] == "exec" else { continue }
            let tool = words[1]
            if tool.hasSuffix("/libexec/pyenv") || tool.hasSuffix("/asdf") || tool == "asdf" { return tool }
        }
        return nil
    }

    /// Runs argv with `environment`; its standard output when it exits 0.
    private static func run(_ argv: [String], environment: [String: String]) -> String? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let args = argv.map { strdup($0) } + [nil]
        let env = environment.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer { (args + env).forEach { free($0) } }
        var pid: pid_t = 0
        let path = argv[0].hasPrefix("/") ? argv[0] : CommandResolver.lookup(argv[0], searchPath: environment["PATH"] ?? "/usr/bin:/bin", cwd: "/") ?? argv[0]
        let rc = posix_spawn(&pid, path, &actions, nil, args, env)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { return nil }
        let out = HostFiles.read(fd: fds[0]) ?? []
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0 ? String(decoding: out, as: UTF8.self) : nil
    }

    /// A pyenv-built interpreter (`<root>/versions/<v>/bin/python3`) finds libpython through an
    /// absolute RUNPATH into the host home, which the sandbox shows elsewhere: its lib directory.
    static func libraryDirectory(of program: String) -> String? {
        let parts = program.split(separator: "/")
        guard parts.count >= 4, parts[parts.count - 2] == "bin", parts[parts.count - 4] == "versions" else { return nil }
        let lib = "/" + parts.dropLast(2).joined(separator: "/") + "/lib"
        return HostFiles.list(lib).contains { $0.hasPrefix("libpython") } ? lib : nil
    }
}

private extension Substring {
    func trimmingQuotes() -> String {
        var s = self
        while s.first == "\"" || s.first == "'" { s = s.dropFirst() }
        while s.last == "\"" || s.last == "'" { s = s.dropLast() }
        return String(s)
    }
}
