// One outbound request as `veil run --record` (or compare's host-arm inspector) wrote it.
// Only the request side matters here: the prompt is what can betray the host.

import VeilProfile
import VeilScan

public struct RecordedRequest: Equatable, Sendable {
    public var method: String
    /// The request target as recorded (query strings already redacted by the recorder).
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: String
    /// Why the inspector did not forward it (blocked, refused), from the record; not compared.
    public var refusal: String?
    /// The words in which the inspector found curly quotes or dashes (`Don’t`), from the
    /// record's findings: in a neutral run, the agent's own typography (`own_typography`).
    public var typographyWords: [String] = []

    public init(method: String, path: String, headers: [(name: String, value: String)] = [], body: String, refusal: String? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.refusal = refusal
    }

    public static func == (a: RecordedRequest, b: RecordedRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    /// `POST /v1/messages`: method and path without the query; requests pair within one endpoint.
    /// An absolute-form target (a request sent through a proxy) counts as its path.
    public var endpoint: String {
        var p = Substring(path.prefix { $0 != "?" })
        if let scheme = p.range(of: "://") {
            let rest = p[scheme.upperBound...]
            p = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        return method.uppercased() + " " + p
    }

    /// The body as JSON when it is JSON (agents' model calls always are).
    public var json: JSONValue? {
        let t = body.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard t.first == "{" || t.first == "[" else { return nil }
        return try? JSONValue.parse(body)
    }
}

public enum RecordLoader {
    /// Parses a JSONL record: one exchange per line with `method`, `path`, `requestHeaders`
    /// (`[[name, value]]`) and `requestBody`. Lines that are not such objects are skipped and
    /// counted, so a record cut short by a crash still compares.
    public static func parse(_ text: String) -> (requests: [RecordedRequest], skipped: Int) {
        var out: [RecordedRequest] = []
        var skipped = 0
        for line in text.split(whereSeparator: { $0 == "\n" }) where !line.allSatisfy({ $0 == " " || $0 == "\r" }) {
            guard let v = try? JSONValue.parse(String(line)), let r = request(from: v) else {
                skipped += 1
                continue
            }
            out.append(r)
        }
        return (out, skipped)
    }

    static func request(from v: JSONValue) -> RecordedRequest? {
        guard let method = v["method"]?.stringValue, let path = v["path"]?.stringValue else { return nil }
        var headers: [(name: String, value: String)] = []
        if case .array(let pairs)? = v["requestHeaders"] {
            for case .array(let pair) in pairs where pair.count == 2 {
                if let n = pair[0].stringValue, let val = pair[1].stringValue { headers.append((n, val)) }
            }
        }
        let decision = v["decision"]?.stringValue ?? "forward"
        let refusal = decision == "forward" ? nil : (v["blockReason"]?.stringValue ?? v["error"]?.stringValue ?? decision)
        var r = RecordedRequest(method: method, path: path, headers: headers, body: v["requestBody"]?.stringValue ?? "",
                                refusal: refusal)
        if case .array(let findings)? = v["findings"] {
            r.typographyWords = findings.compactMap(typographyWord)
        }
        return r
    }

    /// The word of a look-alike finding made of curly quotes and dashes only.
    static func typographyWord(_ f: JSONValue) -> String? {
        guard f["kind"]?.stringValue == FindingKind.lookalike.rawValue, let word = f["word"]?.stringValue,
              case .array(let cps)? = f["codePoints"], !cps.isEmpty,
              cps.allSatisfy({ if case .number(let n) = $0, let c = UInt32(n) { Severity.isTypography(c) } else { false } }) else { return nil }
        return word
    }
}
