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
        var sink = HitSink(body: body, ownTypography: config.ownTypography)
        if sink.scanJSON(matcher: matcher) {
            return sink.finish()
        }
        // Not JSON, or malformed: every byte is text, so nothing hides outside a string.
        sink = HitSink(body: body, ownTypography: config.ownTypography)
        sink.scanText(body, base: 0, stringStart: 0, escaped: false, matcher: matcher)
        var findings = sink.finish()
        // And with JSON's escapes decoded (JSONWalk+Lenient.swift): what that finds besides,
        // at the raw offsets of its escapes.
        if let decoded = JSONWalk.decodingEveryEscape(body) {
            let more = decoded.withUnsafeBytes { text in
                var sink = HitSink(body: text, ownTypography: config.ownTypography)
                sink.scanText(text, base: 0, stringStart: 0, escaped: false, matcher: matcher)
                return sink.finish()
            }.filter { f in !findings.contains { $0.says(theSameAs: f) } }
            let offsets = JSONWalk.rawOffsetsDecodingEveryEscape(body, more.map(\.offset))
            for (f, offset) in zip(more, offsets) {
                var f = f
                f.offset = offset
                findings.append(f)
            }
        }
        return findings
    }

    /// Header values carry canaries too (User-Agent, x-stainless-os, …), and so can the
    /// credential headers: a tool inside may write anything there. The caller blanks the
    /// credentials it knows (the run's placeholders and real keys) before.
    public func scanHeaders(_ headers: [(name: String, value: String)]) -> [Finding] {
        var out: [Finding] = []
        for (name, value) in headers {
            for var f in scanText(value) {
                f.path = "header:" + name.lowercased()
                out.append(f)
            }
        }
        // The names reach the upstream too (`x-alice-laptop: 1`): all of them in one scan.
        for var f in scanText(headers.map(\.name).joined(separator: "\n")) {
            f.path = "header-name"
            out.append(f)
        }
        return out
    }

    /// The request target (path and query), percent-decoded as the upstream reads it; the
    /// findings' path is `uri` and their offsets count in the decoded text.
    public func scanTarget(_ target: String) -> [Finding] {
        let decoded = Scanner.percentDecoded(target)
        var found = scanText(decoded)
        // In a query, `+` may be read as a space (`Alice+Zhang`).
        if let q = decoded.utf8.firstIndex(of: 0x3F), decoded.utf8[q...].contains(0x2B) {
            let query = decoded.utf8.distance(from: decoded.utf8.startIndex, to: q)
            let spaced = String(decoding: decoded.utf8.enumerated().map { $0 > query && $1 == 0x2B ? 0x20 : $1 }, as: UTF8.self)
            for f in scanText(spaced) where !found.contains(where: { $0.says(theSameAs: f) }) {
                found.append(f)
            }
        }
        return found.map { f in
            var f = f
            f.path = "uri"
            return f
        }
    }

    private func scanText(_ text: String) -> [Finding] {
        var text = text
        return text.withUTF8 { utf8 in
            let buf = UnsafeRawBufferPointer(utf8)
            var sink = HitSink(body: buf, ownTypography: config.ownTypography)
            sink.scanText(buf, base: 0, stringStart: 0, escaped: false, matcher: matcher)
            return sink.finish()
        }
    }

    /// `%XX` decoded (a `+` stays: in a path it is a plus, and `+08:00` must stay whole).
    static func percentDecoded(_ s: String) -> String {
        guard s.utf8.contains(0x25) else { return s }
        return String(decoding: s.utf8.percentDecoded, as: UTF8.self)
    }

}
