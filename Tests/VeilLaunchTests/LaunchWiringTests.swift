import Testing
import VeilProfile
@testable import VeilLaunch

func aiderProfile() -> Profile {
    var p = Profile(name: "aider")
    p.inspector.baseURLs = [
        .init(variable: "OPENAI_BASE_URL", upstream: "https://api.openai.com/v1"),
        .init(variable: "ANTHROPIC_BASE_URL", upstream: "https://api.anthropic.com"),
    ]
    p.inspector.keys = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
    return p
}

@Suite struct LaunchWiringTests {
    /// A profile that allows CONNECT gets the run CA, and every TLS stack's variable names the
    /// sandbox's bundle; one that allows none gets neither (and no inspector before the sandbox).
    @Test func connectHostsBringTheRunCA() {
        var p = aiderProfile()
        #expect(!LaunchWiring.make(profile: p, hostEnvironment: [:], port: 8080).needsRunCA)
        #expect(LaunchWiring.make(profile: p, hostEnvironment: [:], port: 8080).environment["SSL_CERT_FILE"] == nil)
        p.inspector.connectAllow = ["api.openai.com"]
        let w = LaunchWiring.make(profile: p, hostEnvironment: ["SSL_CERT_FILE": "/etc/corp/ca.pem"], port: 8080)
        #expect(w.needsRunCA)
        for name in LaunchWiring.trustVariables { #expect(w.environment[name] == "/etc/ssl/certs/ca-certificates.crt") }
        #expect(w.environment["SSL_CERT_DIR"] == "/etc/ssl/certs")
    }

    @Test func baseURLsPointAtTheInspectorWithTheirPath() {
        let w = LaunchWiring.make(profile: aiderProfile(), hostEnvironment: [:], port: 8080)
        #expect(w.environment["OPENAI_BASE_URL"] == "http://127.0.0.1:8080/v1")
        #expect(w.environment["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:8080")
    }

    @Test func theHostsBaseURLKeepsItsPathButIsNeverSeenInside() {
        let host = ["ANTHROPIC_BASE_URL": "https://gateway.corp.example/anthropic"]
        let w = LaunchWiring.make(profile: aiderProfile(), hostEnvironment: host, port: 9000)
        #expect(w.environment["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9000/anthropic")
        #expect(!w.environment.values.contains { $0.contains("corp.example") })
    }

    @Test func proxiesPointAtTheInspectorAndKeysAreMasked() {
        let host = ["OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"]
        let w = LaunchWiring.make(profile: aiderProfile(), hostEnvironment: host, port: 8080)
        for v in LaunchWiring.proxyVariables { #expect(w.environment[v] == "http://127.0.0.1:8080") }
        #expect(w.environment["NO_PROXY"] == "localhost,127.0.0.1,::1")
        let placeholder = w.environment["OPENAI_API_KEY"]
        #expect(placeholder != nil && placeholder != host["OPENAI_API_KEY"])
        #expect(placeholder?.hasPrefix("sk-proj-") == true)
        #expect(w.placeholders == ["OPENAI_API_KEY": placeholder!])
        #expect(w.environment["ANTHROPIC_API_KEY"] == nil)  // not set on the host: nothing to mask
    }

    /// Under the stub an SDK still wants a key: one stand-in per API the host has no key for,
    /// in the first of that API's variables; a key the host sets stays a placeholder.
    @Test func theStubGivesEachAPIWithoutAHostKeyOneStandIn() {
        var p = aiderProfile()
        p.inspector.keys = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY",
                            "GEMINI_API_KEY", "GOOGLE_API_KEY", "TOOL_KEY"]
        let host = ["OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", "GOOGLE_API_KEY": ""]
        let w = LaunchWiring.make(profile: p, hostEnvironment: host, port: 8080, upstream: "stub")
        #expect(w.environment["ANTHROPIC_API_KEY"] == "sk-ant-api03-veil-stub-key")
        #expect(w.environment["ANTHROPIC_AUTH_TOKEN"] == nil)
        #expect(w.environment["GEMINI_API_KEY"] == "AIza-veil-stub-key")
        #expect(w.environment["GOOGLE_API_KEY"] == nil)
        #expect(w.environment["TOOL_KEY"] == "veil-stub-key")
        let placeholder = w.environment["OPENAI_API_KEY"]
        #expect(placeholder != host["OPENAI_API_KEY"] && placeholder?.hasPrefix("sk-proj-") == true)
        // Stand-ins stand for nothing: the inspector is told only of placeholders.
        #expect(w.placeholders == ["OPENAI_API_KEY": placeholder!])
        // The host's key for one of an API's variables covers the API.
        let token = LaunchWiring.make(profile: p, hostEnvironment: ["ANTHROPIC_AUTH_TOKEN": "tok-0123456789abcdef"],
                                      port: 8080, upstream: "stub")
        #expect(token.environment["ANTHROPIC_API_KEY"] == nil && token.placeholders.keys.contains("ANTHROPIC_AUTH_TOKEN"))
    }

    /// The Kimi API has OpenAI's shape but is another vendor: the host's OPENAI_API_KEY does
    /// not cover KIMI_API_KEY, which gets a stand-in of its own (kimi-cli sends nothing without).
    @Test func aVendorWithOpenAIsShapeGetsItsOwnStandIn() {
        var p = aiderProfile()
        p.inspector.keys = ["OPENAI_API_KEY", "KIMI_API_KEY", "CODEX_API_KEY", "LLM_API_KEY"]
        let w = LaunchWiring.make(profile: p, hostEnvironment: ["OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz0123"],
                                  port: 8080, upstream: "stub")
        #expect(w.environment["KIMI_API_KEY"] == "sk-veil-stub-key")
        #expect(w.environment["CODEX_API_KEY"] == nil)  // OpenAI's own, covered by the host's key
        #expect(w.environment["LLM_API_KEY"] == "veil-stub-key")
    }

    /// Against a real API (or a chosen server) a made-up key would be sent, and would shadow a
    /// login the agent keeps in its home.
    @Test func noStandInWithoutTheStub() {
        for upstream in [nil, "http://127.0.0.1:5555"] {
            let w = LaunchWiring.make(profile: aiderProfile(), hostEnvironment: [:], port: 8080, upstream: upstream)
            #expect(w.environment["ANTHROPIC_API_KEY"] == nil && w.environment["OPENAI_API_KEY"] == nil)
        }
    }

    @Test func urlPathsAndSchemes() {
        #expect(LaunchWiring.urlPath("https://api.openai.com/v1/") == "/v1")
        #expect(LaunchWiring.urlPath("https://api.anthropic.com") == "")
        #expect(LaunchWiring.urlPath("http://127.0.0.1:5555/a/b") == "/a/b")
        #expect(LaunchWiring.urlPath("api.openai.com/v1") == "")
        // Read as the inspector reads the URL: the path starts after the authority, which ends
        // at `#` too, and a URL it cannot read has none.
        #expect(LaunchWiring.urlPath("https://user@gw.example/v1?x=1#f/g") == "/v1?x=1")
        #expect(LaunchWiring.urlPath("https://gw.example#@other/v1") == "")
        #expect(LaunchWiring.urlPath("https://gw.example:99999/v1") == "")
    }
}

@Suite struct PlaceholderTests {
    @Test func placeholdersKeepTheKeysShapeButNotItsSecret() {
        for real in ["sk-ant-api03-AbCdEf0123456789xyzXYZ-_", "sk-proj-abcdefghijklmnop0123", "AIzaSyA1b2C3d4E5f6G7h8",
                     "vendor_key_0123456789abcdef", "plainkey1234567890"] {
            let p = Placeholder.make(variables: ["K"], hostEnvironment: ["K": real])["K"]!
            #expect(p != real && p.count == real.count)
            let visible = Placeholder.visiblePrefix(of: real).count
            #expect(p.prefix(visible) == real.prefix(visible))
            #expect(!p.contains(String(real.dropFirst(visible).prefix(8))))
        }
        #expect(Placeholder.visiblePrefix(of: "sk-ant-api03-AbCdEf0123456789") == "sk-ant-api03-")
        #expect(Placeholder.make(variables: ["K"], hostEnvironment: ["K": ""]).isEmpty)
        #expect(Placeholder.make(variables: ["K"], hostEnvironment: [:]).isEmpty)
    }
}

@Suite struct PlaceholderLedgerTests {
    static let real = "sk-proj-abcdefghijklmnop0123456789"

