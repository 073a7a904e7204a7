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
        ("description = \"runs claude-code\"\n", "claude", false),
        ("", "claude", false),
    ])
    func prefilter(text: String, command: String, expected: Bool) {
        #expect(ProfileLoader.mightName(command, in: text) == expected)
    }
}
