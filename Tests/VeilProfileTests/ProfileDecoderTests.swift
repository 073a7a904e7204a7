import Testing
@testable import VeilProfile

@Suite struct ProfileDecoderTests {
    /// (file text, kind, line:column, key path, part of the message)
    static let errors: [(String, ProfileError.Kind, String, String, String)] = [
        ("[identity]\nhostnam = \"x\"", .unknownKey, "2:1", "identity.hostnam", "did you mean 'identity.hostname'?"),
        ("hostname = \"x\"", .unknownKey, "1:1", "hostname", "did you mean 'identity.hostname'?"),
        ("[inspector.modes]\ncanry = \"block\"", .unknownKey, "2:1", "inspector.modes.canry", "'inspector.modes.canary'"),
        ("[[inspector.rules]]\nname = \"a\"\nkind = \"iso-date\"\nnmae = 1", .unknownKey, "4:1",
         "inspector.rules[0].nmae", "did you mean 'inspector.rules.name'?"),
        ("[sandbox]\nx = 1", .unknownKey, "1:2", "sandbox", "unknown key 'sandbox'"),
        ("[filesystem]\nreadonly = []", .unknownKey, "2:1", "filesystem.readonly", "unknown key"),
        ("[identity]\nuid = \"1000\"", .type, "2:7", "identity.uid", "must be an integer, found a string"),
        ("[env]\npass = \"HOME\"", .type, "2:8", "env.pass", "must be an array of strings"),
        ("[env]\npass = [1]", .type, "2:9", "env.pass[0]", "must be a string"),
        ("[env.set]\nFOO = 1", .type, "2:7", "env.set.FOO", "quote numbers"),
        ("identity = 1", .type, "1:12", "identity", "must be a table"),
        ("description = true", .type, "1:15", "description", "must be a string"),
        ("[identity]\nuid = 70000", .value, "2:7", "identity.uid", "out of range"),
        ("[identity]\ngid = -1", .value, "2:7", "identity.gid", "out of range"),
        ("[identity]\nhostname = \"my_host\"", .value, "2:12", "identity.hostname", "not a valid host name"),
        ("[identity]\nhostname = \"-bad.example\"", .value, "2:12", "identity.hostname", "not a valid host name"),
        ("[identity]\nuser = \"Root\"", .value, "2:8", "identity.user", "not a valid user name"),
        ("[identity]\nfull_name = \"a:b\"", .value, "2:13", "identity.full_name", "':'"),
        ("[identity]\ntz = \"../../etc/passwd\"", .value, "2:6", "identity.tz", "time zone"),
        ("[identity]\ntz = \"Mars/Olympus\"", .value, "2:6", "identity.tz", "not in the time zone database"),
        ("[identity]\nlocale = \"en US\"", .value, "2:10", "identity.locale", "locale"),
        ("[inspector]\nport = 0", .value, "2:8", "inspector.port", "out of range (1...65535)"),
        ("[filesystem]\nro = [\"~/../../etc\"]", .value, "2:7", "filesystem.ro[0]", "'..' component"),
        ("[filesystem]\nrw = [\"/proc/1/root\"]", .value, "2:7", "filesystem.rw[0]", "under /proc"),
        ("[filesystem]\nrw = [\"/srv/x:/proc/sys\"]", .value, "2:7", "filesystem.rw[0]", "veil's own"),
        ("[limits]\npids = -1", .value, "2:8", "limits.pids", "must be 0 (no limit) to"),
        ("[limits]\nmemory_mb = \"8G\"", .type, "2:13", "limits.memory_mb", "must be an integer"),
        ("[limits]\nmemory_nb = 1", .unknownKey, "2:1", "limits.memory_nb", "did you mean 'limits.memory_mb'?"),
        ("[inspector]\nport = 65536", .value, "2:8", "inspector.port", "out of range"),
        ("[inspector]\nmax_body_bytes = 0", .value, "2:18", "inspector.max_body_bytes", "between 1"),
        ("[inspector]\nmax_record_bytes = 100", .value, "2:20", "inspector.max_record_bytes", "between 4096"),
        ("[inspector.modes]\ncanary = \"warn\"", .value, "2:10", "inspector.modes.canary", "\"report\" or \"block\""),
        ("[env]\npass = [\"OK\", \"1BAD\"]", .value, "2:15", "env.pass[1]", "not a valid environment variable name"),
        ("[env.set]\n\"BAD-NAME\" = \"x\"", .value, "2:1", "env.set.BAD-NAME", "environment variable name"),
        ("[filesystem]\nro = [\"relative/path\"]", .value, "2:7", "filesystem.ro[0]", "absolute host path"),
        ("[filesystem]\nrw = [\"/data:inside\"]", .value, "2:7", "filesystem.rw[0]", "must be absolute"),
        ("[filesystem]\nhome_files = [\"/etc/passwd\"]", .value, "2:15", "filesystem.home_files[0]", "relative to the home"),
        ("[filesystem]\nhome_files = [\"a/../../x\"]", .value, "2:15", "filesystem.home_files[0]", "without '..'"),
        ("[filesystem.home_write]\n\"/etc/x\" = \"t\"", .value, "2:1", "filesystem.home_write.\"/etc/x\"", "relative to the home"),
        ("[filesystem.home_write]\n\"a/../b\" = \"t\"", .value, "2:1", "filesystem.home_write.\"a/../b\"", "without '..'"),
        ("[filesystem.home_write]\n\"a\" = 1", .type, "2:7", "filesystem.home_write.a", "the file's text"),
        ("[seccomp]\ndeny = [\"Mount\"]", .value, "2:9", "seccomp.deny[0]", "not a syscall name"),
        ("[inspector]\nconnect_allow = [\"bad host\"]", .value, "2:18", "inspector.connect_allow[0]", "not a host name"),
        ("[inspector]\nconnect_allow = [\"h.example:0\"]", .value, "2:18", "inspector.connect_allow[0]", "invalid port"),
        ("[inspector]\nconnect_allow = [\"[evil.example]:443\"]", .value, "2:18", "inspector.connect_allow[0]", "not a host name"),
        ("[inspector.base_urls]\nOPENAI_BASE_URL = \"https://h.example:99999/v1\"", .value, "2:19", "inspector.base_urls.OPENAI_BASE_URL", "port in 1-65535"),
        ("[inspector]\nown_typography = [\"dont\"]", .value, "2:19", "inspector.own_typography[0]", "no curly quote or dash"),
        ("[inspector]\nown_typography = [\"Donʼt\"]", .value, "2:19", "inspector.own_typography[0]", "no curly quote"),
        ("[inspector]\nown_typography = [\"it’s fine\"]", .value, "2:19", "inspector.own_typography[0]", "not one word"),
        ("[inspector.base_urls]\nOPENAI_BASE_URL = \"ftp://x\"", .value, "2:19", "inspector.base_urls.OPENAI_BASE_URL", "http://"),
        ("[inspector.base_urls]\nOPENAI_BASE_URL = 1", .type, "2:19", "inspector.base_urls.OPENAI_BASE_URL", "URL string"),
        ("[[inspector.rules]]\nname = \"r\"\nkind = \"regex\"", .value, "3:8", "inspector.rules[0].kind", "not a rule kind"),
        ("[[inspector.rules]]\nname = \"r\"\nkind = \"forbid\"", .value, "1:13", "inspector.rules[0].pattern", "needs 'pattern'"),
        ("[[inspector.rules]]\nkind = \"iso-date\"", .value, "1:13", "inspector.rules[0].name", "needs 'name'"),
        ("[[inspector.rules]]\nname = \"r\"\nkind = \"iso-date\"\n[[inspector.rules]]\nname = \"r\"\nkind = \"iso-date\"",
         .value, "5:8", "inspector.rules[1].name", "already defined"),
        ("[[inspector.rules]]\nname = \"r\"\nkind = \"iso-date\"\nmode = \"loud\"", .value, "4:8", "inspector.rules[0].mode", "not a mode"),
        ("[inspector]\nrules = 1", .type, "2:9", "inspector.rules", "array of tables"),
        ("[agent]\ncommands = [\"/usr/bin/claude\"]", .value, "2:13", "agent.commands[0]", "without '/'"),
        ("extends = \"a b\"", .value, "1:11", "extends", "not a valid profile name"),
        ("description = \"a\\u200Bb\"", .value, "1:15", "description", "invisible character U+200B"),
        ("[env.set]\nX = \"\u{E0041}\"", .value, "2:5", "env.set.X", "invisible character U+E0041"),
        ("[env]\npass = [\"A\", \"B\\uFE0F\"]", .value, "2:14", "env.pass[1]", "invisible character U+FE0F"),
        ("[identity]\nuid = 1\nuid = 2", .syntax, "3:1", "", "duplicate key 'identity.uid'"),
        ("[identity\n", .syntax, "1:10", "", "expected ']'"),
    ]