    /// The same seed gives the same placeholder run after run (Codex keeps the key it was
    /// given); another seed, or another variable, gives another.
    @Test func aSeedMakesPlaceholdersStable() {
        let seed: [UInt64] = [1, 2, 3, 4]
        let env = ["OPENAI_API_KEY": Self.real, "CODEX_API_KEY": Self.real]
        let a = Placeholder.make(variables: Array(env.keys), hostEnvironment: env, seed: seed)
        #expect(a == Placeholder.make(variables: Array(env.keys), hostEnvironment: env, seed: seed))
        #expect(a["OPENAI_API_KEY"] != a["CODEX_API_KEY"])
        #expect(a != Placeholder.make(variables: Array(env.keys), hostEnvironment: env, seed: [1, 2, 3, 5]))
        #expect(a["OPENAI_API_KEY"]!.hasPrefix("sk-proj-") && a["OPENAI_API_KEY"] != Self.real)
        // Pinned: a placeholder must not change when veil is rebuilt (the agent stored it).
        #expect(Placeholder.make(variables: ["K"], hostEnvironment: ["K": "sk-proj-abcdefgh0123"], seed: seed)["K"] == "sk-proj-fsuvtacp2259")
    }

    @Test func theLedgerKeepsEveryPlaceholderIssued() throws {
        var ledger = PlaceholderLedger.fresh()
        let first = ledger.note(["OPENAI_API_KEY": "sk-one"]), again = ledger.note(["OPENAI_API_KEY": "sk-one"])
        let second = ledger.note(["OPENAI_API_KEY": "sk-two"])
        #expect(first && !again && second)
        #expect(ledger.earlier(than: ["OPENAI_API_KEY": "sk-two"]) == ["OPENAI_API_KEY": ["sk-one"]])
        // A key the host no longer sets has nothing to be restored to.
        #expect(ledger.earlier(than: [:]).isEmpty)
        let parsed = try #require(PlaceholderLedger.parse(ledger.render()))
        #expect(parsed == ledger)
        #expect(PlaceholderLedger.parse("seed 12\n") == nil)
        for i in 0..<40 { _ = ledger.note(["OPENAI_API_KEY": "sk-\(i)"]) }
        #expect(ledger.issued.count == PlaceholderLedger.keep)
    }
}

@Suite struct DecoyTests {
    @Test func parsing() {
        #expect(Decoy("tz=Asia/Shanghai") == Decoy(dimension: .tz, value: "Asia/Shanghai"))
        #expect(Decoy("base-host=api.deepseek.com") == Decoy(dimension: .baseHost, value: "api.deepseek.com"))
        #expect(Decoy("colour=red") == nil)
        #expect(Decoy("tz") == nil)
    }

