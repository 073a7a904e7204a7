import Testing
import VeilScan
@testable import VeilCompare

/// compare's short-value policy (CompareCanaries): the host's user, host name and home are
/// canaries at any length, matched as whole words or paths.
@Suite struct CompareCanariesTests {
    /// The host of issue 15: root, /root, a two-letter host name.
    func rootHost() -> CompareCanaries {
        var f = HostFacts()
        f.userName = "root"
        f.home = "/root"
        f.hostname = "ab"
        f.timeZone = "UTC"
        return CompareCanaries.make(facts: f, workdir: "/root/project", sandbox: ("user", "localhost"))
    }

    func kinds(_ a: String, _ b: String, _ c: CompareCanaries) -> [(DifferenceKind, String)] {
        let x = scalars(a), y = scalars(b)
        return TextDiff.hunks(x, y).map { c.attributor.classify(x, y, $0) }
    }

    @Test func shortIdentityValuesAreCanaries() {
        let c = rootHost()
        #expect(Set(c.identity.map(\.value)) == ["root", "ab", "/root"])
        // The inspector's policy alone drops all three.
        #expect(HostFacts(userName: "root", hostname: "ab", home: "/root").canaries().isEmpty)
        let host = kinds("hostname: ab\n", "hostname: localhost\n", c)
        #expect(host.count == 1 && host[0].0 == .canary && host[0].1.contains("host name \"ab\""))
        let user = kinds("You are root.", "You are user.", c)
        #expect(user.count == 1 && user[0].0 == .canary && user[0].1.contains("user name"))
        let home = kinds("config in /root/.config", "config in /home/user/.config", c)
        #expect(home.count == 1 && home[0].0 == .canary && home[0].1.contains("home path \"/root\""))
    }

    @Test func onlyWholeWordsAndPaths() {
        let c = rootHost()
        #expect(kinds("Tell me about it", "Tell me more", c).allSatisfy { $0.0 != .canary })
        #expect(kinds("the rootfs image", "the disk image", c).allSatisfy { $0.0 != .canary })
        #expect(kinds("see /rootfs/etc", "see /srv/etc", c).allSatisfy { $0.0 != .canary })
        #expect(kinds("ab-1 tag", "xy-1 tag", c).first?.0 == .canary)
    }

    /// A path matches as a whole path: not inside a longer one, not glued to more of a name.
    @Test func pathsMatchAsWholePaths() {
        let home = Attributor(canaries: [], wholeWord: [Canary(label: "home path", value: "/root")])
        func kind(_ a: String, _ b: String) -> DifferenceKind? {
            let x = scalars(a), y = scalars(b)
            return TextDiff.hunks(x, y).first.map { home.classify(x, y, $0).0 }
        }
        #expect(kind("see /root/x", "see /srv/x") == .canary)
        #expect(kind("cd /root.", "cd /home.") == .canary)
        #expect(kind("see /srv/root/x", "see /srv/other/x") != .canary)
        #expect(kind("see /rootfs/x", "see /srv/x") != .canary)
        #expect(kind("backup /root.bak", "backup /tmp.bak") != .canary)
        #expect(kind("backup /root-old", "backup /tmp-old") != .canary)
    }

    @Test func sandboxValuesAndDuplicatesAreLeftOut() {
        var f = HostFacts()
        f.userName = "alice"
        f.home = "/home/alice"
        f.hostname = "localhost"
        let c = CompareCanaries.make(facts: f, workdir: "/home/alice/project", sandbox: ("user", "localhost"))
        #expect(c.identity.map(\.value) == ["alice", "/home/alice"])
        // Each value under one rule: the inspector's substring match is dropped for it.
        #expect(!c.others.contains { $0.value == "alice" || $0.value == "/home/alice" })
        #expect(c.others.contains { $0.value == "-home-alice-project" })
        // Not protected from normalisation: `ab` would keep UUIDs from being set aside.
        #expect(!rootHost().protected.contains("ab"))
    }
}

extension HostFacts {
    init(userName: String, hostname: String, home: String) {
        self.init()
        self.userName = userName
        self.hostname = hostname
        self.home = home
        self.timeZone = "UTC"
    }
}
