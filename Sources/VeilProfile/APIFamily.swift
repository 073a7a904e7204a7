/// Whose model API a profile variable belongs to, by its name: `ANTHROPIC_BASE_URL` and
/// `CLAUDE_CODE_OAUTH_TOKEN` are Anthropic's, `GOOGLE_GEMINI_BASE_URL` and `GEMINI_API_KEY`
/// Google's. The launcher groups a profile's keys by it (one stand-in key per API under the
/// stub) and the inspector its routes (VeilApp's `InspectorWiring`), so both read a name alike.
public enum APIFamily: String, Sendable, CaseIterable {
    case anthropic, openai, gemini

    /// nil: a variable of no API veil knows by name.
    public init?(variable name: String) {
        let n = name.uppercased()
        if n.contains("ANTHROPIC") || n.contains("CLAUDE") {
            self = .anthropic
        } else if n.contains("GEMINI") || n.contains("GOOGLE") {
            self = .gemini
        } else if n.contains("OPENAI") || n.contains("OPENROUTER") || n.contains("CODEX") {
            self = .openai
        } else {
            return nil
        }
    }
}
