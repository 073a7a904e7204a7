import Foundation
import Testing
@testable import VeilProfile

@Suite struct ProfileInheritanceTests {
    static let shipped: [String: String] = [
        "default": """
            description = "base of all"
            [identity]
            hostname = "localhost"
            [env]
            pass = ["TERM_X"]
            [inspector]
            connect_allow = ["a.example"]
            """,
        "parent": """
            description = "parent"
            [agent]
            commands = ["tool"]
            [identity]
            user = "parent"
            tz = "Etc/UTC"
            [env]
            pass = ["P1", "SHARED"]
            set = { ONE = "1", TWO = "2" }
            [filesystem]
            ro = ["/p"]
            [inspector]
            port = 9000
            connect_allow = ["b.example"]
            [inspector.base_urls]
            FIRST_URL = "https://first.example"
            SECOND_URL = "https://second.example"
            [inspector.modes]
            covert = "block"
            [[inspector.rules]]
            name = "r1"
            kind = "forbid"
            pattern = "parent"
            [[inspector.rules]]
            name = "r2"
            kind = "iso-date"
            """,
        "child": """
            extends = "parent"
            [identity]
            user = "child"
            [env]
            pass = ["SHARED", "C1"]
            set = { TWO = "two", THREE = "3" }
            [filesystem]
            ro = ["/p", "/c:/inside"]
            [inspector.base_urls]
            THIRD_URL = "https://third.example"
            FIRST_URL = "https://first.override"
            [inspector.modes]
            canary = "report"
            [[inspector.rules]]
            name = "r1"
            kind = "forbid"
            pattern = "child"
            """,
    ]

    let loader = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: shipped))

    @Test func scalarsOverrideListsAppendTablesMerge() throws {
        let p = try loader.load("child")
        #expect(p.name == "child" && p.extends == "parent")
        #expect(p.identity.user == "child")
        #expect(p.identity.tz == "Etc/UTC")
        #expect(p.identity.hostname == "localhost")
        #expect(p.env.pass == ["TERM_X", "P1", "SHARED", "C1"])
        #expect(p.env.set == ["ONE": "1", "TWO": "two", "THREE": "3"])
        #expect(p.filesystem.readOnly == [.init(source: "/p"), .init(source: "/c", target: "/inside")])
        #expect(p.inspector.port == 9000)
        #expect(p.inspector.connectAllow == ["a.example", "b.example"])
        // The child's own first, in its order (the first route takes what no API claims).
        #expect(p.inspector.baseURLs == [
            .init(variable: "THIRD_URL", upstream: "https://third.example"),
            .init(variable: "FIRST_URL", upstream: "https://first.override"),
            .init(variable: "SECOND_URL", upstream: "https://second.example"),
        ])
        #expect(p.inspector.modes.canary == .report && p.inspector.modes.covert == .block)
        #expect(p.inspector.modes.tag == .block)
        #expect(p.inspector.rules.map(\.name) == ["r1", "r2"])
        #expect(p.inspector.rules[0].pattern == "child")
    }

    @Test func descriptionAndCommandsBelongToTheFile() throws {
        let p = try loader.load("child")
        #expect(p.description == "")
        #expect(p.agent.commands.isEmpty)
        #expect(try loader.load("parent").agent.commands == ["tool"])
    }

    @Test func withoutExtendsAProfileStartsFromDefault() throws {
        let p = try loader.load("parent")
        #expect(p.extends == "default")
        #expect(p.env.pass == ["TERM_X", "P1", "SHARED"])
        let d = try loader.load("default")
        #expect(d.extends == nil)
        #expect(try loader.resolve("child").chain.map(\.name) == ["default", "parent", "child"])
    }

    @Test func withoutAnyDefaultTheBuiltInValuesApply() throws {
        let bare = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: ["solo": "[identity]\ntz = \"UTC\""]))
        let p = try bare.load("solo")
        var expected = Profile(name: "solo")
        expected.identity.tz = "UTC"
        #expect(p == expected)
    }
}

