// Which model API a request speaks, from its path alone. The scanner walks every string
// whatever the API (unknown JSON gets the same treatment), so the kind only names the
// request in findings and lets the proxy answer errors in the API's own format.

public enum APIKind: String, Sendable, Codable, CaseIterable {
    case anthropic, openai, gemini, unknown

    /// `/v1/messages` (and `/v1/messages/count_tokens`) → anthropic;
    /// `/chat/completions`, `/responses`, `/completions`, `/embeddings` → openai;
    /// `:generateContent`, `:streamGenerateContent`, `/v1beta/models` → gemini.
    /// Compared as UTF-8 bytes: it runs on every request, and Foundation's substring search
    /// (what `contains` on a String resolves to) cost more than the rest of the routing.
    public static func detect(path: String) -> APIKind {
        var p = Array(path.utf8)
        if let q = p.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { p.removeSubrange(q...) }
        while p.count > 1, p.last == UInt8(ascii: "/") { p.removeLast() }
        func has(_ s: StaticString) -> Bool { find(s, in: p) }
        func ends(_ s: StaticString) -> Bool {
            s.withUTF8Buffer { n in p.count >= n.count && p[(p.count - n.count)...].elementsEqual(n) }
        }
        if has(":generateContent") || has(":streamGenerateContent") || has(":countTokens") || has("/v1beta/models") {
            return .gemini
        }
        if ends("/messages") || ends("/messages/count_tokens") { return .anthropic }
        if ends("/chat/completions") || ends("/responses") || ends("/completions") || ends("/embeddings")
            || has("/responses/") {
            return .openai
        }
        return .unknown
    }

    private static func find(_ needle: StaticString, in hay: [UInt8]) -> Bool {
        needle.withUTF8Buffer { n in
            guard let first = n.first, n.count <= hay.count else { return false }
            for i in 0 ... hay.count - n.count where hay[i] == first && hay[i ..< i + n.count].elementsEqual(n) {
                return true
            }
            return false
        }
    }
}
