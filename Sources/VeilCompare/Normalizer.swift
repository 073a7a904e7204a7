// Volatile values: what differs between two runs of the same agent in the same environment.
// They are replaced by placeholders before diffing so that a real difference stands out, and
// every replacement is listed (`volatile` in the reports). The rules are deliberately narrow:
// - a date without a time is never touched: the date separator is what the 2026 incident
//   changed, and two runs of one comparison happen on the same day;
// - a match that contains a host canary (say a machine-id written as a UUID) is left alone;
// - `--raw` (enabled = false) turns all of this off.

/// A documented rule; `name` appears in reports.
public struct VolatileRule: Sendable, Equatable {
    public var name: String
    public var description: String
}

public struct Normalizer {
    public var enabled: Bool
    /// Lowercased canary values that must survive normalisation.
    public var protected: [String]

    public init(enabled: Bool = true, protected: [String] = []) {
        self.enabled = enabled
        self.protected = protected.map { $0.lowercased() }.filter { !$0.isEmpty }
    }

    public static let rules: [VolatileRule] = [
        VolatileRule(name: "user-id", description: "metadata.user_id (per-install and per-session id) → <user-id>"),
        VolatileRule(name: "id", description: "values of id keys (request_id, session_id, device_id, trace_id, nonce, …) and id headers (x-request-id, x-client-request-id, idempotency-key, *-session-id, …) → <id>"),
        VolatileRule(name: "uuid", description: "any UUID (8-4-4-4-12 hex) → <uuid>"),
        VolatileRule(name: "timestamp", description: "ISO 8601 date-times with a time part (2026-07-01T12:00:00Z, 2026-07-01 12:00) → <timestamp>; plain dates stay"),
        VolatileRule(name: "epoch", description: "Unix times in seconds or milliseconds (2017–2033), in text and as numbers → <epoch>"),
        VolatileRule(name: "temp-path", description: "the first segment under /tmp, /var/tmp, /dev/shm when it holds a digit or is tmpXXXXXXXX → /tmp/<tmp>"),
        VolatileRule(name: "loopback-port", description: "127.0.0.1:PORT, localhost:PORT, [::1]:PORT → :<port> (each run has its own inspector port)"),
        VolatileRule(name: "transport", description: "headers set by the HTTP layer (host, content-length, connection) are not compared"),
    ]

    static let idKeys: Set<String> = [
        "request_id", "requestid", "session_id", "sessionid", "device_id", "deviceid", "trace_id", "traceid",
        "conversation_id", "conversationid", "idempotency_key", "nonce", "client_request_id", "anonymous_id", "anonymousid",
    ]
    static let idHeaders: Set<String> = [
        "x-request-id", "x-client-request-id", "request-id", "idempotency-key", "traceparent", "tracestate",
        "x-session-id", "x-device-id", "x-claude-code-session-id", "x-stainless-retry-count",
    ]
    static let transportHeaders: Set<String> = [
        "host", "content-length", "connection", "transfer-encoding", "keep-alive", "proxy-connection", "te",
    ]

