import Foundation
import NIOCore
import Testing
@testable import VeilProxy

@Suite("stub model API") struct StubTests {
    /// Claude Code's first start checks these two through its tunnels, and stops on a 404.
    @Test func claudeCodesConnectivityChecksAreAnswered() {
        let stub = StubResponder()
        for path in ["/api/hello", "/v1/oauth/hello"] {
            #expect(stub.respond(method: .GET, uri: path, headers: [:], body: ByteBuffer()).status == 200)
        }
        #expect(stub.respond(method: .GET, uri: "/api/goodbye", headers: [:], body: ByteBuffer()).status == 404)
    }

    /// The red team's request: 63 MiB of `[0,0,…]` (600 bytes as gzip, gzip) parsed whole
    /// by Foundation took 1.9 GB of the host's memory. Past 4 MiB the stub answers 413 unread.
    @Test func aBodyPastFourMiBIsNotParsed() {
        let stub = StubResponder()
        let big = "{\"model\":\"m\",\"messages\":[" + String(repeating: "0,", count: 2 << 20) + "0]}"
        #expect(stub.respond(method: .POST, uri: "/v1/messages", headers: [:], body: ByteBuffer(string: big)).status == 413)
        #expect(stub.webSocketMessages(Array(("{\"type\":\"response.create\",\"x\":[" + String(repeating: "0,", count: 2 << 20) + "0]}").utf8)).isEmpty)
        let small = #"{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}"#
        #expect(stub.respond(method: .POST, uri: "/v1/messages", headers: [:], body: ByteBuffer(string: small)).status == 200)
    }

