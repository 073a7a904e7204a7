import NIOCore
import NIOHTTP1
import VeilScan

/// What the scanner reads of a request body: the text as the upstream will understand it.
/// Bytes that are an encoding of other text are undone first, or the body is refused, since a
/// scanner reading the encoded form would miss a canary the upstream reads plainly
/// (`Asia%2FShanghai` in a form, `Asia/Shanghai` in UTF-16):
/// - content-encoding (gzip, deflate, zstd): RequestCoding;
/// - a form (`application/x-www-form-urlencoded`): its fields, percent- and `+`-decoded, as a
///   JSON object `{"field":"value",…}`, so findings name the field (`$.tz`);
/// - a declared charset other than UTF-8 and ASCII: UTF-16 and UTF-32 are transcoded to
///   UTF-8, any other is refused (415); JSON (even said to be UTF-8), text or an untyped
///   body in UTF-16/32 is found by its BOM or its NUL pattern (RFC 4627 §3), as lenient
///   readers do;
/// - multipart: read as it is (text fields are plain bytes, as are file parts), and its part
///   headers' encoded parameters decoded besides (Multipart); a part in a transfer encoding
///   (base64, quoted-printable) or another charset is refused.
/// A content-type that readers could take two ways (ContentType.ambiguity), or two of them,
/// is refused.
/// Everything else (JSON, text, SSE, images, PDFs, octet streams) is scanned byte for byte.
enum BodyView {
    /// The body to scan (and record) when it differs from the one sent; nil: the body as it is.
    /// The common case, UTF-8 JSON without a content-encoding, costs a look at two headers
    /// and two bytes.
    static func decoded(_ body: ByteBuffer, headers: HTTPHeaders, limit: Int) throws(RequestCoding.Failure) -> ByteBuffer? {
        var decoded: ByteBuffer?
        if headers.contains(name: "content-encoding") || headers.contains(name: "transfer-encoding") {
            let codings = try RequestCoding.codings(headers)
            if !codings.isEmpty { decoded = try RequestCoding.decode(body, codings: codings, limit: limit) }
        }
        // Two content-types: readers take the first, the last, or both as a list.
        var value: String?
        for (name, v) in headers where name.equalsLowercased("content-type") {
            guard value == nil else { throw .unreadable("two content-types at once") }
            value = v
        }
        let view = try (decoded ?? body).withUnsafeReadableBytes { (raw) throws(RequestCoding.Failure) -> [UInt8]? in
            // What the SDKs send: parsing the header would cost more than the look at two bytes.
            if let value, value.equalsLowercased("application/json") {
                guard let form = UnicodeForm.sniff(raw) else { return nil }
                return try checked(form.utf8(raw), limit: limit)
            }
            return try text(raw, type: value.map(ContentType.init), limit: limit)
        }
        return view.map { ByteBuffer(bytes: $0) } ?? decoded
    }

    /// The view of already content-decoded bytes; nil: scan them as they are.
    static func text(_ bytes: UnsafeRawBufferPointer, type: ContentType?, limit: Int) throws(RequestCoding.Failure) -> [UInt8]? {
        if let ambiguity = type?.ambiguity { throw .unreadable("a content-type that \(ambiguity)") }
        let view: [UInt8]?
        switch type?.media {
        case "application/x-www-form-urlencoded":
            let utf8 = try transcoded(bytes, charset: type?.charset, sniff: false)
            view = utf8.map { FormFields.json($0) } ?? FormFields.json(bytes)
        case let media? where media.hasPrefix("multipart/"):
            let decoded = try Multipart.check(bytes, boundary: type?.boundary)
            view = decoded.isEmpty ? nil : Array(bytes) + [0x0A] + decoded
        default:
            // JSON is sniffed even when it says UTF-8: Python's json.loads, behind many a
            // gateway, reads the bytes and not the header, and UTF-8 JSON never starts with
            // a NUL, 0xFE or 0xFF. Text is sniffed only when it names no charset.
            let sniff = type.map { $0.isJSON || $0.media.isEmpty || $0.charset == nil && $0.media.hasPrefix("text/") } ?? true
            if let utf8 = try transcoded(bytes, charset: type?.charset, sniff: sniff) {
                view = utf8
            } else if !sniff, let utf8 = asUnicode(bytes) {
                view = Array(bytes) + [0x0A] + utf8
            } else {
                view = nil
            }
        }
        return try view.map { (v) throws(RequestCoding.Failure) in try checked(v, limit: limit) }
    }

    /// The bytes as a reader that ignores the declared type reads them (json.loads takes bytes
    /// and finds UTF-16/32 by their NULs), when that is UTF-16/32: an octet stream or text said
    /// to be UTF-8 carried the machine id in JSON escapes, written in UTF-16, past the scan of
    /// the bytes as sent (the fourth red team). Both are scanned then. Nil when the bytes do
    /// not look like UTF-16/32, or are not valid in the form they look like.
    static func asUnicode(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let form = UnicodeForm.sniff(bytes) else { return nil }
        return try? form.utf8(bytes)
    }

