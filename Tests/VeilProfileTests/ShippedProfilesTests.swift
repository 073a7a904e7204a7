import Foundation
import Testing
@testable import VeilProfile

/// The repository's profiles/ directory, found from this file so the test does not depend on
/// the working directory.
private let profilesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("profiles").path

@Suite struct ShippedProfilesTests {
    static let agentProfiles = ["claude-code", "codex", "gemini-cli", "aider", "opencode", "generic-openai", "mistral-vibe",
                                 "kimi-cli", "openhands"]
    let loader = ProfileLoader(search: ProfileSearchPath(directories: []))

    @Test func embeddedProfilesMatchTheProfilesDirectory() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: profilesDirectory).filter { $0.hasSuffix(".toml") }
        var onDisk: [String: String] = [:]
        for file in files {
            onDisk[String(file.dropLast(5))] = try String(contentsOfFile: profilesDirectory + "/" + file, encoding: .utf8)
        }
        #expect(Set(onDisk.keys) == Set(ShippedProfiles.files.keys),
                "Sources/VeilProfile/ShippedProfiles.swift is out of date: run scripts/embed-profiles")
        for (name, text) in onDisk {
            #expect(ShippedProfiles.files[name] == text,
                    "profiles/\(name).toml changed: run scripts/embed-profiles")
        }
    }

    /// The compiled-in layers are what a launch uses: each must be exactly what the decoder
    /// makes of the shipped text, and the loader must hand it out only for that text.
    @Test(arguments: ["default"] + agentProfiles)
    func compiledLayerEqualsTheDecodedText(name: String) throws {
        let text = try #require(ShippedProfiles.files[name])
        let decoded = try ProfileDecoder(file: "shipped:\(name).toml").decode(text, name: name)
        #expect(ShippedProfiles.compiledLayer(name) == decoded,
                "Sources/VeilProfile/ShippedLayers.swift is out of date: run scripts/embed-profiles")
        let source = try #require(try loader.search.source(named: name))
        #expect(ProfileLoader.compiledLayer(of: source) != nil)
        var edited = source
        edited.text = text.replacingOccurrences(of: "description = \"", with: "description = \"edited: ")
        #expect(ProfileLoader.compiledLayer(of: edited) == nil)
        #expect(try loader.layer(of: edited).description?.hasPrefix("edited: ") == true)
    }

    @Test func compiledLayersSourceIsCurrent() throws {
        let current = try String(contentsOfFile: profilesDirectory + "/../Sources/VeilProfile/ShippedLayers.swift", encoding: .utf8)
        #expect(try ShippedLayersSource.swiftFile(ShippedProfiles.files) == current,
                "Sources/VeilProfile/ShippedLayers.swift is out of date: run scripts/embed-profiles")
    }

    @Test(arguments: ["default"] + agentProfiles)
    func everyShippedProfileLoads(name: String) throws {
        let p = try loader.load(name)
        #expect(!p.description.isEmpty)
    }

    @Test(arguments: agentProfiles)
    func agentProfilesRouteThroughTheInspector(name: String) throws {
        let layer = try loader.layer(of: try #require(try loader.search.source(named: name)))
        #expect(layer.extends == "default")
        let p = try loader.load(name)
        #expect(!p.inspector.baseURLs.isEmpty && !p.inspector.keys.isEmpty && !p.inspector.connectAllow.isEmpty)
        #expect(p.inspector.rules.contains { $0.kind == .isoDate })
        // Every upstream host of the profile's own may be reached; nothing else is added by
        // accident. (Those it inherits from default are for SDKs, which use the base URL.)
        for url in layer.inspector.baseURLs {
            let host = url.upstream.split(separator: "/")[1]
            #expect(p.inspector.connectAllow.contains(String(host)), "\(name): \(host)")
        }
        // Credentials are masked keys, never passed through in the clear.
        #expect(Set(p.env.pass).isDisjoint(with: p.inspector.keys))
    }

    /// The built-in values, plus the vendors' SDK variables (what a user's own agent reads) and
    /// a neutral git identity (GitControl keeps the workdir repository's configuration read-only).
    @Test func defaultIsTheBuiltInNeutralProfile() throws {
        var p = try loader.load("default")
        #expect(p.extends == nil)
        #expect(p.filesystem.homeWrite == [.init(path: ".gitconfig", text: "[user]\n\tname = user\n\temail = user@localhost\n")])
        p.description = ""
        p.inspector.baseURLs = []
        p.inspector.keys = []
        p.filesystem.homeWrite = []
        #expect(p == Profile(name: "default"))
    }

    /// `veil run -- python3 my_agent.py` picks default: the anthropic, openai and google-genai
    /// SDKs find their base URL and key there.
    @Test func defaultRoutesTheVendorsSDKs() throws {
        let p = try loader.load("default")
        #expect(p.inspector.baseURLs == [
            .init(variable: "ANTHROPIC_BASE_URL", upstream: "https://api.anthropic.com"),
            .init(variable: "OPENAI_BASE_URL", upstream: "https://api.openai.com/v1"),
            .init(variable: "GOOGLE_GEMINI_BASE_URL", upstream: "https://generativelanguage.googleapis.com"),
        ])
        #expect(p.inspector.keys == ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"])
        #expect(Set(p.env.pass).isDisjoint(with: p.inspector.keys))
        #expect(p.inspector.connectAllow.isEmpty)
        #expect(try loader.profileName(forCommand: "python3") == "default")
    }

    /// Every profile inherits default's three routes; its own API still comes first, since a
    /// request whose API cannot be told goes to the first route.
    @Test(arguments: [("claude-code", "ANTHROPIC_BASE_URL"), ("codex", "OPENAI_BASE_URL"),
                      ("gemini-cli", "GOOGLE_GEMINI_BASE_URL"), ("aider", "OPENAI_API_BASE"),
                      ("opencode", "ANTHROPIC_BASE_URL"), ("generic-openai", "OPENAI_BASE_URL"),
                      ("kimi-cli", "KIMI_BASE_URL"), ("openhands", "LLM_BASE_URL"), ("mistral-vibe", "ANTHROPIC_BASE_URL")])
    func aProfilesOwnAPIComesFirst(name: String, variable: String) throws {
        let p = try loader.load(name)
        #expect(p.inspector.baseURLs.first?.variable == variable)
        let inherited = Set(try loader.load("default").inspector.baseURLs.map(\.variable))
        #expect(inherited.isSubset(of: p.inspector.baseURLs.map(\.variable)))
    }

    @Test(arguments: [("claude-code", "ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
                      ("codex", "OPENAI_BASE_URL", "https://api.openai.com/v1"),
                      ("gemini-cli", "GOOGLE_GEMINI_BASE_URL", "https://generativelanguage.googleapis.com")])
    func defaultUpstreams(name: String, variable: String, upstream: String) throws {
        let p = try loader.load(name)
        #expect(p.inspector.baseURLs.first { $0.variable == variable }?.upstream == upstream)
    }

    @Test func claudeCodeSwitchesOffTelemetry() throws {
        let p = try loader.load("claude-code")
        for name in ["DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
                     "DISABLE_AUTOUPDATER"] {
            #expect(p.env.set[name] == "1", "\(name)")
        }
        #expect(p.inspector.keys.contains("ANTHROPIC_API_KEY") && p.inspector.keys.contains("ANTHROPIC_AUTH_TOKEN"))
        #expect(!p.filesystem.homeFiles.contains(".claude.json"))
    }

    /// The agents' own switches for telemetry and update checks (their code, see the profiles),
    /// and OpenHands' settings file written from its variables.
    @Test(arguments: [("mistral-vibe", ["VIBE_ENABLE_TELEMETRY": "false", "VIBE_ENABLE_UPDATE_CHECKS": "false"]),
                      ("kimi-cli", ["KIMI_DISABLE_TELEMETRY": "1", "KIMI_CLI_NO_AUTO_UPDATE": "1"]),
                      ("openhands", ["LITELLM_LOCAL_MODEL_COST_MAP": "True"])])
    func newAgentsSwitchOffTelemetryAndUpdates(name: String, set: [String: String]) throws {
        let p = try loader.load(name)
        for (k, v) in set { #expect(p.env.set[k] == v, "\(name): \(k)") }
    }

    @Test func openHandsSettingsComeFromItsVariables() throws {
        let p = try loader.load("openhands")
        let file = try #require(p.filesystem.homeWrite.first { $0.path == ".openhands/agent_settings.json" })
        let text = file.expanded(in: ["LLM_MODEL": "openai/m", "LLM_API_KEY": "sk-placeholder", "LLM_BASE_URL": "http://127.0.0.1:8080"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let llm = try #require(json["llm"] as? [String: Any])
        #expect(llm["model"] as? String == "openai/m" && llm["api_key"] as? String == "sk-placeholder")
        #expect(llm["base_url"] as? String == "http://127.0.0.1:8080")
        #expect(p.inspector.keys.contains("LLM_API_KEY") && p.env.pass.contains("LLM_MODEL"))
    }

    /// `veil profile show` prints TOML that loads back into the same profile.
    @Test(arguments: ["default"] + agentProfiles)
    func shownProfileLoadsBackUnchanged(name: String) throws {
        let tree = try TempTree()
        defer { tree.remove() }
        let original = try loader.load(name)
        let path = try tree.write("shown/\(name).toml", original.tomlText())
        var again = try loader.load(path)
        again.extends = original.extends
        #expect(again == original)
    }

    /// The schema comment at the top of default.toml names every key the loader accepts.
    @Test func defaultTomlDocumentsEveryKey() throws {
        let text = try #require(ShippedProfiles.files["default"])
        let comment = text.split(separator: "\n").filter { $0.hasPrefix("#") }.joined(separator: "\n")
        for path in ProfileSchema.allPaths {
            let key = path.split(separator: ".").last!
            #expect(comment.contains(key), "default.toml's schema comment does not mention '\(path)'")
        }
    }
}
