import Foundation
/// Anthropic Messages: `POST /v1/messages` (SSE or not) and `GET /v1/models`.
enum StubAnthropic {
    static let models = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]

    static func messages(_ r: StubRequest) -> StubReply {
        let messages = r.json["messages"] as? [[String: Any]] ?? []
        let lastUser = messages.last { ($0["role"] as? String) == "user" }.map { StubText.text(of: $0["content"]) } ?? ""
        let text = r.replyText(lastUser: lastUser)
        let id = "msg_stub_" + r.id.prefix(20)
        let outTokens = StubText.outputTokens(text)
        let usage: [String: Any] = ["input_tokens": r.inputTokens, "output_tokens": outTokens,
                                    "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0]
        guard r.stream else {
            return StubResponder.json([
                "id": id, "type": "message", "role": "assistant", "model": r.model,
                "content": [["type": "text", "text": text]],
                "stop_reason": "end_turn", "stop_sequence": NSNull(), "usage": usage,
            ])
        }
        var events: [(event: String?, data: String)] = []
        func add(_ name: String, _ object: [String: Any]) {
            var o = object
            o["type"] = name
            events.append((name, StubResponder.encode(o)))
        }
        var startUsage = usage
        startUsage["output_tokens"] = 1
        add("message_start", ["message": [
            "id": id, "type": "message", "role": "assistant", "model": r.model, "content": [Any](),
            "stop_reason": NSNull(), "stop_sequence": NSNull(), "usage": startUsage,
        ] as [String: Any]])
        add("content_block_start", ["index": 0, "content_block": ["type": "text", "text": ""]])
        add("ping", [:])
        for piece in StubText.pieces(text) {
            add("content_block_delta", ["index": 0, "delta": ["type": "text_delta", "text": piece]])
        }
        add("content_block_stop", ["index": 0])
        add("message_delta", ["delta": ["stop_reason": "end_turn", "stop_sequence": NSNull()],
                              "usage": ["output_tokens": outTokens]])
        add("message_stop", [:])
        return StubResponder.sse(events)
    }

    static func models(path: String) -> StubReply {
        let entries: [[String: Any]] = models.map {
            ["type": "model", "id": $0, "display_name": $0, "created_at": StubResponder.fixedTimeText]
        }
        if let id = path.split(separator: "/").last, path.contains("/models/") {
            return entries.first { ($0["id"] as? String) == String(id) }.map { StubResponder.json($0) }
                ?? StubResponder.error(404, "model \(id) not found", style: .anthropic)
        }
        return StubResponder.json(["data": entries, "has_more": false,
                                   "first_id": models.first!, "last_id": models.last!])
    }
}
