// Which model API a request speaks, from its path alone. The scanner walks every string
// whatever the API (unknown JSON gets the same treatment), so the kind only names the
// request in findings and lets the proxy answer errors in the API's own format.

public enum APIKind: String, Sendable, Codable, CaseIterable {
    case anthropic, openai, gemini, unknown

    /// `/v1/messages` (and `/v1/messages/count_tokens`) → anthropic;
    /// `/chat/completions`, `/responses`, `/completions`, `/embeddings` → openai;
    /// `:generateContent`, `:streamGenerateContent`, `/v1beta/models` → gemini.
    public static func detect(path: String) -> APIKind {
        var p = Substring(path)
        if let q = p.firstIndex(where: { $0 == "?" || $0 == "#" }) { p = p[..<q] }
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        if p.contains(":generateContent") || p.contains(":streamGenerateContent")
            || p.contains(":countTokens") || p.contains("/v1beta/models") {
            return .gemini
        }
        if p.hasSuffix("/messages") || p.hasSuffix("/messages/count_tokens") { return .anthropic }
        for suffix in ["/chat/completions", "/responses", "/completions", "/embeddings"]
        where p.hasSuffix(suffix) {
            return .openai
        }
        if p.contains("/responses/") { return .openai }
        return .unknown
    }
}