    /// A view grows (a form's control characters are escaped, UTF-16 becomes up to 1.5 times
    /// longer in UTF-8), and must stay under the body cap as a decoded body does.
    private static func checked(_ view: [UInt8], limit: Int) throws(RequestCoding.Failure) -> [UInt8] {
        guard view.count <= limit else { throw .tooLarge }
        return view
    }

    /// UTF-8 of text in another Unicode encoding; nil when it is UTF-8 (or ASCII) already.
    /// With `sniff`, a UTF-16/32 body not declared as such is recognised by its first bytes.
    static func transcoded(_ bytes: UnsafeRawBufferPointer, charset: String?, sniff: Bool) throws(RequestCoding.Failure) -> [UInt8]? {
        switch charset {
        case nil, "utf-8", "utf8", "us-ascii", "ascii":
            guard sniff, let form = UnicodeForm.sniff(bytes) else { return nil }
            return try form.utf8(bytes)
        case let name?:
            guard let form = UnicodeForm(charset: name, bytes) else {
                throw .unreadable("charset \(name)")
            }
            return try form.utf8(bytes)
        }
    }
}

/// UTF-16 and UTF-32 in either byte order, as RFC 8259 readers and Python's `json.loads` take
/// them: by a byte order mark, or for JSON without one, by where the NUL bytes are.
struct UnicodeForm: Equatable {
    let width: Int
    let bigEndian: Bool

    /// From the first bytes: a BOM, or the NUL pattern of two ASCII characters. UTF-8 (whose
    /// text has no NUL and no 0xFE/0xFF byte) leaves at the first test.
    static func sniff(_ b: UnsafeRawBufferPointer) -> UnicodeForm? {
        guard b.count >= 2, b[0] == 0 || b[1] == 0 || b[0] >= 0xFE else { return nil }
        if let bom = byBOM(b) { return bom }
        if b.count >= 4 {
            switch (b[0] == 0, b[1] == 0, b[2] == 0, b[3] == 0) {
            case (true, true, true, false): return UnicodeForm(width: 4, bigEndian: true)
            case (false, true, true, true): return UnicodeForm(width: 4, bigEndian: false)
            case (true, false, true, false): return UnicodeForm(width: 2, bigEndian: true)
            case (false, true, false, true): return UnicodeForm(width: 2, bigEndian: false)
            default: break
            }
        }
        if b[0] == 0, b[1] != 0 { return UnicodeForm(width: 2, bigEndian: true) }
        if b[0] != 0, b[1] == 0 { return UnicodeForm(width: 2, bigEndian: false) }
        return nil
    }

    static func byBOM(_ b: UnsafeRawBufferPointer) -> UnicodeForm? {
        if b.count >= 4, b[0] == 0, b[1] == 0, b[2] == 0xFE, b[3] == 0xFF { return UnicodeForm(width: 4, bigEndian: true) }
        if b.count >= 4, b[0] == 0xFF, b[1] == 0xFE, b[2] == 0, b[3] == 0 { return UnicodeForm(width: 4, bigEndian: false) }
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF { return UnicodeForm(width: 2, bigEndian: true) }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE { return UnicodeForm(width: 2, bigEndian: false) }
        return nil
    }

    init(width: Int, bigEndian: Bool) { (self.width, self.bigEndian) = (width, bigEndian) }

    /// A declared charset; `utf-16`/`utf-32` without an order take the BOM's, else big endian
    /// (RFC 2781 §4.3).
    init?(charset: String, _ b: UnsafeRawBufferPointer) {
        switch charset {
        case "utf-16", "utf-32":
            let width = charset == "utf-16" ? 2 : 4
            let bom = Self.byBOM(b)
            self.init(width: width, bigEndian: bom?.width == width ? bom!.bigEndian : true)
        case "utf-16be", "utf-16le", "utf-32be", "utf-32le":
            self.init(width: charset.hasPrefix("utf-16") ? 2 : 4, bigEndian: charset.hasSuffix("be"))
        default:
            return nil
        }
    }

    /// The text in UTF-8, a leading BOM left out. Refused (400) if it is not valid: a lenient
    /// reader would replace the bad unit and read the rest, which veil would not have seen.
    func utf8(_ b: UnsafeRawBufferPointer) throws(RequestCoding.Failure) -> [UInt8] {
        let name = "UTF-\(width * 8)\(bigEndian ? "BE" : "LE")"
        guard b.count % width == 0 else { throw .badText(name) }
        var units = [UInt32]()
        units.reserveCapacity(b.count / width)
        var i = 0
        while i < b.count {
            var u: UInt32 = 0
            for k in 0 ..< width { u |= UInt32(b[i + k]) << (8 * (bigEndian ? width - 1 - k : k)) }
            units.append(u)
            i += width
        }
        if units.first == 0xFEFF { units.removeFirst() }
        var out: [UInt8] = []
        out.reserveCapacity(units.count * 2)
        let failed = width == 2
            ? transcode(units.lazy.map { UInt16(truncatingIfNeeded: $0) }.makeIterator(), from: UTF16.self, to: UTF8.self,
                        stoppingOnError: true) { out.append($0) }
            : transcode(units.makeIterator(), from: UTF32.self, to: UTF8.self, stoppingOnError: true) { out.append($0) }
        if failed { throw .badText(name) }
        return out
    }
}
