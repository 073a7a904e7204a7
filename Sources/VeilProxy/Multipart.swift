import VeilScan

/// A multipart body (RFC 2046, RFC 7578) is scanned as it is: its text fields and file parts
/// are plain bytes between delimiter lines (SDKs upload files this way). What the scanner
/// could not read is a part whose bytes are an encoding of its content: a
/// content-transfer-encoding (base64, quoted-printable), a content-encoding, or a charset
/// other than UTF-8. Those parts are refused rather than forwarded unread, as are part headers
/// that readers take two ways (a header folded over two lines, which Python's email package
/// unfolds, a line without a colon). A parameter in RFC 2231's form
/// (`filename*=utf-8''%2Fhome%2Falice`, `filename*0="/home/al"; filename*1="ice"`) and a
/// percent-encoded one are what python-multipart and the email package decode: `check`
/// returns those values decoded, for the scanner to read besides the body.
enum Multipart {
    static func check(_ body: UnsafeRawBufferPointer, boundary: String?) throws(RequestCoding.Failure) -> [UInt8] {
        // RFC 2046: 1 to 70 characters. Without one the upstream cannot find the parts either.
        guard let boundary, (1 ... 70).contains(boundary.utf8.count) else {
            throw .badText("multipart (no boundary of 1 to 70 characters)")
        }
        let delimiter = Array("--\(boundary)".utf8)
        var decoded: [UInt8] = []
        var at = 0
        while let found = find(delimiter, in: body, from: at) {
            at = found + delimiter.count
            // A delimiter starts a line; anything else is content that happens to match.
            guard found == 0 || body[found - 1] == 0x0A else { continue }
            if at + 1 < body.count, body[at] == UInt8(ascii: "-"), body[at + 1] == UInt8(ascii: "-") { return decoded }
            guard let lineEnd = body[at...].firstIndex(of: 0x0A) else { return decoded }
            at = try checkHeaders(body, from: lineEnd + 1, decoded: &decoded)
        }
        return decoded
    }

    /// The header lines of one part, up to the empty line; returns where its content starts.
    private static func checkHeaders(_ body: UnsafeRawBufferPointer, from start: Int,
                                     decoded: inout [UInt8]) throws(RequestCoding.Failure) -> Int {
        var line = start
        while line < body.count {
            let end = body[line...].firstIndex(of: 0x0A) ?? body.count
            var text = String(decoding: body[line ..< end], as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            if text.isEmpty { return end + 1 }
            if text.first == " " || text.first == "\t" {
                throw .unreadable("a multipart part header folded over two lines")
            }
            guard let colon = text.firstIndex(of: ":") else {
                throw .badText("multipart (a part header line without a colon)")
            }
            let name = text[..<colon].trimmingASCIISpaces().lowercased()
            let value = String(text[text.index(after: colon)...].trimmingASCIISpaces())
            try check(header: name, value: value)
            decoded += try encodedParameters(value)
            line = end + 1
        }
        return body.count
    }

    /// The values of a part header's parameters that readers decode, decoded, a line each:
    /// RFC 2231's forms and percent-encoded values (aiohttp writes `filename="%2Fhome"`).
    private static func encodedParameters(_ value: String) throws(RequestCoding.Failure) -> [UInt8] {
        guard value.utf8.contains(UInt8(ascii: "*")) || value.utf8.contains(UInt8(ascii: "%")) else { return [] }
        let parameters = HeaderParameters(value)
        guard parameters.list.count <= HeaderParameters.most else {
            throw .unreadable("a multipart part header with more than \(HeaderParameters.most) parameters")
        }
        var out: [UInt8] = []
        for (_, v) in parameters.extended.sorted(by: { $0.key < $1.key }) { out += v + [0x0A] }
        for (name, v) in parameters.list where !name.contains("*") && v.contains(UInt8(ascii: "%")) {
            out += v.percentDecoded + [0x0A]
        }
        return out
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
            if let ambiguity = type.ambiguity { throw .unreadable("a multipart part whose content-type \(ambiguity)") }
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