    nonisolated(unsafe) static let patterns: [(rule: String, regex: Regex<AnyRegexOutput>, replacement: (Substring?) -> String)] = [
        ("uuid", try! Regex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), { _ in "<uuid>" }),
        ("timestamp", try! Regex("[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"), { _ in "<timestamp>" }),
        ("epoch", try! Regex("\\b(?:1[5-9][0-9]{8}|20[0-9]{8}|1[5-9][0-9]{11}|20[0-9]{11})(?:\\.[0-9]+)?\\b"), { _ in "<epoch>" }),
        ("temp-path", try! Regex("(/var/tmp|/tmp|/dev/shm)/(?:[A-Za-z0-9._-]*[0-9][A-Za-z0-9._-]*|tmp[a-z0-9_]{8})"), { "\($0 ?? "/tmp")/<tmp>" }),
        ("loopback-port", try! Regex("(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]{2,5}"), { "\($0 ?? ""):<port>" }),
    ]

    /// A string value at `key` (its object key, if any). Returns the text and the rules applied.
    public func string(_ s: String, key: String?, path: String) -> (String, [String]) {
        guard enabled else { return (s, []) }
        if path.hasSuffix(".metadata.user_id") { return keep(s) ? (s, []) : ("<user-id>", ["user-id"]) }
        if let k = key, Self.idKeys.contains(k.lowercased()), !s.isEmpty, !keep(s) { return ("<id>", ["id"]) }
        return replacePatterns(s)
    }

    /// A JSON number: epoch values (seconds or milliseconds) and numeric ids.
    public func number(_ n: String, key: String?) -> (String, [String]) {
        guard enabled else { return (n, []) }
        if let k = key, Self.idKeys.contains(k.lowercased()) { return ("<id>", ["id"]) }
        if let v = Double(n), (1.5e9 ..< 2.1e9).contains(v) || (1.5e12 ..< 2.1e12).contains(v) { return ("<epoch>", ["epoch"]) }
        return (n, [])
    }

    /// A header: nil when it is not compared at all (transport), else the normalised value.
    public func header(name: String, value: String) -> (String?, [String]) {
        guard enabled else { return (value, []) }
        let n = name.lowercased()
        if Self.transportHeaders.contains(n) { return (nil, ["transport"]) }
        if Self.idHeaders.contains(n) || n.hasSuffix("-request-id") || n.hasSuffix("-session-id")
            || n.hasSuffix("-trace-id") || n.hasSuffix("-device-id") {
            return keep(value) ? (value, []) : ("<id>", ["id"])
        }
        return replacePatterns(value)
    }

    func replacePatterns(_ s: String) -> (String, [String]) {
        var ignored: ScalarMap? = nil
        return replacePatterns(s, map: &ignored)
    }

    /// `map`, when given, follows every replacement (ScalarMap), so that a difference in the
    /// normalised text can be placed in the original.
    func replacePatterns(_ s: String, map: inout ScalarMap?) -> (String, [String]) {
        // Cheap exits: every pattern needs a digit.
        guard s.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return (s, []) }
        var text = s
        var applied: [String] = []
        for p in Self.patterns {
            var edits: [(range: Range<String.Index>, with: String)] = []
            for m in text.matches(of: p.regex) where !keep(String(m.output[0].substring ?? "")) {
                edits.append((m.range, p.replacement(m.output.count > 1 ? m.output[1].substring : nil)))
            }
            guard !edits.isEmpty else { continue }
            applied.append(p.rule)
            map?.replace(Self.scalarEdits(text, edits))
            var out = ""
            var at = text.startIndex
            for e in edits {
                out += text[at ..< e.range.lowerBound]
                out += e.with
                at = e.range.upperBound
            }
            text = out + text[at...]
        }
        return (text, applied)
    }

    /// String ranges as scalar offsets, counted in one pass.
    static func scalarEdits(_ text: String, _ edits: [(range: Range<String.Index>, with: String)]) -> [(range: Range<Int>, length: Int)] {
        let scalars = text.unicodeScalars
        var at = scalars.startIndex, n = 0
        func offset(_ i: String.Index) -> Int {
            n += scalars.distance(from: at, to: i)
            at = i
            return n
        }
        return edits.map { e in
            let lo = offset(e.range.lowerBound), hi = offset(e.range.upperBound)
            return (lo ..< hi, e.with.unicodeScalars.count)
        }
    }

    /// `string(_:key:path:)` with the map from the normalised text back to `s`.
    func stringMapped(_ s: String, key: String?, path: String) -> (String, ScalarMap) {
        let count = s.unicodeScalars.count
        guard enabled else { return (s, .identity(count)) }
        let (t, rules) = string(s, key: key, path: path)
        if rules == ["user-id"] || rules == ["id"] { return (t, .whole(original: count, replacement: t.unicodeScalars.count)) }
        var map: ScalarMap? = .identity(count)
        let (mapped, _) = replacePatterns(s, map: &map)
        return (mapped, map!)
    }

    /// True when the text holds a canary: normalising it away would hide a leak.
    func keep(_ s: String) -> Bool {
        guard !protected.isEmpty else { return false }
        let l = s.lowercased()
        return protected.contains { l.contains($0) }
    }
}