    @Test func identityDecoysChangeTheProfile() {
        var p = Profile(name: "default")
        Decoy.apply([Decoy("tz=Asia/Urumqi")!, Decoy("hostname=zhang-pc")!, Decoy("user=zhangwei")!], to: &p)
        #expect(p.identity.tz == "Asia/Urumqi" && p.identity.hostname == "zhang-pc" && p.identity.user == "zhangwei")
    }

    @Test func networkDecoysRenameHostsThatResolveToTheInspector() {
        var p = Profile(name: "claude-code")
        p.inspector.baseURLs = [.init(variable: "ANTHROPIC_BASE_URL", upstream: "https://api.anthropic.com")]
        var w = LaunchWiring.make(profile: p, hostEnvironment: [:], port: 8080)
        let hosts = Decoy.applyNetwork([Decoy("base-host=https://api.deepseek.com")!, Decoy("proxy=proxy.example.cn:3128")!],
                                       to: &w.environment, port: 8080)
        #expect(hosts == ["api.deepseek.com", "proxy.example.cn"])
        #expect(w.environment["ANTHROPIC_BASE_URL"] == "http://api.deepseek.com:8080")
        #expect(w.environment["HTTPS_PROXY"] == "http://proxy.example.cn:8080")
        // The decoy base host is reached directly, not through the (decoy) proxy.
        #expect(w.environment["NO_PROXY"] == "localhost,127.0.0.1,::1,api.deepseek.com")
        // Read as every other host is: after the last `@`, up to the port (probe looks for the same).
        var e: [String: String] = [:]
        #expect(Decoy.applyNetwork([Decoy("proxy=http://user:pw@Proxy.Example.cn:3128/")!], to: &e, port: 1) == ["Proxy.Example.cn"])
    }
}
