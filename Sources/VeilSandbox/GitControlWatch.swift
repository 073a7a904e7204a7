import CVeilShim
import Glibc
import VeilProfile

/// The other half of GitControl, on the host: what the sandbox could not make read-only in the
/// workdir's repositories because it was not there at launch (a `commondir` pointing git at a
/// configuration elsewhere, a `config.worktree`, a hooks directory a repository lacked) is
/// looked for after the run. One the agent made is moved aside, never deleted, and named on
/// stderr: the next `git status` on the host would otherwise run what it says. So are files
/// the agent hid from `git status` through the index, which stays writable (GitIndex).
public struct GitControlWatch: Sendable, Equatable {
    public struct Repository: Sendable, Equatable {
        /// "" for the workdir's own, else the subdirectory's name.
        public var path: String
        /// Of GitControl's names, those its `.git` lacked at launch.
        public var absent: [String]
        /// Its index's entries that `git status` skipped at launch (nil: not read).
        public var hidden: Set<String>? = nil
        /// More were marked than GitIndex keeps.
        public var hiddenIncomplete = false
    }

    /// The repositories GitControl guards, as they were at launch.
    public var repositories: [Repository]

    /// Nothing watched (before the launch has looked).
    public static let none = GitControlWatch(repositories: [])

    /// Moved-aside names end so: `.git/commondir.veil-blocked`.
    static let suffix = ".veil-blocked"

    /// The workdir had a `.git` directory at launch.
    public var hadRepository: Bool { repositories.contains { $0.path.isEmpty } }

    /// Before the launch (the agent has not run yet).
    public static func atLaunch(workdir: String) -> GitControlWatch {
        guard let wd = openWorkdir(workdir) else { return .none }
        defer { close(wd) }
        let candidates = [""] + HostFiles.list(workdir).filter { $0 != ".git" }
        var budget = indexBudget
        return GitControlWatch(repositories: candidates.compactMap { path in
            guard let git = openRepository(wd, path) else { return nil }
            defer { close(git) }
            let index = readIndex(git, budget: &budget)
            return Repository(path: path, absent: GitControl.readOnly.filter { !exists(git, $0) },
                              hidden: index?.hidden, hiddenIncomplete: index?.incomplete ?? false)
        })
    }

    /// After the run: what the agent made is moved aside; one line each for stderr.
    public func afterRun(workdir: String) -> [String] {
        guard let wd = Self.openWorkdir(workdir) else { return [] }
        defer { close(wd) }
        var lines: [String] = []
        if !hadRepository, let git = Self.openRepository(wd, "") {
            close(git)
            lines.append("veil: the agent made a git repository in the workdir (.git): git run there on the host does what "
                         + "its configuration and hooks say; read .git/config and .git/hooks before using git in it")
        }
        // One budget for all the indexes, as at launch: read one by one, an agent's sparse
        // 64 MiB indexes in 200 repositories kept veil reading for minutes after the run.
        var budget = Self.indexBudget
        var unread: [String] = []
        for repository in repositories {
            guard let git = Self.openRepository(wd, repository.path) else { continue }
            defer { close(git) }
            let at = repository.path.isEmpty ? ".git/" : TerminalText.line(repository.path) + "/.git/"
            for name in Self.planted(absent: repository.absent, present: { Self.exists(git, $0) }) {
                let what = "veil: the agent made \(at)\(name) in the workdir, from which git on the host would take commands"
                let moved = Self.moveAside(git, name), failure = errno
                if let moved {
                    lines.append("\(what): moved to \(at)\(moved)")
                } else {
                    lines.append("\(what), and veil could not move it (\(String(cString: strerror(failure)))): remove it before using git there")
                }
            }
            guard let before = repository.hidden else { continue }
            guard let now = Self.readIndex(git, budget: &budget) else {
                if Self.exists(git, "index") { unread.append(repository.path) }
                continue
            }
            let new = now.hidden.subtracting(before).sorted()
            // Marks past what veil keeps, where there were none at launch, are new ones too.
            let beyond = now.incomplete && !repository.hiddenIncomplete
            if !new.isEmpty || beyond {
                let count = !beyond ? "\(new.count) file\(new.count == 1 ? "" : "s")" : new.isEmpty ? "files" : "more than \(new.count) files"
                // The paths are the agent's: shown, never obeyed by the terminal (TerminalText).
                let shown = new.isEmpty ? "more paths than veil reads"
                    : new.prefix(5).map(TerminalText.line).joined(separator: ", ") + (new.count > 5 || beyond ? ", …" : "")
                lines.append("veil: the agent hid its changes to \(count) from `git status` in "
                             + "\(repository.path.isEmpty ? "the workdir's repository" : TerminalText.line(repository.path) + "/") (assume-unchanged or "
                             + "skip-worktree): \(shown); `git update-index --no-assume-unchanged --no-skip-worktree FILE` shows them")
            }
        }
        if !unread.isEmpty {
            let shown = unread.prefix(5).map { $0.isEmpty ? "the workdir's" : TerminalText.line($0) + "/" }.joined(separator: ", ")
                + (unread.count > 5 ? ", …" : "")
            lines.append("veil: the agent left indexes veil does not read (\(unread.count) repositor\(unread.count == 1 ? "y" : "ies"): "
                         + "\(shown); past \(Self.indexBudget >> 20) MiB together, or not a file veil reads): it may have hidden changes from "
                         + "`git status` there; `git ls-files -v | grep '^[a-zS]'` lists the hidden files")
        }
        return lines
    }

    /// Of the names absent at launch, those there now (in GitControl's order).
    static func planted(absent: [String], present: (String) -> Bool) -> [String] {
        absent.filter(present)
    }

    private static func openWorkdir(_ workdir: String) -> Int32? {
        let wd = open(workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        return wd >= 0 ? wd : nil
    }

    /// `path`'s `.git` directory below the workdir `wd`, opened without following a symlink at
    /// any step.
    private static func openRepository(_ wd: Int32, _ path: String) -> Int32? {
        var dir = wd
        if !path.isEmpty {
            dir = openat(wd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard dir >= 0 else { return nil }
        }
        defer { if dir != wd { close(dir) } }
        let git = openat(dir, ".git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        return git >= 0 ? git : nil
    }

    /// The indexes read at launch, together, and after the run, together: the largest
    /// monorepos' (and a folder of many large ones beyond the first few) are not looked at.
    static let indexBudget = 64 << 20

    /// The index of the repository whose `.git` is `git`, when it is a regular file that fits
    /// in what is left of `budget`.
    private static func readIndex(_ git: Int32, budget: inout Int) -> GitIndex? {
        // O_NONBLOCK: a FIFO planted there would block the open for a writer.
        let fd = openat(git, "index", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= budget else { return nil }
        budget -= Int(st.st_size)
        guard let bytes = HostFiles.read(fd: fd), bytes.count == Int(st.st_size) else { return nil }
        return GitIndex(bytes)
    }

    /// Anything by that name, a symlink included (git would follow it).
    private static func exists(_ dir: Int32, _ name: String) -> Bool {
        var st = stat()
        return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// Renamed within `.git`, never over an existing name; the new name, or nil (errno set).
    private static func moveAside(_ git: Int32, _ name: String) -> String? {
        for n in 1...9 {
            let to = name + suffix + (n == 1 ? "" : "-\(n)")
            if veil_rename_noreplace(git, name, to) == 0 { return to }
            if errno != EEXIST { return nil }
        }
        return nil
    }
}
