/// Whose model API a profile variable belongs to, by its name: `ANTHROPIC_BASE_URL` and
/// `CLAUDE_CODE_OAUTH_TOKEN` are Anthropic's, `GOOGLE_GEMINI_BASE_URL` and `GEMINI_API_KEY`
/// Google's. The launcher groups a profile's keys by it (one stand-in key per API under the
/// stub) and the inspector its routes (VeilApp's `InspectorWiring`), so both read a name alike.
public enum APIFamily: String, Sendable, CaseIterable {
    case anthropic, openai, gemini

    /// nil: a variable of no API veil knows by name. OpenRouter's and Moonshot's Kimi API
    /// (`KIMI_BASE_URL`, `MOONSHOT_API_KEY`) are OpenAI's Chat Completions API at another host:
    /// their route must take the OpenAI-shaped requests of the agent ahead of the `OPENAI_BASE_URL`
    /// every profile inherits, or the agent's own key would go to api.openai.com.
    public init?(variable name: String) {
        let n = name.uppercased()
        if n.contains("ANTHROPIC") || n.contains("CLAUDE") {
            self = .anthropic
        } else if n.contains("GEMINI") || n.contains("GOOGLE") {
            self = .gemini
        } else if n.contains("OPENAI") || n.contains("OPENROUTER") || n.contains("CODEX") || n.hasPrefix("KIMI_")
                    || n.hasPrefix("MOONSHOT_") {
            self = .openai
        } else {
            return nil
        }
    }

    /// Whose key a variable holds: the vendor, which may share its API's shape with others
    /// (a Kimi key is not an OpenAI key). One stand-in per vendor under the stub, so a host's
    /// OPENAI_API_KEY does not leave KIMI_API_KEY empty. The family's name for the names above,
    /// else the name's first word (`MISTRAL_API_KEY` → `mistral`).
    public static func vendor(ofVariable name: String) -> String {
        let n = name.uppercased()
        let first = n.split(separator: "_").first.map(String.init) ?? n
        switch first {
        case "KIMI", "MOONSHOT": return "moonshot"
        case "OPENROUTER": return "openrouter"
        default: return APIFamily(variable: n)?.rawValue ?? first.lowercased()
        }
    }
}