@Suite struct ProfileCycleTests {
    @Test func twoProfileCycleIsAnErrorAtExtends() throws {
        let loader = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: [
            "a": "description = \"a\"\nextends = \"b\"", "b": "extends = \"a\"",
        ]))
        let e = try #require(profileError { _ = try loader.load("a") })
        #expect(e.kind == .cycle)
        #expect(e.file == "shipped:b.toml")
        #expect(e.position == SourcePosition(line: 1, column: 11))
        #expect(e.message.contains("a → b → a"))
    }

    @Test func longerCycleThroughDefault() throws {
        let loader = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: [
            "default": "extends = \"x\"", "x": "extends = \"y\"", "y": "# no extends: implicitly default",
        ]))
        let e = try #require(profileError { _ = try loader.load("x") })
        #expect(e.kind == .cycle)
        #expect(e.message.contains("x → y → default → x"))
    }

    @Test func extendingOwnNameWithNothingBelowIsNotFound() throws {
        let loader = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: ["me": "\n  extends = \"me\""]))
        let e = try #require(profileError { _ = try loader.load("me") })
        #expect(e.kind == .notFound)
        #expect(e.position == SourcePosition(line: 2, column: 13))
        #expect(e.message.contains("extends its own name"))
    }

    @Test func missingParentIsNotFoundAtExtends() throws {
        let loader = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: ["a": "extends = \"nope\""]))
        let e = try #require(profileError { _ = try loader.load("a") })
        #expect(e.kind == .notFound && e.keyPath == "extends")
        #expect(e.description.hasPrefix("shipped:a.toml:1:11: no profile named 'nope'"))
    }

    @Test func unknownNameIsNotFound() {
        let loader = ProfileLoader(search: ProfileSearchPath(directories: [], shipped: [:]))
        #expect(profileError { _ = try loader.load("ghost") }?.kind == .notFound)
        #expect(profileError { _ = try loader.load("bad name") }?.kind == .notFound)
    }
}

@Suite struct ProfileSearchTests {
    static let shipped = [
        "default": "description = \"shipped default\"",
        "tool": "description = \"shipped tool\"\n[agent]\ncommands = [\"tool\"]\n[env]\npass = [\"SHIPPED\"]",
    ]

    @Test func projectBeatsUserBeatsShipped() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        let loader = tree.loader(shipped: Self.shipped)
        #expect(try loader.locate("tool").origin == .shipped)
        try tree.write("user/tool.toml", "description = \"user tool\"")
        #expect(try loader.locate("tool").origin == .user)
        try tree.write("project/tool.toml", "description = \"project tool\"")
        let s = try loader.locate("tool")
        #expect(s.origin == .project && s.path == tree.root + "/project/tool.toml")
        #expect(try loader.load("tool").description == "project tool")
        #expect(try loader.search.allSources(named: "tool").map(\.origin) == [.project, .user, .shipped])
    }

    @Test func extendsUsesTheSameSearch() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        try tree.write("user/base.toml", "[identity]\nhostname = \"user-base\"")
        try tree.write("project/app.toml", "extends = \"base\"")
        try tree.write("project/default.toml", "[identity]\ntz = \"Etc/UTC\"")
        let p = try tree.loader(shipped: Self.shipped).load("app")
        #expect(p.identity.hostname == "user-base")
        // The project's default (itself extending the shipped one) is the implicit base.
        #expect(p.identity.tz == "Etc/UTC")
        #expect(try tree.loader(shipped: Self.shipped).resolve("app").chain.map(\.origin)
            == [.shipped, .project, .user, .project])
    }

    @Test func extendingOwnNameRefinesTheNextOneDown() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        try tree.write("project/tool.toml", "extends = \"tool\"\n[env]\npass = [\"PROJECT\"]")
        let loader = tree.loader(shipped: Self.shipped)
        let p = try loader.load("tool")
        #expect(p.env.pass == ["SHIPPED", "PROJECT"])
        #expect(p.description == "shipped tool")
        #expect(p.agent.commands == ["tool"])
        #expect(try loader.profileName(forCommand: "tool") == "tool")
    }

    @Test func referencesWithSlashOrTomlAreFiles() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        let path = try tree.write("elsewhere/mine.toml", "[identity]\nhostname = \"mine\"")
        #expect(ProfileLoader.isPath("./x") && ProfileLoader.isPath("x.toml") && !ProfileLoader.isPath("x"))
        let loader = tree.loader(shipped: Self.shipped)
        let s = try loader.locate(path)
        #expect(s.origin == .file && s.name == "mine" && s.level == -1)
        #expect(try loader.load(path).identity.hostname == "mine")
        // A file inside a search directory keeps that directory's place in the order.
        let inProject = try tree.write("project/tool.toml", "extends = \"tool\"")
        #expect(try loader.locate(inProject).origin == .project)
        #expect(try loader.load(inProject).description == "shipped tool")
        #expect(profileError { _ = try loader.load(tree.root + "/missing.toml") }?.kind == .io)
        let latin1 = tree.root + "/latin1.toml"
        _ = FileManager.default.createFile(atPath: latin1, contents: Data([0x61, 0x20, 0x3D, 0x20, 0x22, 0xE9, 0x22]))
        let e = profileError { _ = try loader.load(latin1) }
        #expect(e?.kind == .io && e?.description == "\(latin1): the profile file is not valid UTF-8")
    }

    @Test func listShowsOriginsShadowingAndBrokenProfiles() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        try tree.write("user/tool.toml", "description = \"mine\"\n[agent]\ncommands = [\"t2\"]")
        try tree.write("project/broken.toml", "[identity]\nhostnam = \"x\"")
        try tree.write("project/not a profile.toml", "")
        let items = tree.loader(shipped: Self.shipped).list()
        #expect(items.map(\.name) == ["broken", "tool", "default"])
        let tool = try #require(items.first { $0.name == "tool" })
        #expect(tool.source.origin == .user && tool.shadowed.map(\.origin) == [.shipped])
        #expect(tool.description == "mine" && tool.commands == ["t2"])
        let broken = try #require(items.first { $0.name == "broken" })
        #expect(broken.error?.kind == .unknownKey)
    }

    @Test func standardSearchPathFollowsXDG() {
        let a = ProfileSearchPath.standard(currentDirectory: "/w", environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/h"])
        #expect(a.directories == [.init("/w/.veil/profiles", origin: .project), .init("/cfg/veil/profiles", origin: .user)])
        let b = ProfileSearchPath.standard(currentDirectory: "/w", environment: ["XDG_CONFIG_HOME": "rel", "HOME": "/h"])
        #expect(b.directories.last == .init("/h/.config/veil/profiles", origin: .user))
        let c = ProfileSearchPath.standard(currentDirectory: "/w", environment: [:])
        #expect(c.directories.count == 1)
        #expect(a.shipped == ShippedProfiles.files)
    }
}

