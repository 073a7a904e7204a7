import Testing
import VeilLaunch
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

    /// Placeholders of earlier runs restore to the host's current key, like this run's.
    @Test func earlierPlaceholdersAreRestoredToo() {
        let host = ["OPENAI_API_KEY": "sk-real-key-0123456789"]
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: host, upstreamOverride: nil,
                                     placeholders: ["OPENAI_API_KEY": "sk-now"], earlier: ["OPENAI_API_KEY": ["sk-then"]])
        #expect(w.credentials.map(\.placeholder) == ["sk-now", "sk-then"])
        #expect(w.credentials.allSatisfy { $0.real == "sk-real-key-0123456789" })
    }

    @Test func eachBaseURLRoutesToItsDefaultUpstream() {
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: [:], upstreamOverride: nil)
        #expect(w.routes.contains(Route(api: .openai, upstream: .url("https://api.openai.com/v1"))))
        #expect(w.routes.contains(Route(api: .anthropic, upstream: .url("https://api.anthropic.com"))))
        #expect(w.routes.last == Route(api: .unknown, upstream: .url("https://api.openai.com/v1")))
    }

    /// Each shipped profile also routes default's SDK variables; what no API claims still goes
    /// to the profile's own upstream (codex's OpenAI, not Anthropic's first in default).
    @Test(arguments: [("codex", "https://api.openai.com/v1"), ("gemini-cli", "https://generativelanguage.googleapis.com"),
                      ("claude-code", "https://api.anthropic.com"), ("default", "https://api.anthropic.com")])
    func unclaimedRequestsGoToTheProfilesOwnUpstream(name: String, upstream: String) throws {
        let p = try ProfileLoader(search: ProfileSearchPath(directories: [])).load(name)
        let w = InspectorWiring.make(profile: p, hostEnvironment: [:], upstreamOverride: nil)
        #expect(w.routes.last == Route(api: .unknown, upstream: .url(upstream)))
        #expect(Set(w.routes.map(\.api)) == [.anthropic, .openai, .gemini, .unknown])
    }

    /// kimi-cli's requests have OpenAI's shape: its own KIMI_BASE_URL must take them, ahead of
    /// the OPENAI_BASE_URL inherited from default (else the Kimi key would go to api.openai.com).
    @Test func kimisOpenAIShapedRequestsGoToKimi() throws {
        let p = try ProfileLoader(search: ProfileSearchPath(directories: [])).load("kimi-cli")
        let w = InspectorWiring.make(profile: p, hostEnvironment: [:], upstreamOverride: nil)
        #expect(w.routes.first { $0.api == .openai } == Route(api: .openai, upstream: .url("https://api.moonshot.ai/v1")))
        let cn = InspectorWiring.make(profile: p, hostEnvironment: ["KIMI_BASE_URL": "https://api.moonshot.cn/v1"],
                                      upstreamOverride: nil)
        #expect(cn.routes.first { $0.api == .openai }?.upstream == .url("https://api.moonshot.cn/v1"))
    }

    /// OpenHands' LLM_BASE_URL speaks whatever API its model does. Set on the host (a gateway),
    /// it takes every request; not set, each API goes to its vendor as in default.
    @Test func aHostSetBaseURLOfNoKnownAPITakesEveryAPI() throws {
        let p = try ProfileLoader(search: ProfileSearchPath(directories: [])).load("openhands")
        let gateway = InspectorWiring.make(profile: p, hostEnvironment: ["LLM_BASE_URL": "https://llm.corp.example/v1"],
                                           upstreamOverride: nil)
        for api in [APIKind.anthropic, .openai, .gemini, .unknown] {
            #expect(gateway.routes.first { $0.api == api }?.upstream == .url("https://llm.corp.example/v1"), "\(api)")
        }
        let unset = InspectorWiring.make(profile: p, hostEnvironment: [:], upstreamOverride: nil)
        #expect(unset.routes.first { $0.api == .openai }?.upstream == .url("https://api.openai.com/v1"))
        #expect(unset.routes.first { $0.api == .anthropic }?.upstream == .url("https://api.anthropic.com"))
        #expect(unset.routes.first { $0.api == .gemini }?.upstream == .url("https://generativelanguage.googleapis.com"))
    }

    @Test func theHostsBaseURLIsTheUpstream() {
        let host = ["ANTHROPIC_BASE_URL": "https://gateway.corp.example/anthropic"]
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: host, upstreamOverride: nil)
        #expect(w.routes.contains(Route(api: .anthropic, upstream: .url("https://gateway.corp.example/anthropic"))))
    }

    @Test func overrideKeepsTheAPIPath() {
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: [:], upstreamOverride: "http://127.0.0.1:5555")
        #expect(w.routes.contains(Route(api: .openai, upstream: .url("http://127.0.0.1:5555/v1"))))
        let s = InspectorWiring.make(profile: profile(), hostEnvironment: [:], upstreamOverride: "stub")
        #expect(s.routes.allSatisfy { $0.upstream == .stub })
    }

    @Test func eachPlaceholderTheAgentHoldsStandsForTheHostsKey() {
        let host = ["OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", "ANTHROPIC_API_KEY": ""]
        let seen = LaunchWiring.make(profile: profile(), hostEnvironment: host, port: 8080)
        let w = InspectorWiring.make(profile: profile(), hostEnvironment: host, upstreamOverride: nil,
                                     placeholders: seen.placeholders)
        #expect(w.credentials == [CredentialMask.Entry(variable: "OPENAI_API_KEY", placeholder: seen.environment["OPENAI_API_KEY"]!,
                                                       real: host["OPENAI_API_KEY"]!)])
        // A placeholder for a key the host does not have stands for nothing.
        let none = InspectorWiring.make(profile: profile(), hostEnvironment: [:], upstreamOverride: nil,
                                        placeholders: ["OPENAI_API_KEY": "sk-proj-xxxxxxxxxxxxxxxx"])
        #expect(none.credentials.isEmpty)
    }

    @Test func apiKinds() {
        #expect(InspectorWiring.apiKind(ofVariable: "GOOGLE_GEMINI_BASE_URL") == .gemini)
        #expect(InspectorWiring.apiKind(ofVariable: "OPENAI_API_BASE") == .openai)
        #expect(InspectorWiring.apiKind(ofVariable: "CLAUDE_CODE_OAUTH_TOKEN") == .anthropic)
        #expect(InspectorWiring.apiKind(ofVariable: "GOOGLE_API_KEY") == .gemini)
        #expect(InspectorWiring.apiKind(ofVariable: "MISTRAL_BASE_URL") == .unknown)
    }
}