    @Test func anthropicMessages() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let plain = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(plain.status == 200)
        #expect(plain.json["type"] as? String == "message")
        #expect(plain.json["model"] as? String == "claude-sonnet-4-5")
        let text = ((plain.json["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        #expect(text.hasPrefix("Hello from the veil stub."))
        #expect((plain.json["usage"] as? [String: Any])?["output_tokens"] as? Int ?? 0 > 0)

        let streamBody = anthropicBody.replacingOccurrences(of: #""max_tokens":64"#, with: #""max_tokens":64,"stream":true"#)
        let stream = try await request(inspector.port, "/v1/messages", body: streamBody)
        #expect(stream.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
        let events = sseEvents(stream.body)
        #expect(events.first == "message_start")
        #expect(events.last == "message_stop")
        for e in ["content_block_start", "content_block_delta", "content_block_stop", "message_delta"] { #expect(events.contains(e)) }
        let deltas = sseData(stream.body).map(parse).filter { $0["type"] as? String == "content_block_delta" }
        let joined = deltas.compactMap { ($0["delta"] as? [String: Any])?["text"] as? String }.joined()
        #expect(joined == text)

        let count = try await request(inspector.port, "/v1/messages/count_tokens", body: anthropicBody)
        #expect(count.json["input_tokens"] as? Int ?? 0 > 0)
        let models = try await request(inspector.port, "/v1/models", method: .GET, headers: [("anthropic-version", "2023-06-01")])
        #expect((models.json["data"] as? [[String: Any]])?.first?["type"] as? String == "model")
    }

    @Test func openAIChatAndResponses() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let chat = try await request(inspector.port, "/v1/chat/completions", body: openAIBody)
        #expect(chat.json["object"] as? String == "chat.completion")
        let content = (((chat.json["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any])?["content"] as? String
        #expect(content?.hasPrefix("Hello from the veil stub.") == true)

        let sBody = #"{"model":"gpt-5","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hi"}]}"#
        let s = try await request(inspector.port, "/v1/chat/completions", body: sBody)
        let data = sseData(s.body)
        #expect(data.last == "[DONE]")
        let chunks = data.dropLast().map(parse)
        #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
        let streamed = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
        #expect(streamed == content)
        #expect(chunks.last?["usage"] != nil)

        let rBody = #"{"model":"gpt-5","input":"Say hi"}"#
        let r = try await request(inspector.port, "/v1/responses", body: rBody)
        #expect(r.json["object"] as? String == "response")
        #expect(r.json["status"] as? String == "completed")
        let rs = try await request(inspector.port, "/v1/responses", body: #"{"model":"gpt-5","stream":true,"input":"Say hi"}"#)
        let types = sseEvents(rs.body)
        #expect(types.first == "response.created")
        #expect(types.last == "response.completed")
        #expect(types.contains("response.output_text.delta"))
        let seq = sseData(rs.body).map(parse).compactMap { $0["sequence_number"] as? Int }
        #expect(seq == Array(0..<seq.count))

        let models = try await request(inspector.port, "/v1/models", method: .GET, headers: [("authorization", "Bearer x")])
        #expect(models.json["object"] as? String == "list")
    }

    @Test func geminiGenerateContent() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let g = try await request(inspector.port, "/v1beta/models/gemini-2.5-pro:generateContent", body: geminiBody)
        let candidate = (g.json["candidates"] as? [[String: Any]])?.first
        #expect(candidate?["finishReason"] as? String == "STOP")
        #expect(g.json["usageMetadata"] != nil)
        let s = try await request(inspector.port, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", body: geminiBody)
        let chunks = sseData(s.body).map(parse)
        #expect(chunks.count > 1)
        #expect(((chunks.last?["candidates"] as? [[String: Any]])?.first)?["finishReason"] as? String == "STOP")
        let array = try await request(inspector.port, "/v1beta/models/gemini-2.5-pro:streamGenerateContent", body: geminiBody)
        #expect((try? JSONSerialization.jsonObject(with: Data(array.body.utf8))) is [Any])
        let models = try await request(inspector.port, "/v1beta/models", method: .GET)
        #expect((models.json["models"] as? [[String: Any]])?.isEmpty == false)
    }

    @Test func deterministicAndUnknownPaths() async throws {
        let server = try StubServer.start(host: "127.0.0.1", port: 0)
        defer { server.shutdown() }
        let a = try await request(server.port, "/v1/messages", body: anthropicBody)
        let b = try await request(server.port, "/v1/messages", body: anthropicBody)
        #expect(a.body == b.body)
        let other = try await request(server.port, "/v1/messages", body: anthropicBody.replacingOccurrences(of: "Say hi", with: "Say bye"))
        #expect(other.body != a.body)
        let missing = try await request(server.port, "/v2/nothing", body: "{}")
        #expect(missing.status == 404)
        #expect(missing.json["error"] != nil)
        // Errors in the format of the API the path belongs to.
        let notJSON = try await request(server.port, "/v1/messages", body: "not json")
        #expect(notJSON.status == 400 && notJSON.json["type"] as? String == "error", "\(notJSON.body)")
        #expect((notJSON.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
        let gemini = try await request(server.port, "/v1beta/models/m:generateContent", body: "not json")
        #expect((gemini.json["error"] as? [String: Any])?["status"] as? String == "INVALID_ARGUMENT", "\(gemini.body)")
    }
}

/// The stub's own JSON writer writes what JSONSerialization wrote (sorted keys, slashes as
/// they are), byte for byte: recorded stub answers stay the same. Only the rarer controls and
/// U+2028/2029 are escaped as veil's one escaper escapes them (JSONString), read back the same.
@Test func theStubsJSONIsJSONSerializations() throws {
    let text = "a \"quote\", a \\ backslash, a / slash, \n\r\t\u{1}\u{1F} controls, é, 😀"
    let object: [String: Any] = [
        "tools": [1, 2], "tool_choice": "auto", "Zeta": NSNull(), "alpha": ["b": true, "a": false],
        "a10": 1.0, "a9": 0.5, "a09": 2, "a9b": -3, "temperature": 1.0, "top_p": 0.25, "text": text,
        "content": [["type": "text", "text": text], [String: Any](), [Any]()], "input_tokens": 12,
        "output_text": "", "created_at": 1_735_689_600, "_private": 0, "Upper_case": "x", "upper": "y",
    ]
    let expected = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    #expect(StubJSON.encode(object) == String(decoding: expected, as: UTF8.self))
    let rare = "\u{8}\u{C}\u{7F}\u{2028}\u{2029}"
    let back = try JSONSerialization.jsonObject(with: Data(StubJSON.encode(["text": rare]).utf8)) as? [String: String]
    #expect(back == ["text": rare])
}
