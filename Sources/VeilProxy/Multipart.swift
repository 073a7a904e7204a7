/// A multipart body (RFC 2046, RFC 7578) is scanned as it is: its text fields and file parts
/// are plain bytes between delimiter lines (SDKs upload files this way). What the scanner
/// could not read is a part whose bytes are an encoding of its content: a
/// content-transfer-encoding (base64, quoted-printable), a content-encoding, or a charset
/// other than UTF-8. Those parts are refused rather than forwarded unread.
enum Multipart {
    static func check(_ body: UnsafeRawBufferPointer, boundary: String?) throws(RequestCoding.Failure) {
        // RFC 2046: 1 to 70 characters. Without one the upstream cannot find the parts either.
        guard let boundary, (1 ... 70).contains(boundary.utf8.count) else {
            throw .badText("multipart (no boundary of 1 to 70 characters)")
        }
        let delimiter = Array("--\(boundary)".utf8)
        var at = 0
        while let found = find(delimiter, in: body, from: at) {
            at = found + delimiter.count
            // A delimiter starts a line; anything else is content that happens to match.
            guard found == 0 || body[found - 1] == 0x0A else { continue }
            if at + 1 < body.count, body[at] == UInt8(ascii: "-"), body[at + 1] == UInt8(ascii: "-") { return }
            guard let lineEnd = body[at...].firstIndex(of: 0x0A) else { return }
            at = try checkHeaders(body, from: lineEnd + 1)
        }
    }

    /// The header lines of one part, up to the empty line; returns where its content starts.
    private static func checkHeaders(_ body: UnsafeRawBufferPointer, from start: Int) throws(RequestCoding.Failure) -> Int {
        var line = start
        while line < body.count {
            let end = body[line...].firstIndex(of: 0x0A) ?? body.count
            var text = String(decoding: body[line ..< end], as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            if text.isEmpty { return end + 1 }
            if let colon = text.firstIndex(of: ":") {
                let name = text[..<colon].trimmingASCIISpaces().lowercased()
                let value = String(text[text.index(after: colon)...].trimmingASCIISpaces())
                try check(header: name, value: value)
            }
            line = end + 1
        }
        return body.count
    }

    private static func check(header name: String, value: String) throws(RequestCoding.Failure) {
        switch name {
        case "content-transfer-encoding":
            let coding = value.lowercased()
            guard ["7bit", "8bit", "binary"].contains(coding) else {
                throw .unreadable("a multipart part in content-transfer-encoding \(coding)")
            }
        case "content-encoding":
            let coding = value.lowercased()
            guard coding == "identity" || coding.isEmpty else {
                throw .unreadable("a multipart part in content-encoding \(coding)")
            }
        case "content-type":
            let type = ContentType(value)
            if type.ambiguous { throw .unreadable("a multipart part whose content-type names two charsets") }
            if let charset = type.charset, !["utf-8", "utf8", "us-ascii", "ascii"].contains(charset) {
                throw .unreadable("a multipart part in charset \(charset)")
            }
        default:
            break
        }
    }

    /// The first `needle` at or after `from`. At most 72 comparisons per position (the
    /// boundary's limit), and usually one: the first byte is looked for first.
    private static func find(_ needle: [UInt8], in body: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        let last = body.count - needle.count
        while i <= last {
            guard let start = body[i ... last].firstIndex(of: needle[0]) else { return nil }
            if body[start ..< start + needle.count].elementsEqual(needle) { return start }
            i = start + 1
        }
        return nil
    }
}
