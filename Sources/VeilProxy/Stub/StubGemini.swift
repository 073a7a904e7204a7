import Foundation

/// Gemini: `models/{m}:generateContent`, `:streamGenerateContent` (`?alt=sse` or a JSON array)
/// and `GET /v1beta/models`.
enum StubGemini {
    static let models = ["gemini-2.5-pro", "gemini-2.5-flash"]

    static func generate(_ r: StubRequest) -> StubReply {
        let contents = r.json["contents"] as? [[String: Any]] ?? []
        let user = contents.last { ($0["role"] as? String ?? "user") == "user" }
        let lastUser = (user?["parts"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: "\n")
        let text = r.replyText(lastUser: lastUser)
        let model = modelName(r.path)
        let out = StubText.outputTokens(text)
        let usage: [String: Any] = ["promptTokenCount": r.inputTokens, "candidatesTokenCount": out,
                                    "totalTokenCount": r.inputTokens + out]
        func chunk(_ piece: String, finish: Bool) -> [String: Any] {
            var candidate: [String: Any] = ["content": ["parts": [["text": piece]], "role": "model"], "index": 0]
            if finish { candidate["finishReason"] = "STOP" }
            return ["candidates": [candidate], "usageMetadata": usage, "modelVersion": model,
                    "responseId": "stub" + r.id.prefix(20)]
        }
        guard r.path.contains(":streamGenerateContent") else {
            return StubResponder.json(chunk(text, finish: true))
        }
        let pieces = StubText.pieces(text)
        let chunks = pieces.enumerated().map { chunk($1, finish: $0 == pieces.count - 1) }
        if r.query.contains("alt=sse") {
            return StubResponder.sse(chunks.map { (nil, StubResponder.encode($0)) })
        }
        // Without alt=sse Gemini streams one JSON array, element by element.
        let elements = chunks.enumerated().map { ($0 == 0 ? "[" : ",\r\n") + StubResponder.encode($1) }
        return StubReply(status: 200, contentType: "application/json; charset=UTF-8",
                         parts: elements + ["]"], streaming: true)
    }

    static func modelName(_ path: String) -> String {
        guard let r = path.range(of: "/models/") else { return "gemini-2.5-pro" }
        return String(path[r.upperBound...].prefix { $0 != ":" })
    }

    static func models(path: String) -> StubReply {
        let entries: [[String: Any]] = models.map {
            ["name": "models/\($0)", "version": "001", "displayName": $0, "description": "veil stub model",
             "inputTokenLimit": 1_048_576, "outputTokenLimit": 65536,
             "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"]]
        }
        if let r = path.range(of: "/models/") {
            let id = String(path[r.upperBound...])
            return entries.first { ($0["name"] as? String) == "models/\(id)" }.map { StubResponder.json($0) }
                ?? StubResponder.error(404, "model \(id) not found", style: .gemini)
        }
        return StubResponder.json(["models": entries])
    }
}
