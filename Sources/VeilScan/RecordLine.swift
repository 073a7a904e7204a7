// One line of a `--record` file, the one definition of the format: the inspector encodes it,
// `veil compare` and `veil probe` decode it, so the writer and the readers cannot disagree on a
// key. Readers are lenient (see `init(from:)`): a record is evidence, and a line cut short by a
// crash, written by an older veil or by hand in a test must still read.

import Foundation

public struct RecordLine: Codable, Sendable, Equatable {
    public var time: String
    public var method: String
    /// The request target, query credentials redacted.
    public var path: String
    public var api: String
    public var upstream: String
    /// `CONNECT host:port` (a tunnel) or `TLS host:port` (dialed directly, compare's host arm).
    public var via: String?
    /// `[[name, value]]`, in the order the agent sent them, credentials redacted.
    public var requestHeaders: [[String]]
    /// Decoded when the request had a content-encoding (its header is in requestHeaders).
    public var requestBody: String
    public var findings: [Finding]
    public var decision: ExchangeDecision
    public var blockReason: String?
    public var status: Int
    public var responseBody: String
    public var responseTruncated: Bool
    public var error: String?
    public var durationMs: Double

    public init(time: String = "", method: String, path: String, api: String = "", upstream: String = "",
                via: String? = nil, requestHeaders: [[String]] = [], requestBody: String = "",
                findings: [Finding] = [], decision: ExchangeDecision = .forward, blockReason: String? = nil,
                status: Int = 0, responseBody: String = "", responseTruncated: Bool = false,
                error: String? = nil, durationMs: Double = 0) {
        self.time = time
        self.method = method
        self.path = path
        self.api = api
        self.upstream = upstream
        self.via = via
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.findings = findings
        self.decision = decision
        self.blockReason = blockReason
        self.status = status
        self.responseBody = responseBody
        self.responseTruncated = responseTruncated
        self.error = error
        self.durationMs = durationMs
    }

    /// Only `method` and `path` are required (without them a line names no request). Any other
    /// key may be missing or of another type and reads as the initialiser's default (`decision`
    /// as `forward`, what a line without one meant); a header that is not a list of strings and
    /// a finding without a known `kind` are left out, the rest of the line kept. Unknown keys
    /// are ignored. (The encoding is the synthesised one: optional fields absent when nil.)
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, else fallback: T) -> T {
            (try? c.decodeIfPresent(T.self, forKey: key)) ?? fallback
        }
        self.init(method: try c.decode(String.self, forKey: .method), path: try c.decode(String.self, forKey: .path))
        time = read(.time, else: time)
        api = read(.api, else: api)
        upstream = read(.upstream, else: upstream)
        via = read(.via, else: via)
        requestHeaders = read(.requestHeaders, else: [Lenient<[String]>]()).compactMap(\.value)
        requestBody = read(.requestBody, else: requestBody)
        findings = read(.findings, else: [Lenient<RecordedFinding>]()).compactMap(\.value?.finding)
        decision = read(.decision, else: decision)
        blockReason = read(.blockReason, else: blockReason)
        status = read(.status, else: status)
        responseBody = read(.responseBody, else: responseBody)
        responseTruncated = read(.responseTruncated, else: responseTruncated)
        error = read(.error, else: error)
        durationMs = read(.durationMs, else: durationMs)
    }

    /// The encoder of the format: keys sorted (lines compare and grep alike), `/` as itself
    /// (paths and URLs read as written).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The last line of a record that reached `max_record_bytes` (the inspector writes nothing
    /// after it). No `method`: readers skip it, and count it, like any line that names no
    /// exchange.
    public static func fullLine(time: String, limit: Int) -> Data {
        struct Full: Encodable { var time: String, recordFull: String }
        var data = (try? makeEncoder().encode(Full(time: time, recordFull: fullReason(limit: limit)))) ?? Data()
        data.append(0x0A)
        return data
    }

    public static func fullReason(limit: Int) -> String {
        "the record reached max_record_bytes (\(limit) bytes); later exchanges are not recorded"
    }

    /// One line of a record file; nil when it is not a JSON object with a string `method` and
    /// `path` (the reader counts it as skipped).
    public init?(line: some StringProtocol) {
        guard let decoded = try? JSONDecoder().decode(RecordLine.self, from: Data(line.utf8)) else { return nil }
        self = decoded
    }
}

/// An element of a list that reads as nil instead of failing the list (JSONDecoder's unkeyed
/// container does not move past an element that failed to decode).
private struct Lenient<T: Decodable>: Decodable {
    let value: T?
    init(from decoder: Decoder) throws { value = try? T(from: decoder) }
}

/// A finding as a record holds it, every field but `kind` optional: a hand-written line names
/// only what its test needs (`kind`, `word`, `codePoints`).
private struct RecordedFinding: Decodable {
    var kind: FindingKind
    var path: String?
    var offset: Int?
    var codePoints: [UInt32]?
    var detail: String?
    var excerpt: String?
    var rule: String?
    var word: String?
    var ownTypography: Bool?

    var finding: Finding {
        var f = Finding(kind: kind, path: path ?? "", offset: offset ?? 0, codePoints: codePoints ?? [],
                        detail: detail ?? "", excerpt: excerpt ?? "", rule: rule)
        f.word = word
        f.ownTypography = ownTypography
        return f
    }
}

/// What became of one exchange: forwarded; blocked by a finding (`decide`); or rejected before
/// inspection (a CONNECT the profile does not allow, 413, 408, 503, a malformed request). The
/// record writes it as its name.
public enum ExchangeDecision: String, Codable, Sendable {
    case forward, block, reject
}
