import VeilProfile

/// The inspector's scanner: one per run, shared by every connection (immutable after init).
///
/// A body is walked once (HitSink+JSON.swift): outside strings only structure matters and
/// the container stack is kept; a string is scanned in place, 16 bytes at a time, and a
/// string with `\/` or `\u` escapes is decoded first so that a canary split by an escape
/// is still one run of text. Paths, excerpts and details are written only for findings.
/// A body that is not JSON, or not well-formed, is scanned as raw text (path `$`).
public final class Scanner: Sendable {
    public let config: ScanConfig
    let matcher: Matcher

    /// Compiles the canaries and rules into matchers, once per run.
    public init(config: ScanConfig) {
        self.config = config
        self.matcher = Matcher(canaries: config.canaries, rules: config.rules)
    }

    public func scanBody(_ body: [UInt8], api: APIKind) -> [Finding] {
        body.withUnsafeBytes { scanBody($0, api: api) }
    }

    public func scanBody(_ body: UnsafeRawBufferPointer, api: APIKind) -> [Finding] {
        guard body.count > 0 else { return [] }
        var sink = HitSink(body: body)
        if sink.scanJSON(matcher: matcher) {
            return sink.finish()
        }
        // Not JSON, or malformed: every byte is text, so nothing hides outside a string.
        sink = HitSink(body: body)
        sink.scanText(body, base: 0, stringStart: 0, escaped: false, matcher: matcher)
        return sink.finish()
    }

    /// Header values carry canaries too (User-Agent, x-stainless-os, …). Credentials are
    /// skipped: they are masked elsewhere and a key can contain any letters.
    public func scanHeaders(_ headers: [(name: String, value: String)]) -> [Finding] {
        var out: [Finding] = []
        for (name, value) in headers where !Scanner.isCredentialHeader(name) {
            var value = value
            value.withUTF8 { utf8 in
                let buf = UnsafeRawBufferPointer(utf8)
                var sink = HitSink(body: buf)
                sink.scanText(buf, base: 0, stringStart: 0, escaped: false, matcher: matcher)
                for var f in sink.finish() {
                    f.path = "header:" + name.lowercased()
                    out.append(f)
                }
            }
        }
        return out
    }

    static let credentialHeaders: [StaticString] = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie",
    ]

    static func isCredentialHeader(_ name: String) -> Bool {
        name.equalsLowercased(anyOf: credentialHeaders)
    }
}
