import Foundation
import NIOCore
import NIOHTTP1
import VeilScan

/// A reply from the stub: whole (one part, content-length) or streamed (SSE, one part per event,
/// each flushed on its own so streaming clients see them arrive one by one).
public struct StubReply: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var parts: [String]
    public var streaming: Bool
}

/// The deterministic model API behind `--upstream stub` and `veil stub`: enough of the Anthropic,
/// OpenAI and Gemini APIs that real agents and the vendors' SDKs run offline. Same request, same
/// bytes out: ids are hashes of the request, the clock is fixed.
public struct StubResponder: Sendable {
    /// 2025-01-01T00:00:00Z, the only time the stub ever reports.
    static let fixedTime = 1_735_689_600
    static let fixedTimeText = "2025-01-01T00:00:00Z"

    /// The largest body the stub parses. Foundation's JSON objects take 30 times their text
    /// (63 MiB of `[0,0,…]` took 1.9 GB of the host's memory), and the stub repeats parts of
    /// the request in its answer; no agent's prompt comes near this.
    static let mostBodyBytes = 4 << 20

    public init() {}

    public func respond(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: ByteBuffer) -> StubReply {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        guard body.readableBytes <= Self.mostBodyBytes else {
            return Self.error(413, "the veil stub reads request bodies up to \(Self.mostBodyBytes >> 20) MiB", style: Self.style(path))
        }
        let bytes = Array(body.readableBytesView)
        let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) as? [String: Any]
        let request = StubRequest(path: path, query: query, json: json ?? [:], bodyBytes: bytes)
        if method == .POST, !bytes.isEmpty, json == nil {
            return Self.error(400, "the stub expects a JSON object body", style: Self.style(path))
        }
        switch (method, path) {
        case (.POST, let p) where p.hasSuffix("/messages"):
            return StubAnthropic.messages(request)
        case (.POST, let p) where p.hasSuffix("/messages/count_tokens"):
            return Self.json(["input_tokens": request.inputTokens])
        case (.POST, let p) where p.hasSuffix("/chat/completions"):
            return StubOpenAI.chat(request)
        case (.POST, let p) where p.hasSuffix("/responses"):
            return StubOpenAI.responses(request)
        case (.POST, let p) where p.contains(":generateContent") || p.contains(":streamGenerateContent"):
            return StubGemini.generate(request)
        case (.POST, let p) where p.contains(":countTokens"):
            return Self.json(["totalTokens": request.inputTokens])
        case (.GET, let p) where p.hasPrefix("/v1beta/models") || (p.contains("/models") && headers.contains(name: "x-goog-api-key")):
            return StubGemini.models(path: p)
        case (.GET, let p) where p.hasSuffix("/models") || p.contains("/models/"):
            let anthropic = headers.contains(name: "anthropic-version") || headers.contains(name: "x-api-key")
            return anthropic ? StubAnthropic.models(path: p) : StubOpenAI.models(path: p)
        case (.GET, "/api/hello"), (.HEAD, "/api/hello"), (.GET, "/v1/oauth/hello"), (.HEAD, "/v1/oauth/hello"):
            // Claude Code's connectivity checks on its first start (api.anthropic.com and
            // platform.claude.com, through the tunnel): anything 200 will do.
            return Self.json(["message": "hello"])
        default:
            return Self.error(404, "the veil stub has no \(method.rawValue) \(path)", style: Self.style(path))
        }
    }

    /// The Responses API over a WebSocket (Codex's transport): a `response.create` message is
    /// answered with the events a streamed response carries, one message each; other
    /// messages get nothing.
    public func webSocketMessages(_ payload: [UInt8]) -> [String] {
        guard payload.count <= Self.mostBodyBytes, let json = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any],
              json["type"] as? String == "response.create" else { return [] }
        var body = (json["response"] as? [String: Any]) ?? json
        body.removeValue(forKey: "type")
        body["stream"] = true
        let reply = StubOpenAI.responses(StubRequest(path: "/v1/responses", query: "", json: body, bodyBytes: payload))
        return reply.parts.compactMap { part in
            part.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        }
    }

    enum ErrorStyle { case anthropic, openai, gemini }

    /// Errors in the format of the API the path belongs to (OpenAI's when it is none).
    static func style(_ path: String) -> ErrorStyle {
        switch APIKind.detect(path: path) {
        case .anthropic: return .anthropic
        case .gemini: return .gemini
        case .openai, .unknown: return .openai
        }
    }

    static func error(_ status: Int, _ message: String, style: ErrorStyle) -> StubReply {
        let object: [String: Any]
        switch style {
        case .anthropic:
            object = ["type": "error", "error": ["type": status == 404 ? "not_found_error" : "invalid_request_error", "message": message]]
        case .openai: object = ["error": ["message": message, "type": "invalid_request_error", "param": NSNull(), "code": NSNull()]]
        case .gemini: object = ["error": ["code": status, "message": message, "status": status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT"]]
        }
        var r = json(object)
        r.status = status
        return r
    }

    static func encode(_ object: Any) -> String { StubJSON.encode(object) }

    static func json(_ object: Any) -> StubReply {
        StubReply(status: 200, contentType: "application/json", parts: [encode(object)], streaming: false)
    }

    static func sse(_ events: [(event: String?, data: String)]) -> StubReply {
        let parts = events.map { e in (e.event.map { "event: \($0)\n" } ?? "") + "data: \(e.data)\n\n" }
        return StubReply(status: 200, contentType: "text/event-stream; charset=utf-8", parts: parts, streaming: true)
    }
}

/// What the stub reads from a request: the model, whether to stream, the last user text.
struct StubRequest {
    let path: String
    let query: String
    let json: [String: Any]
    let bodyBytes: [UInt8]

    var model: String { json["model"] as? String ?? "veil-stub" }
    var stream: Bool { json["stream"] as? Bool ?? false }
    /// A crude but deterministic token count: a token per four bytes of the request.
    var inputTokens: Int { max(1, bodyBytes.count / 4) }
    var id: String { StubText.hash(bodyBytes) + StubText.hash(Array(path.utf8)).prefix(8) }

    /// The reply, with a hash of the last user message so tests can tell answers apart.
    func replyText(lastUser: String) -> String {
        "Hello from the veil stub. [\(StubText.hash(Array(lastUser.utf8)).prefix(8))]"
    }
}

enum StubText {
    /// FNV-1a 64, hex: stable across runs and platforms (Swift's Hasher is seeded per process).
    static func hash(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The reply in a few pieces, so streams have several deltas.
    static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in text {
            if c == " ", !current.isEmpty, out.count < 4 {
                out.append(current)
                current = ""
            }
            current.append(c)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func outputTokens(_ text: String) -> Int { max(1, text.split(separator: " ").count + 2) }

    /// The text of a message `content`: a string, or an array of blocks with `text`.
    static func text(of content: Any?) -> String {
        if let s = content as? String { return s }
        if let blocks = content as? [[String: Any]] {
            return blocks.compactMap { $0["text"] as? String }.joined(separator: "\n")
        }
        return ""
    }
}
