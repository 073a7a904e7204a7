import Testing
@testable import VeilProfile

/// The launch-time prefilter of `profileName(forCommand:)` may skip a file only when it
/// cannot possibly list the command.
@Suite struct CommandChoicePrefilterTests {
    @Test(arguments: [
        ("[agent]\ncommands = [\"claude\"]\n", "claude", true),
        ("[agent]\ncommands = ['claude']\n", "claude", true),
        ("[agent]\ncommands = [\n  \"codex\",\n  \"claude\",\n]\n", "claude", true),
        ("[agent]\ncommands = [\"\\u0063laude\"]\n", "claude", true),
        ("[agent]\ncommands = [\"codex\"]\nx = true\n", "true", false),
        // The name as some other value is not a listing (opencode sets a variable to "true").
        ("[agent]\ncommands = [\"opencode\"]\n[env.set]\nX = \"true\"\n", "true", false),
        ("agent.commands = [\"aider\"] # \"claude\"\nx = \"claude\"\n", "claude", false),
        // Every way TOML can write the key or the list.
        ("agent = { commands = [ 'a', \"claude\" ] }\n", "claude", true),
        ("[agent]\n\"commands\" = [\"claude\"]\n", "claude", true),
        ("[agent]\n'commands'=[\n  # the CLI\n  \"claude\", # and more\n]\n", "claude", true),
        // What the prefilter does not follow counts as a possible listing.
        ("[agent]\ncommands = [\"\"\"claude\"\"\"]\n", "claude", true),
        ("[agent]\ncommands = [\"cl\\x\"]\n", "claude", true),
        ("[agent]\ncommands = other\n", "claude", true),
        ("[agent]\ncommands = [\"claude\"", "claude", true),
        ("description = \"runs claude-code\"\n", "claude", false),
        ("", "claude", false),
    ])
    func prefilter(text: String, command: String, expected: Bool) {
        #expect(ProfileLoader.mightName(command, in: text) == expected)
    }

    @Test func extendsIsReadFromTopLevelLinesOnly() {
        #expect(ProfileLoader.extendsValue(in: "# a comment\nextends = \"claude-code\"\n") == .name("claude-code"))
        #expect(ProfileLoader.extendsValue(in: "  'extends'='x' # why\n") == .name("x"))
        #expect(ProfileLoader.extendsValue(in: "# extends = \"NAME\"\ndescription = \"d\"\n") == .absent)
        #expect(ProfileLoader.extendsValue(in: "[agent]\nextends = \"x\"\n") == .absent)
        #expect(ProfileLoader.extendsValue(in: "extends = 5\n") == .unreadable)
        #expect(ProfileLoader.extendsValue(in: "extends = \"a\\tb\"\n") == .unreadable)
    }
}
