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
    /// An absolute-form target (a request sent through a proxy) counts as its path, read as the
    /// inspector read it (one it could not read stays whole: it went nowhere).
    public var endpoint: String {
        let target = AbsoluteURI(path)?.pathAndQuery ?? path
        return method.uppercased() + " " + target.prefix { $0 != "?" }
    }

    /// The body as JSON when it is JSON (agents' model calls always are).
    public var json: JSONValue? {
        let t = body.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard t.first == "{" || t.first == "[" else { return nil }
        return try? JSONValue.parse(body)
    }
}

public enum RecordLoader {
    /// Parses a JSONL record, one `RecordLine` a line (the inspector's own type, read leniently:
    /// only `method` and `path` are required). Lines that are not such objects are skipped and
    /// counted, so a record cut short by a crash still compares.
    public static func parse(_ text: String) -> (requests: [RecordedRequest], skipped: Int) {
        var out: [RecordedRequest] = []
        var skipped = 0
        for raw in text.split(whereSeparator: { $0 == "\n" }) where !raw.allSatisfy({ $0 == " " || $0 == "\r" }) {
            guard let line = RecordLine(line: raw) else {
                skipped += 1
                continue
            }
            out.append(request(from: line))
        }
        return (out, skipped)
    }

    static func request(from line: RecordLine) -> RecordedRequest {
        // A header is a [name, value] pair; anything else in the list is no header.
        let headers = line.requestHeaders.compactMap { $0.count == 2 ? (name: $0[0], value: $0[1]) : nil }
        let refusal = line.decision == .forward ? nil : (line.blockReason ?? line.error ?? line.decision.rawValue)
        var r = RecordedRequest(method: line.method, path: line.path, headers: headers, body: line.requestBody,
                                refusal: refusal)
        r.typographyWords = line.findings.compactMap(typographyWord)
        return r
    }

    /// The word of a look-alike finding made of curly quotes and dashes only.
    static func typographyWord(_ f: Finding) -> String? {
        guard f.kind == .lookalike, let word = f.word, !f.codePoints.isEmpty,
              f.codePoints.allSatisfy(Severity.isTypography) else { return nil }
        return word
    }
}
