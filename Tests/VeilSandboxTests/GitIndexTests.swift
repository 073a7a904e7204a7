import Glibc
import Testing
import VeilProfile
@testable import VeilSandbox

/// The index entries `git status` does not compare, read from indexes git itself wrote.
@Suite struct GitIndexTests {
    /// A repository with three committed files, in index format `version`, after `commands`.
    static func index(version: Int, _ commands: String) -> [UInt8] {
        let dir = GitControlWatchTests.scratch()
        defer { GitControlWatchTests.remove(dir) }
        let git = "git -c user.name=u -c user.email=u@example.com"
        let script = "cd '\(dir)' && \(git) init -q . && mkdir -p src/deep && echo a > a && echo b > src/deep/b && echo c > c "
            + "&& \(git) add . && \(git) commit -qm start && git update-index --index-version \(version) \(commands.isEmpty ? "" : "&& " + commands)"
        #expect(system(script) == 0)
        return HostFiles.read(dir + "/.git/index") ?? []
    }

    @Test(arguments: [2, 3, 4])
    func marksAreRead(version: Int) throws {
        let plain = try #require(GitIndex(Self.index(version: version, "")))
        #expect(plain.hidden.isEmpty)
        let marked = try #require(GitIndex(Self.index(version: version,
            "git update-index --assume-unchanged src/deep/b && git update-index --skip-worktree c")))
        #expect(marked.assumeUnchanged == ["src/deep/b"])
        #expect(marked.skipWorktree == ["c"])
    }

    /// Cut anywhere, an index is refused or read without a crash; never more marks than it has.
    @Test(arguments: [2, 4])
    func aCutIndexIsRefusedOrReadSafely(version: Int) {
        let bytes = Self.index(version: version, "git update-index --skip-worktree src/deep/b")
        for n in 0..<bytes.count {
            if let index = GitIndex(Array(bytes[..<n])) { #expect(index.hidden.isSubset(of: ["src/deep/b"])) }
        }
        #expect(GitIndex(Array("DIRC".utf8) + [0, 0, 0, 9, 0, 0, 0, 0]) == nil)
    }

    /// A mark the agent set is named after the run; one there at launch is the user's.
    @Test func aFileTheAgentHidIsNamedAfterTheRun() {
        let dir = GitControlWatchTests.scratch()
        defer { GitControlWatchTests.remove(dir) }
        let git = "git -c user.name=u -c user.email=u@example.com"
        #expect(system("cd '\(dir)' && \(git) init -q . && echo a > a && echo b > b && \(git) add . && \(git) commit -qm x "
                       + "&& git update-index --skip-worktree b") == 0)
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(watch.repositories.first?.hidden == ["b"])
        #expect(watch.afterRun(workdir: dir).isEmpty)
        #expect(system("cd '\(dir)' && git update-index --assume-unchanged a") == 0)
        #expect(watch.afterRun(workdir: dir) == [
            "veil: the agent hid its changes to 1 file from `git status` in the workdir's repository (assume-unchanged or "
                + "skip-worktree): a; `git update-index --no-assume-unchanged --no-skip-worktree FILE` shows them"])
    }
}
