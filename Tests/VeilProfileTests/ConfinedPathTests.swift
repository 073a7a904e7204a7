import Glibc
import Testing
@testable import VeilProfile

/// veil's own writes in trees the agent can write never follow what the agent planted there.
@Suite struct ConfinedPathTests {
    let root: String
    init() {
        var template = Array("/tmp/veil-confined-XXXXXX".utf8CString)
        root = String(cString: mkdtemp(&template))
        mkdir(root + "/tree", 0o700)
        mkdir(root + "/outside", 0o700)
    }

    func contents(_ path: String) -> String? { HostFiles.read(path).map { String(decoding: $0, as: UTF8.self) } }

    @Test func createIfAbsentMakesDirectoriesAndNeverOverwrites() throws {
        #expect(try ConfinedPath.createIfAbsent(root: root + "/tree", ".config/app/settings", contents: Array("a".utf8)))
        #expect(contents(root + "/tree/.config/app/settings") == "a")
        #expect(try !ConfinedPath.createIfAbsent(root: root + "/tree", ".config/app/settings", contents: Array("b".utf8)))
        #expect(contents(root + "/tree/.config/app/settings") == "a")
    }

    @Test func createIfAbsentFollowsNoPlantedSymlink() throws {
        symlink(root + "/outside/victim", root + "/tree/.gitconfig")
        #expect(try !ConfinedPath.createIfAbsent(root: root + "/tree", ".gitconfig", contents: Array("x".utf8)))
        symlink(root + "/outside", root + "/tree/.config")
        #expect(throws: ConfinedPath.Refused.self) {
            try ConfinedPath.createIfAbsent(root: root + "/tree", ".config/victim", contents: Array("x".utf8))
        }
        #expect(!HostFiles.exists(root + "/outside/victim"))
        #expect(throws: ConfinedPath.Refused.self) {
            try ConfinedPath.createIfAbsent(root: root + "/tree", "../outside/victim", contents: [])
        }
    }

    @Test func writingRefusesSymlinksBelowATreeAndHardLinksEverywhere() throws {
        let tree = [root + "/tree"]
        symlink(root + "/outside/victim", root + "/tree/record.jsonl")
        #expect(throws: ConfinedPath.Refused.self) {
            try ConfinedPath.openForWriting(root + "/tree/record.jsonl", append: true, confinedTo: tree, cwd: "/")
        }
        mkdir(root + "/tree/out", 0o700)
        rmdir(root + "/tree/out")
        symlink(root + "/outside", root + "/tree/out")
        #expect(throws: ConfinedPath.Refused.self) {
            try ConfinedPath.openForWriting("out/report.json", append: false, confinedTo: tree, cwd: root + "/tree")
        }
        #expect(!HostFiles.exists(root + "/outside/victim") && !HostFiles.exists(root + "/outside/report.json"))
        let keep = open(root + "/tree/keep", O_WRONLY | O_CREAT, 0o600)
        _ = write(keep, "precious", 8)
        close(keep)
        link(root + "/tree/keep", root + "/tree/linked")
        #expect(throws: ConfinedPath.Refused.self) {
            try ConfinedPath.openForWriting(root + "/tree/linked", append: false, confinedTo: [], cwd: "/")
        }
        #expect(contents(root + "/tree/keep") == "precious")
    }

    @Test func anOrdinaryFileIsTruncatedOrAppended() throws {
        let path = root + "/tree/sub/report.json"
        mkdir(root + "/tree/sub", 0o700)
        var fd = try ConfinedPath.openForWriting(path, append: false, confinedTo: [root + "/tree"], cwd: "/")
        try ConfinedPath.writeAll(fd, Array("long contents".utf8), path: path)
        close(fd)
        fd = try ConfinedPath.openForWriting(path, append: false, confinedTo: [root + "/tree"], cwd: "/")
        try ConfinedPath.writeAll(fd, Array("new".utf8), path: path)
        close(fd)
        fd = try ConfinedPath.openForWriting(path, append: true, confinedTo: [], cwd: "/")
        try ConfinedPath.writeAll(fd, Array("+1".utf8), path: path)
        close(fd)
        #expect(contents(path) == "new+1")
    }
}
