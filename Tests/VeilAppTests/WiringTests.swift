import Testing
import VeilProfile
import VeilProxy
import VeilScan
@testable import VeilApp

@Suite struct WiringTests {
    func profile() -> Profile {
        var p = Profile(name: "aider")
        p.inspector.baseURLs = [
            .init(variable: "OPENAI_BASE_URL", upstream: "https://api.openai.com/v1"),
            .init(variable: "ANTHROPIC_BASE_URL", upstream: "https://api.anthropic.com"),
        ]
        p.inspector.keys = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
        return p
    }

    @Test func baseURLsPointAtTheInspectorWithTheirPath() {
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: [:], port: 8080, upstreamOverride: nil)
        #expect(w.environment["OPENAI_BASE_URL"] == "http://127.0.0.1:8080/v1")
        #expect(w.environment["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:8080")
        #expect(w.routes.contains(Route(api: .openai, upstream: .url("https://api.openai.com/v1"))))
        #expect(w.routes.contains(Route(api: .anthropic, upstream: .url("https://api.anthropic.com"))))
        #expect(w.routes.last == Route(api: .unknown, upstream: .url("https://api.openai.com/v1")))
    }

    @Test func theHostsBaseURLIsTheUpstreamButNeverSeenInside() {
        let host = ["ANTHROPIC_BASE_URL": "https://gateway.corp.example/anthropic"]
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: host, port: 9000, upstreamOverride: nil)
        #expect(w.environment["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9000/anthropic")
        #expect(w.routes.contains(Route(api: .anthropic, upstream: .url("https://gateway.corp.example/anthropic"))))
        #expect(!w.environment.values.contains { $0.contains("corp.example") })
    }

    @Test func overrideKeepsTheAPIPath() {
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: [:], port: 8080, upstreamOverride: "http://127.0.0.1:5555")
        #expect(w.routes.contains(Route(api: .openai, upstream: .url("http://127.0.0.1:5555/v1"))))
        let s = InspectorWiring.make(profile: profile(), hostEnvironment: [:], port: 8080, upstreamOverride: "stub")
        #expect(s.routes.allSatisfy { $0.upstream == .stub })
    }

    @Test func proxiesPointAtTheInspectorAndKeysAreMasked() {
        let host = ["OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"]
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: host, port: 8080, upstreamOverride: nil)
        for v in InspectorWiring.proxyVariables { #expect(w.environment[v] == "http://127.0.0.1:8080") }
        #expect(w.environment["NO_PROXY"] == "localhost,127.0.0.1,::1")
        let placeholder = w.environment["OPENAI_API_KEY"]
        #expect(placeholder != nil && placeholder != host["OPENAI_API_KEY"])
        #expect(placeholder?.hasPrefix("sk-proj-") == true)
        #expect(w.environment["ANTHROPIC_API_KEY"] == nil)  // not set on the host: nothing to mask
        #expect(w.credentials.count == 1 && w.credentials[0].real == host["OPENAI_API_KEY"])
    }

    @Test func urlPathAndAPIKinds() {
        #expect(InspectorWiring.urlPath("https://api.openai.com/v1/") == "/v1")
        #expect(InspectorWiring.urlPath("https://api.anthropic.com") == "")
        #expect(InspectorWiring.apiKind(ofVariable: "GOOGLE_GEMINI_BASE_URL") == .gemini)
        #expect(InspectorWiring.apiKind(ofVariable: "OPENAI_API_BASE") == .openai)
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
        var w = InspectorWiring.make(profile: p, hostEnvironment: [:], port: 8080, upstreamOverride: "stub")
        let hosts = Decoy.applyNetwork([Decoy("base-host=https://api.deepseek.com")!, Decoy("proxy=proxy.example.cn:3128")!], to: &w, port: 8080)
        #expect(hosts == ["api.deepseek.com", "proxy.example.cn"])
        #expect(w.environment["ANTHROPIC_BASE_URL"] == "http://api.deepseek.com:8080")
        #expect(w.environment["HTTPS_PROXY"] == "http://proxy.example.cn:8080")
        // The decoy base host is reached directly, not through the (decoy) proxy.
        #expect(w.environment["NO_PROXY"] == "localhost,127.0.0.1,::1,api.deepseek.com")
    }
}

@Suite struct RunArgumentsTests {
    @Test func wellFormedLinesTakeTheFastPath() {
        let o = RunArguments.parse(["run", "--profile", "aider", "-v", "--fail-on-marker", "--decoy", "tz=Asia/Urumqi",
                                    "--upstream", "stub", "--", "aider", "--yes"])
        #expect(o?.profile == "aider" && o?.verbose == true && o?.failOnMarker == true && o?.upstream == "stub")
        #expect(o?.decoys == [Decoy(dimension: .tz, value: "Asia/Urumqi")])
        #expect(o?.command == ["aider", "--yes"])
    }

    @Test(arguments: [
        ["run", "--help"], ["run", "--profile"], ["run", "--", ], ["run", "--colour", "x", "--", "a"],
        ["run", "--decoy", "nonsense", "--", "a"], ["run", "claude"], ["doctor"],
    ])
    func anythingElseGoesToTheFullParser(args: [String]) {
        #expect(RunArguments.parse(args) == nil)
    }
}
