import Foundation
import NIOCore
import NIOHTTP1
import VeilScan

/// Errors the agent receives, in its own API's error format, so that SDKs surface the message
/// instead of failing to parse it.
enum APIError {
    static func body(api: APIKind, status: HTTPResponseStatus, message: String) -> [UInt8] {
        let object: [String: Any]
        switch api {
        case .anthropic:
            object = ["type": "error",
                      "error": ["type": anthropicType(status), "message": message]]
        case .gemini:
            object = ["error": ["code": Int(status.code), "message": message,
                                "status": geminiStatus(status)]]
        case .openai, .unknown:
            object = ["error": ["message": message, "type": openAIType(status),
                                "param": NSNull(), "code": openAICode(status)]]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            ?? Data("{}".utf8)
        return Array(data)
    }

    static func anthropicType(_ s: HTTPResponseStatus) -> String {
        switch s.code {
        case 400: return "invalid_request_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 504: return "timeout_error"
        default: return "api_error"
        }
    }

    static func openAIType(_ s: HTTPResponseStatus) -> String {
        s.code < 500 ? "invalid_request_error" : "server_error"
    }

    static func openAICode(_ s: HTTPResponseStatus) -> String {
        switch s.code {
        case 400: return "veil_blocked"
        case 403: return "veil_forbidden"
        case 404: return "veil_not_found"
        case 413: return "veil_request_too_large"
        case 504: return "veil_upstream_timeout"
        default: return "veil_upstream_error"
        }
    }

    static func geminiStatus(_ s: HTTPResponseStatus) -> String {
        switch s.code {
        case 400, 413: return "INVALID_ARGUMENT"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 504: return "DEADLINE_EXCEEDED"
        default: return "UNAVAILABLE"
        }
    }

    /// The block message names what and where, never the host value itself: echoing it back
    /// would put the canary into the agent's context (and into the next prompt).
    static func blockMessage(_ findings: [Finding], blocking: [Finding], canaries: [Canary]) -> String {
        let shown = (blocking.isEmpty ? findings : blocking).prefix(5)
        var parts: [String] = []
        for f in shown {
            var what = f.kind.rawValue
            let detail = mask(f.detail, canaries: canaries)
            if !detail.isEmpty { what += " (\(detail))" }
            if !f.codePoints.isEmpty {
                what += " " + f.codePoints.prefix(4).map { String(format: "U+%04X", $0) }.joined(separator: " ")
            }
            parts.append("\(what) at \(f.path) offset \(f.offset)")
        }
        let more = findings.count > shown.count ? "; and \(findings.count - shown.count) more" : ""
        return "veil blocked this request: " + parts.joined(separator: "; ") + more
    }

    static func mask(_ text: String, canaries: [Canary]) -> String {
        var t = text
        for c in canaries where c.value.count >= 2 && t.contains(c.value) {
            t = t.replacingOccurrences(of: c.value, with: "…")
        }
        return t
    }
}
