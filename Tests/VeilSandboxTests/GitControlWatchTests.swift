import Glibc
import Testing
@testable import VeilSandbox

/// What the sandbox could not make read-only in the workdir's repository (it was not there at
/// launch) is moved aside after the run, without following anything the agent planted.
@Suite struct GitControlWatchTests {
    /// A scratch workdir with a repository like `git init` makes: config, hooks, objects.
    static func scratch() -> String {
        var template = Array("/tmp/veil-gitwatch-XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    static func repository() -> String {
        let dir = scratch()
        for d in [".git", ".git/hooks", ".git/objects"] { mkdir(dir + "/" + d, 0o755) }
        write(dir + "/.git/config", "[core]\n")
        return dir
    }

    static func write(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        close(fd)
    }

    static func names(_ dir: String) -> Set<String> {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: Set<String> = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { out.insert(name) }
        }
        return out
    }

    static func remove(_ dir: String) { _ = system("rm -rf '\(dir)'") }

    @Test func whatTheRepositoryLackedAtLaunchIsWatched() {
        let dir = Self.repository()
        defer { Self.remove(dir) }
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(watch == GitControlWatch(repositories: [.init(path: "", absent: ["config.worktree", "modules", "worktrees", "commondir", "info"])]))
        #expect(watch.afterRun(workdir: dir).isEmpty)
        #expect(Self.names(dir + "/.git") == ["config", "hooks", "objects"])
    }

    /// A `commondir` (a file) and a `config.worktree` (a symlink, which git would follow) made
    /// during the run are renamed within `.git`, never followed, never over an existing name.
    @Test func whatTheAgentMadeIsMovedAsideAndNamed() {
        let dir = Self.repository()
        defer { Self.remove(dir) }
        let watch = GitControlWatch.atLaunch(workdir: dir)
        Self.write(dir + "/.git/commondir", "../evil\n")
        symlink("/etc/passwd", dir + "/.git/config.worktree")
        Self.write(dir + "/.git/commondir.veil-blocked", "an earlier run's\n")
        let lines = watch.afterRun(workdir: dir)
        #expect(lines.count == 2)
        #expect(lines[0].contains(" .git/config.worktree ") && lines[0].hasSuffix("moved to .git/config.worktree.veil-blocked"))
        #expect(lines[1].contains(" .git/commondir ") && lines[1].hasSuffix("moved to .git/commondir.veil-blocked-2"))
        #expect(Self.names(dir + "/.git") == ["config", "hooks", "objects", "config.worktree.veil-blocked",
                                              "commondir.veil-blocked", "commondir.veil-blocked-2"])
        var st = stat()
        #expect(lstat(dir + "/.git/config.worktree.veil-blocked", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
        #expect(access("/etc/passwd", F_OK) == 0)
    }

    /// What was there at launch is the user's (the sandbox kept it read-only): left alone.
    @Test func whatWasThereAtLaunchIsLeftAlone() {
        let dir = Self.repository()
        defer { Self.remove(dir) }
        Self.write(dir + "/.git/config.worktree", "[core]\n")
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(watch.repositories.count == 1 && !watch.repositories[0].absent.contains("config.worktree"))
        #expect(watch.afterRun(workdir: dir).isEmpty)
        #expect(Self.names(dir + "/.git").contains("config.worktree"))
    }

    /// No repository at launch: one the agent makes is its own, said in one line and left.
    /// A `.git` symlink is not followed at launch or after.
    @Test func aRepositoryTheAgentMadeIsNamedNotMoved() {
        let dir = Self.repository()
        defer { Self.remove(dir) }
        rename(dir + "/.git", dir + "/real")
        symlink("real", dir + "/.git")
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(watch == GitControlWatch(repositories: []) && !watch.hadRepository)
        #expect(watch.afterRun(workdir: dir).isEmpty)
        unlink(dir + "/.git")
        mkdir(dir + "/.git", 0o755)
        let lines = watch.afterRun(workdir: dir)
        #expect(lines.count == 1 && lines[0].contains("made a git repository in the workdir"))
        #expect(Self.names(dir + "/.git").isEmpty)
    }

    /// A folder of projects: the repositories of its subdirectories are watched too; a symlink
    /// to a repository is not one of them.
    @Test func aSubdirectorysRepositoryIsWatched() {
        let dir = Self.repository()
        defer { Self.remove(dir) }
        rename(dir + "/.git", dir + "/.keep")
        mkdir(dir + "/app", 0o755)
        rename(dir + "/.keep", dir + "/app/.git")
        mkdir(dir + "/docs", 0o755)
        symlink("app", dir + "/link")
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(watch.repositories == [.init(path: "app", absent: ["config.worktree", "modules", "worktrees", "commondir", "info"])])
        #expect(!watch.hadRepository)
        Self.write(dir + "/app/.git/commondir", "../../evil\n")
        let lines = watch.afterRun(workdir: dir)
        #expect(lines.count == 1 && lines[0].contains(" app/.git/commondir ") && lines[0].hasSuffix("moved to app/.git/commondir.veil-blocked"))
        #expect(Self.names(dir + "/app/.git").contains("commondir.veil-blocked"))
    }

    @Test func plantedIsWhatWasAbsentAndIsThereNow() {
        #expect(GitControlWatch.planted(absent: ["hooks", "commondir", "modules"], present: { $0 != "modules" }) == ["hooks", "commondir"])
        #expect(GitControlWatch.planted(absent: [], present: { _ in true }).isEmpty)
    }
}
