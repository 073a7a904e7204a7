import Foundation
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

    /// An index in format 4 as an agent could write it: each entry drops `drop` bytes of the
    /// previous path and adds `add`; every entry marked assume-unchanged.
    static func crafted(_ count: Int, first: [UInt8], drop: Int, add: (Int) -> [UInt8]) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        var out = Array("DIRC".utf8) + u32(4) + u32(count)
        for i in 0..<count {
            out += [UInt8](repeating: 0, count: 60) + [0x8F, 0xFF]  // assume-valid, name length 0xFFF
            out += i == 0 ? [0] + first : [UInt8(drop)] + add(i)
            out.append(0)
        }
        return out
    }

    /// The attack on veil itself: paths that share all but their last bytes cost the agent a
    /// few bytes each in format 4, and were spelled out whole by veil on the host (20,000 of
    /// them here, 280 MB; 64 MiB of index made terabytes). Each path is kept to PATH_MAX,
    /// all of them to `keptBytes`, and an index with more marks than that says so.
    @Test func anIndexThatSpellsOutMoreThanItHoldsIsBounded() throws {
        let growing = try #require(GitIndex(Self.crafted(20_000, first: Array(repeating: 0x61, count: 4096), drop: 0) { _ in [0x62] }))
        // Numbers, not the index: a failure would print every path.
        let longest = growing.assumeUnchanged.map(\.utf8.count).max() ?? 0, paths = growing.assumeUnchanged.count
        #expect(longest <= GitIndex.longestPath && paths == 1)
        #expect(!growing.incomplete)
        // Distinct paths of PATH_MAX bytes, a few bytes of index each, past the bound.
        let beyond = GitIndex.keptBytes / GitIndex.longestPath + 10
        let many = try #require(GitIndex(Self.crafted(beyond, first: Array(repeating: 0x61, count: 4096), drop: 4) { i in
            Array(String(format: "%04x", i % 65536).utf8)
        }))
        let incomplete = many.incomplete, kept = many.assumeUnchanged.reduce(0) { $0 + $1.utf8.count }
        #expect(incomplete && kept <= GitIndex.keptBytes)
    }

    /// Marks past what veil keeps are named after the run (where the launch's index had none).
    @Test func marksBeyondWhatVeilKeepsAreNamed() throws {
        let dir = GitControlWatchTests.scratch()
        defer { GitControlWatchTests.remove(dir) }
        let git = "git -c user.name=u -c user.email=u@example.com"
        #expect(system("cd '\(dir)' && \(git) init -q . && echo a > a && \(git) add . && \(git) commit -qm x") == 0)
        let watch = GitControlWatch.atLaunch(workdir: dir)
        let many = Self.crafted(GitIndex.keptBytes / GitIndex.longestPath + 10, first: Array(repeating: 0x61, count: 4096), drop: 4) { i in
            Array(String(format: "%04x", i % 65536).utf8)
        }
        #expect(FileManager.default.createFile(atPath: dir + "/.git/index", contents: Data(many)))
        let lines = watch.afterRun(workdir: dir)
        #expect(lines.count == 1 && lines[0].hasPrefix("veil: the agent hid its changes to more than "), "\(lines)")
    }

    /// The red team's indexes: each repository's grown after launch to a sparse 64 MiB, read
    /// one by one after the run (200 took 2.5 minutes). Now one budget for all of them, and
    /// the ones past it are named, not passed over in silence.
    @Test func indexesGrownAfterLaunchShareOneBudget() throws {
        let dir = GitControlWatchTests.scratch()
        defer { GitControlWatchTests.remove(dir) }
        let git = "git -c user.name=u -c user.email=u@example.com"
        for i in 0 ..< 4 {
            #expect(system("mkdir -p '\(dir)/p\(i)' && cd '\(dir)/p\(i)' && \(git) init -q . && echo a > a && \(git) add . && \(git) commit -qm x") == 0)
        }
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(watch.repositories.count == 4)
        // Each index made a sparse file past half the budget: at most one of them fits.
        for i in 0 ..< 4 { #expect(truncate("\(dir)/p\(i)/.git/index", off_t(GitControlWatch.indexBudget / 2 + 1)) == 0) }
        let lines = watch.afterRun(workdir: dir)
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.hasPrefix("veil: the agent left indexes veil does not read (3 repositories: ") == true, "\(lines)")
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

    /// The agent names the files: a name that is a terminal's escape sequence, or that ends the
    /// line and starts one of veil's, is shown as code points (the run's stderr is the user's
    /// terminal even when the agent's own output went to a file).
    @Test func aHiddenFilesNameCannotWriteToTheTerminal() {
        let dir = GitControlWatchTests.scratch()
        defer { GitControlWatchTests.remove(dir) }
        let git = "git -c user.name=u -c user.email=u@example.com"
        let name = "a$(printf '\\033]52;c;aGk=\\007\\033[1A\\nveil: done')"
        #expect(system("cd '\(dir)' && \(git) init -q . && echo a > \"\(name)\" && \(git) add . && \(git) commit -qm x") == 0)
        let watch = GitControlWatch.atLaunch(workdir: dir)
        #expect(system("cd '\(dir)' && git update-index --assume-unchanged \"\(name)\"") == 0)
        let lines = watch.afterRun(workdir: dir)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("): a[U+001B]]52;c;aGk=[U+0007][U+001B][1A[U+000A]veil: done; `git") == true, "\(lines)")
        #expect(lines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 } })
    }
}