    @Test(arguments: errors)
    func reportsPositionedErrors(text: String, kind: ProfileError.Kind, position: String, keyPath: String,
                                 message: String) throws {
        let e = try #require(decodeError(text, file: "profiles/x.toml"))
        #expect(e.kind == kind, "\(e)")
        #expect(e.position?.description == position, "\(e)")
        #expect(e.keyPath == keyPath, "\(e)")
        #expect(e.message.contains(message), "\(e)")
        #expect(e.description.hasPrefix("profiles/x.toml:\(position): "))
    }

    @Test func rulePatternsMayNameInvisibleCharacters() throws {
        let layer = try ProfileDecoder(file: "x").decode(
            "[[inspector.rules]]\nname = \"zw\"\nkind = \"forbid\"\npattern = \"\\u200B\"", name: "x")
        #expect(layer.inspector.rules.first?.pattern == "\u{200B}")
    }

    @Test func errorDescriptionReadsLikeACompilerMessage() throws {
        let e = try #require(decodeError("description = \"x\"\n\n[identity]\nhostnam = \"y\"", file: "profiles/x.toml"))
        #expect(e.description == "profiles/x.toml:4:1: unknown key 'identity.hostnam' (did you mean 'identity.hostname'?)")
        #expect(e.line == 4 && e.column == 1)
    }

