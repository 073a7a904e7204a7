// Bodies, on an input whose first line is a content-type and whose rest is the body.
// 1. RequestCoding: the rest, decoded as each coding veil reads, never comes out larger than
//    the limit (a bomb is cut off, not inflated); compressed by zlib or zstd first, it decodes
//    back to itself, or is refused as too large when it is.
// 2. BodyView: the view the scanner reads is never larger than the limit; a form's view is
//    JSON the scanner walks, with the fields Foundation decodes where Foundation can; a
//    UTF-16/32 view (or its transcoded half, after the bytes as sent) re-encodes to the body
//    (nothing lost in the transcoding); and whenever
//    the view holds the canary, the scanner finds it.

import CCompression
import Foundation
import NIOCore
import NIOHTTP1
@testable import VeilProxy
@_spi(Fuzzing) import VeilScan

enum BodyProperties {
    static let limit = 2048
    static let scanner = VeilScanner(config: ScanConfig(canaries: [Canary(label: "time zone", value: HTTPProperties.canary)]))

    static func check(_ input: [UInt8]) {
        let newline = input.firstIndex(of: 0x0A) ?? input.count
        let type = String(decoding: input[..<newline], as: UTF8.self)
        let body = Array(input[min(newline + 1, input.count)...])
        coding(body)
        view(body, type: type)
    }

    static func coding(_ body: [UInt8]) {
        for coding in ["gzip", "deflate", "zstd"] {
            if let out = try? RequestCoding.decode(ByteBuffer(bytes: body), codings: [coding], limit: limit),
               out.readableBytes > limit {
                fail("\(coding) decoded to \(out.readableBytes) bytes, over the limit", body)
            }
        }
        for (coding, packed) in [("gzip", deflate(body, windowBits: 31)), ("deflate", deflate(body, windowBits: 15)),
                                 ("deflate", deflate(body, windowBits: -15)), ("zstd", zstd(body))] {
            do {
                let out = try RequestCoding.decode(ByteBuffer(bytes: packed), codings: [coding], limit: limit)
                guard body.count <= limit, Array(out.readableBytesView) == body else {
                    fail("\(coding) round trip gave \(out.readableBytes) bytes", body)
                }
            } catch {
                guard error == .tooLarge, body.count > limit else { fail("\(coding) round trip: \(error)", body) }
            }
        }
    }

    static func view(_ body: [UInt8], type: String) {
        let headers = HTTPHeaders([("content-type", type)])
        guard let view = try? BodyView.decoded(ByteBuffer(bytes: body), headers: headers, limit: limit) else { return }
        let bytes = Array(view.readableBytesView)
        if bytes.count > limit { fail("a view of \(bytes.count) bytes, over the limit", body) }
        let media = ContentType(type)
        if media.media == "application/x-www-form-urlencoded" {
            guard scanner.walksAsJSON(bytes) else { fail("a form view the scanner does not walk as JSON", body) }
            form(body, view: bytes)
        } else if let form = media.charset.flatMap({ name in body.withUnsafeBytes { UnicodeForm(charset: name, $0) } })
                    ?? body.withUnsafeBytes({ UnicodeForm.sniff($0) }) {
            // A leading BOM is left out of the view. A body whose type veil does not sniff (an
            // octet stream, text said to be UTF-8) has the bytes as sent, a newline, then the
            // transcoded text (BodyView.asUnicode): that part must re-encode to the body.
            let sent = bytes.count > body.count && bytes[body.count] == 0x0A && bytes.starts(with: body)
            let again = encode(sent ? Array(bytes[(body.count + 1)...]) : bytes, form)
            guard again == body || encode(Array("\u{FEFF}".utf8), form) + again == body else {
                fail("UTF-\(form.width * 8) text does not re-encode to the body", body)
            }
        }
        if HTTPProperties.contains(bytes, HTTPProperties.canary),
           !scanner.scanBody(bytes, api: .openai).contains(where: { $0.kind == .canary }) {
            fail("the view holds the canary and the scan misses it", body)
        }
    }

    /// Each field as Foundation decodes it (`+` a space first), where it can.
    static func form(_ body: [UInt8], view: [UInt8]) {
        // The view's names and values in order: `{"a":"1","b":"2"}` read as the array `["a","1","b","2"]`.
        let inner = String(decoding: view.dropFirst().dropLast(), as: UTF8.self).replacingOccurrences(of: "\":\"", with: "\",\"")
        guard let text = String(validating: body, as: UTF8.self),
              let pairs = (try? JSONSerialization.jsonObject(with: Data("[\(inner)]".utf8))) as? [String]
        else { return }
        let fields = text.split(separator: "&").flatMap { field -> [String?] in
            let eq = field.firstIndex(of: "=")
            let name = field[..<(eq ?? field.endIndex)], value = eq.map { field[field.index(after: $0)...] } ?? ""
            return [name, value].map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
        }
        guard fields.count == pairs.count else { fail("\(pairs.count / 2) fields in the view, \(fields.count / 2) in the body", body) }
        for (mine, theirs) in zip(pairs, fields) where theirs != nil && mine != theirs {
            fail("a field reads \(mine.debugDescription), Foundation reads \(theirs!.debugDescription)", body)
        }
    }

    static func encode(_ utf8: [UInt8], _ form: UnicodeForm) -> [UInt8] {
        String(decoding: utf8, as: UTF8.self).unicodeScalars.flatMap { s -> [UInt8] in
            let units: [UInt32] = form.width == 4 ? [s.value] : Array(String(s).utf16).map(UInt32.init)
            return units.flatMap { u in
                (0 ..< form.width).map { k in UInt8(truncatingIfNeeded: u >> (8 * (form.bigEndian ? form.width - 1 - k : k))) }
            }
        }
    }

    /// One compressor per format, reset for each input: a new one costs a quarter of a
    /// megabyte, which under AddressSanitizer is most of an input's time.
    nonisolated(unsafe) static var deflaters: [Int32: UnsafeMutablePointer<z_stream>] = [:]
    nonisolated(unsafe) static let zstdContext = ZSTD_createCCtx()

    static func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
        let s: UnsafeMutablePointer<z_stream>
        if let known = deflaters[windowBits] {
            s = known
            deflateReset(s)
        } else {
            s = .allocate(capacity: 1)
            s.initialize(to: z_stream())
            guard deflateInit2_(s, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                Int32(MemoryLayout<z_stream>.size)) == Z_OK else { fatalError("deflateInit2") }
            deflaters[windowBits] = s
        }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(s, uLong(input.count))) + 64)
        var input = input
        let n = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                (s.pointee.next_in, s.pointee.avail_in) = (i.baseAddress, uInt(i.count))
                (s.pointee.next_out, s.pointee.avail_out) = (o.baseAddress, uInt(o.count))
                return CCompression.deflate(s, Z_FINISH) == Z_STREAM_END ? o.count - Int(s.pointee.avail_out) : 0
            }
        }
        return Array(out.prefix(n))
    }

    static func zstd(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let n = ZSTD_compressCCtx(zstdContext, &out, out.count, input, input.count, 1)
        return ZSTD_isError(n) == 0 ? Array(out.prefix(n)) : []
    }

    static func fail(_ why: String, _ body: [UInt8]) -> Never {
        let shown = String(decoding: body.prefix(600), as: UTF8.self)
        fatalError("veil-fuzz http body: \(why)\n  body (\(body.count) bytes): \(shown.debugDescription)")
    }
}
