/// A `content-type` value, `type/subtype; name=value; …` (RFC 9110 §8.3): the media type and
/// the two parameters the inspector needs to read a body, `charset` and `boundary`.
struct ContentType: Equatable {
    /// Lowercased, without parameters: `application/json`.
    let media: String
    /// Lowercased, quotes removed; nil when absent.
    let charset: String?
    /// Case kept (it is matched byte for byte in the body), quotes removed.
    let boundary: String?
    /// Why readers could take the value two ways; nil when they cannot. The body would be read
    /// one way and could be taken the other, so it is refused:
    /// - `charset` or `boundary` twice with two values (the first counts here, the last in
    ///   Werkzeug);
    /// - either in RFC 2231's form (`charset*=''utf-7`, `boundary*0=…`), which Python's email
    ///   package decodes and a simpler reader passes over;
    /// - a quoted value that does not end, or bytes after one (a reader that splits at every
    ///   `;` reads `boundary="a;b"` as `"a`);
    /// - a comma in the media type, where a reader of header lists takes two.
    let ambiguity: String?

    var ambiguous: Bool { ambiguity != nil }

    init(_ value: String) {
        media = (value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingASCIISpaces().lowercased()
        let parameters = HeaderParameters(value)
        let charsets = parameters.values("charset").map { String(decoding: $0, as: UTF8.self).lowercased() }
        let boundaries = parameters.values("boundary").map { String(decoding: $0, as: UTF8.self) }
        // The first of each is kept.
        (charset, boundary) = (charsets.first, boundaries.first)
        if Set(charsets).count > 1 || Set(boundaries).count > 1 {
            ambiguity = "names two charsets or boundaries"
        } else if !parameters.extendedNames.isDisjoint(with: ["charset", "boundary"]) {
            ambiguity = "encodes its charset or boundary (RFC 2231)"
        } else if parameters.malformed {
            ambiguity = "has a quoted value that does not end where it should"
        } else if media.contains(",") {
            ambiguity = "names two media types"
        } else {
            ambiguity = nil
        }
    }

    /// `application/json`, `application/vnd.x+json`: where RFC 8259's UTF-16/32 detection applies.
    var isJSON: Bool { media == "application/json" || media.hasSuffix("+json") }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> SubSequence {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