    @Test func decodesEveryField() throws {
        let layer = try ProfileDecoder(file: "x.toml").decode("""
            description = "all fields"
            extends = "base"
            [agent]
            commands = ["tool", "tool2", "tool"]
            [identity]
            user = "dev_1"
            uid = 0x3e9
            gid = 1_001
            full_name = "Jane Q. Public"
            hostname = "box.example"
            tz = "Etc/UTC"
            locale = "en_US.UTF-8"
            [env]
            pass = ["A_KEY"]
            set = { B = "2", A = "1" }
            [filesystem]
            ro = ["/opt/tools", "~/data:/data"]
            rw = ["/tmp/cache:/cache"]
            home_files = [".toolrc"]
            [seccomp]
            deny = ["ptrace"]
            allow = ["personality"]
            [inspector]
            port = 9000
            keys = ["TOOL_KEY"]
            connect_allow = ["api.example.com", "*.example.org", "h.example:8443", "*", "[::1]:8443"]
            own_typography = ["Don’t", "Codex—and"]
            max_body_bytes = 1024
            max_record_bytes = 8192
            base_urls = { Z_URL = "https://z.example/v1", A_URL = "http://127.0.0.1:9/x" }
            modes = { canary = "report", covert = "block" }
            [[inspector.rules]]
            name = "no-secret"
            kind = "forbid"
            pattern = "secret"
            mode = "block"
            """, name: "x")
        #expect(layer.description == "all fields")
        #expect(layer.extends == "base")
        #expect(layer.extendsPosition == SourcePosition(line: 2, column: 11))
        #expect(layer.commands == ["tool", "tool2"])
        #expect(layer.identity.user == "dev_1" && layer.identity.uid == 1001 && layer.identity.gid == 1001)
        #expect(layer.identity.hostname == "box.example" && layer.identity.tz == "Etc/UTC")
        #expect(layer.envSet.map(\.name) == ["B", "A"])
        #expect(layer.filesystem.readOnly == [.init(source: "/opt/tools"), .init(source: "~/data", target: "/data")])
        #expect(layer.filesystem.readWrite == [.init(source: "/tmp/cache", target: "/cache")])
        #expect(layer.seccomp.deny == ["ptrace"] && layer.seccomp.allow == ["personality"])
        #expect(layer.inspector.port == 9000 && layer.inspector.maxBodyBytes == 1024)
        #expect(layer.inspector.maxRecordBytes == 8192)
        #expect(layer.inspector.connectAllow.count == 5)
        #expect(layer.inspector.ownTypography == ["Don’t", "Codex—and"])
        #expect(layer.inspector.baseURLs.map(\.variable) == ["Z_URL", "A_URL"])
        #expect(layer.inspector.canary == .report && layer.inspector.covert == .block && layer.inspector.tag == nil)
        #expect(layer.inspector.rules == [Profile.Rule(name: "no-secret", kind: .forbid, pattern: "secret", mode: .block)])
    }

