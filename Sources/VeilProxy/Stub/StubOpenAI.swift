import Foundation

/// OpenAI: Chat Completions and Responses (SSE or not), and `GET /v1/models`.
enum StubOpenAI {
    static let models = ["gpt-5", "gpt-5-mini", "gpt-4.1", "o4-mini"]

    static func lastUserText(chat messages: [[String: Any]]) -> String {
        messages.last { ($0["role"] as? String) == "user" }.map { StubText.text(of: $0["content"]) } ?? ""
    }

    static func chat(_ r: StubRequest) -> StubReply {
        let text = r.replyText(lastUser: lastUserText(chat: r.json["messages"] as? [[String: Any]] ?? []))
        let id = "chatcmpl-stub" + r.id.prefix(20)
        let out = StubText.outputTokens(text)
        let usage: [String: Any] = ["prompt_tokens": r.inputTokens, "completion_tokens": out,
                                    "total_tokens": r.inputTokens + out]
        guard r.stream else {
            return StubResponder.json([
                "id": id, "object": "chat.completion", "created": StubResponder.fixedTime, "model": r.model,
                "system_fingerprint": "fp_veil_stub",
                "choices": [["index": 0, "logprobs": NSNull(), "finish_reason": "stop",
                             "message": ["role": "assistant", "content": text, "refusal": NSNull()]]],
                "usage": usage,
            ])
        }
        func chunk(_ delta: [String: Any], finish: Any = NSNull(), choices: Bool = true) -> String {
            var o: [String: Any] = ["id": id, "object": "chat.completion.chunk", "created": StubResponder.fixedTime,
                                    "model": r.model, "system_fingerprint": "fp_veil_stub"]
            o["choices"] = choices ? [["index": 0, "delta": delta, "logprobs": NSNull(), "finish_reason": finish]] : [Any]()
            return StubResponder.encode(o)
        }
        var events: [(event: String?, data: String)] = [(nil, chunk(["role": "assistant", "content": ""]))]
        for piece in StubText.pieces(text) { events.append((nil, chunk(["content": piece]))) }
        events.append((nil, chunk([:], finish: "stop")))
        if let options = r.json["stream_options"] as? [String: Any], options["include_usage"] as? Bool == true {
            var o: [String: Any] = ["id": id, "object": "chat.completion.chunk", "created": StubResponder.fixedTime,
                                    "model": r.model, "choices": [Any]()]
            o["usage"] = usage
            events.append((nil, StubResponder.encode(o)))
        }
        events.append((nil, "[DONE]"))
        return StubResponder.sse(events)
    }

    static func lastUserText(responses input: Any?) -> String {
        if let s = input as? String { return s }
        guard let items = input as? [[String: Any]] else { return "" }
        let user = items.last { ($0["role"] as? String ?? "user") == "user" && $0["content"] != nil }
        return StubText.text(of: user?["content"])
    }

    static func responses(_ r: StubRequest) -> StubReply {
        let text = r.replyText(lastUser: lastUserText(responses: r.json["input"]))
        let id = "resp_stub" + r.id.prefix(20), itemID = "msg_stub" + r.id.prefix(20)
        let out = StubText.outputTokens(text)
        let part: [String: Any] = ["type": "output_text", "text": text, "annotations": [Any]()]
        let item: [String: Any] = ["type": "message", "id": itemID, "status": "completed", "role": "assistant",
                                   "content": [part]]
        func response(status: String, output: [Any], usage: Bool) -> [String: Any] {
            var o: [String: Any] = [
                "id": id, "object": "response", "created_at": StubResponder.fixedTime, "status": status,
                "model": r.model, "output": output, "error": NSNull(), "incomplete_details": NSNull(),
                "instructions": r.json["instructions"] ?? NSNull(), "metadata": [String: Any](),
                "parallel_tool_calls": true, "tool_choice": "auto", "tools": [Any](),
                "temperature": 1.0, "top_p": 1.0, "text": ["format": ["type": "text"]],
                "previous_response_id": NSNull(), "reasoning": ["effort": NSNull(), "summary": NSNull()],
            ]
            o["usage"] = usage ? [
                "input_tokens": r.inputTokens, "input_tokens_details": ["cached_tokens": 0],
                "output_tokens": out, "output_tokens_details": ["reasoning_tokens": 0],
                "total_tokens": r.inputTokens + out,
            ] as [String: Any] : NSNull()
            return o
        }
        guard r.stream else { return StubResponder.json(response(status: "completed", output: [item], usage: true)) }
        var events: [(event: String?, data: String)] = []
        func add(_ type: String, _ fields: [String: Any]) {
            var o = fields
            o["type"] = type
            o["sequence_number"] = events.count
            events.append((type, StubResponder.encode(o)))
        }
        var openItem = item
        openItem["status"] = "in_progress"
        openItem["content"] = [Any]()
        let at: [String: Any] = ["item_id": itemID, "output_index": 0, "content_index": 0]
        add("response.created", ["response": response(status: "in_progress", output: [], usage: false)])
        add("response.in_progress", ["response": response(status: "in_progress", output: [], usage: false)])
        add("response.output_item.added", ["output_index": 0, "item": openItem])
        add("response.content_part.added", at.merging(["part": ["type": "output_text", "text": "", "annotations": [Any]()]]) { a, _ in a })
        for piece in StubText.pieces(text) {
            add("response.output_text.delta", at.merging(["delta": piece, "logprobs": [Any]()]) { a, _ in a })
        }
        add("response.output_text.done", at.merging(["text": text, "logprobs": [Any]()]) { a, _ in a })
        add("response.content_part.done", at.merging(["part": part]) { a, _ in a })
        add("response.output_item.done", ["output_index": 0, "item": item])
        add("response.completed", ["response": response(status: "completed", output: [item], usage: true)])
        return StubResponder.sse(events)
    }

    static func models(path: String) -> StubReply {
        let entries: [[String: Any]] = models.map {
            ["id": $0, "object": "model", "created": StubResponder.fixedTime, "owned_by": "veil-stub"]
        }
        if path.contains("/models/"), let id = path.split(separator: "/").last {
            return entries.first { ($0["id"] as? String) == String(id) }.map { StubResponder.json($0) }
                ?? StubResponder.error(404, "model \(id) not found", style: .openai)
        }
        return StubResponder.json(["object": "list", "data": entries])
    }
}