@Suite struct CommandChoiceTests {
    @Test(arguments: [
        ("claude", "claude-code"), ("/home/u/.local/bin/claude", "claude-code"), ("codex", "codex"),
        ("gemini", "gemini-cli"), ("aider", "aider"), ("opencode", "opencode"), ("bash", "default"),
        ("claude-code", "default"), ("vibe", "mistral-vibe"), ("kimi", "kimi-cli"), ("openhands", "openhands"),
        ("/opt/veil-test-venv/bin/kimi", "kimi-cli"), ("mistral-vibe", "default"),
    ])
    func shippedProfilesByCommand(command: String, expected: String) throws {
        let loader = ProfileLoader(search: ProfileSearchPath(directories: []))
        #expect(try loader.profileName(forCommand: command) == expected)
    }

    @Test func userProfilesAreSearchedFirst() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        let loader = tree.loader(shipped: ShippedProfiles.files)
        // Deriving from claude-code under another name does not claim `claude`…
        try tree.write("user/my-claude.toml", "extends = \"claude-code\"")
        #expect(try loader.profileName(forCommand: "claude") == "claude-code")
        // …listing it does, ahead of the shipped profile.
        try tree.write("user/my-claude.toml", "extends = \"claude-code\"\n[agent]\ncommands = [\"claude\"]")
        #expect(try loader.profileName(forCommand: "claude") == "my-claude")
        try tree.write("project/team.toml", "[agent]\ncommands = [\"claude\"]")
        #expect(try loader.profileName(forCommand: "claude") == "team")
    }

    @Test func onlyARefinementOfTheSameNameCarriesItsCommandsOver() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        try tree.write("project/my-tool.toml", "# my own\nextends = \"tool\"\n[env]\nset = { X = \"tool\" }")
        #expect(try tree.loader(shipped: ProfileSearchTests.shipped).profileName(forCommand: "tool") == "tool")
        // The user's tool names no command but refines the shipped tool: it is chosen (were it
        // skipped, no profile would list `tool` and the answer would be `default`).
        try tree.write("user/tool.toml", "'extends' = 'tool'\n[env]\npass = [\"MINE\"]")
        let chosen = try tree.loader(shipped: ProfileSearchTests.shipped).choose(forCommand: "tool")
        #expect(chosen.name == "tool" && chosen.resolved?.chain.last?.origin == .user)
    }

    @Test func aBrokenVisibleProfileIsReported() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        try tree.write("project/oops.toml", "[agent]\ncommand = [\"x\"]")
        let e = try #require(profileError { _ = try tree.loader(shipped: [:]).profileName(forCommand: "x") })
        #expect(e.kind == .unknownKey && e.message.contains("did you mean 'agent.commands'?"))
    }
}
