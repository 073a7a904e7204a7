/// A `content-type` value, `type/subtype; name=value; …` (RFC 9110 §8.3): the media type and
/// the two parameters the inspector needs to read a body, `charset` and `boundary`.
struct ContentType: Equatable {
    /// Lowercased, without parameters: `application/json`.
    let media: String
    /// Lowercased, quotes removed; nil when absent.
    let charset: String?
    /// Case kept (it is matched byte for byte in the body), quotes removed.
    let boundary: String?
    /// `charset` or `boundary` given twice with two values. Readers disagree on which counts
    /// (the first here, the last in Werkzeug): the body is read one way and could be taken the
    /// other, so it is refused.
    let ambiguous: Bool

    init(_ value: String) {
        var parts = value.split(separator: ";", omittingEmptySubsequences: false).makeIterator()
        media = (parts.next() ?? "").trimmingASCIISpaces().lowercased()
        var charset: String?, boundary: String?, ambiguous = false
        while let part = parts.next() {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let name = part[..<eq].trimmingASCIISpaces().lowercased()
            var v = part[part.index(after: eq)...].trimmingASCIISpaces()
            if v.count >= 2, v.first == "\"", v.last == "\"" { v = v.dropFirst().dropLast() }
            // The first of each is kept, and a second with another value marks the whole.
            if name == "charset" {
                if let c = charset { ambiguous = ambiguous || c != v.lowercased() } else { charset = v.lowercased() }
            }
            if name == "boundary" {
                if let b = boundary { ambiguous = ambiguous || b != v } else { boundary = String(v) }
            }
        }
        (self.charset, self.boundary, self.ambiguous) = (charset, boundary, ambiguous)
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