    static let suggestions: [(String, String?)] = [
        ("identity.hostnam", "identity.hostname"),
        ("inspector.connect-allow", "inspector.connect_allow"),
        ("inspector.baseurls", "inspector.base_urls"),
        ("uid", "identity.uid"),
        ("env.passthrough", nil),
        ("completely_unrelated_name", nil),
    ]

    @Test(arguments: suggestions)
    func suggestsTheClosestKnownKey(path: String, expected: String?) {
        #expect(ProfileSchema.suggestion(for: path) == expected)
    }
}

/// `[filesystem.home_write]`: files veil writes into the profile home, from the agent's variables.
@Suite struct HomeWriteTests {
    @Test func decodesInFileOrderAndAChildRewritesAFileInPlace() throws {
        let tree = try TempTree()
        defer { tree.remove() }
        try tree.write("user/base.toml", "[filesystem.home_write]\n\".a/one.json\" = '{}'\n\".a/two\" = 'x'\n")
        try tree.write("user/child.toml", "extends = \"base\"\n[filesystem.home_write]\n\".a/two\" = 'y'\n\".b\" = 'z'\n")
        let p = try tree.loader(shipped: ShippedProfiles.files).load("child")
        // After the default's (every profile extends it).
        #expect(p.filesystem.homeWrite.dropFirst() == [.init(path: ".a/one.json", text: "{}"), .init(path: ".a/two", text: "y"),
                                                       .init(path: ".b", text: "z")])
        #expect(p.filesystem.homeWrite.first?.path == ".gitconfig")
        // `veil profile show` writes it back as a profile that loads the same.
        let shown = try tree.write("shown/child.toml", p.tomlText())
        #expect(try tree.loader(shipped: ShippedProfiles.files).load(shown).filesystem.homeWrite == p.filesystem.homeWrite)
    }

    @Test func variablesAreTheAgentsJSONEscapedWithFallbacks() {
        let file = Profile.HomeWrite(path: "x.json", text: #"{"m": "${M:-a/b}", "k": "${K}", "u": "${U}", "n": "${NONE}", "$": "$HOME ${"#)
        let env = ["K": "sk-\"quoted\"\\\n", "U": "http://127.0.0.1:8080", "M": ""]
        #expect(file.expanded(in: env) == #"{"m": "a/b", "k": "sk-\"quoted\"\\\n", "u": "http://127.0.0.1:8080", "n": "", "$": "$HOME ${"#)
    }
}
