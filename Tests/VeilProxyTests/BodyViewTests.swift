import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import VeilProxy
import VeilProfile
import VeilScan

@Suite("what the scanner reads of a body") struct BodyViewTests {
    static let zone = Canary(label: "time zone", value: "Asia/Shanghai")
    static let scanner = VeilScanner(config: ScanConfig(canaries: [zone]))

    /// The findings on a body as the inspector scans it, or the refusal.
    func scan(_ body: [UInt8], _ contentType: String?, limit: Int = 1 << 20) throws(RequestCoding.Failure) -> [Finding] {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "content-type", value: contentType) }
        let view = try BodyView.decoded(ByteBuffer(bytes: body), headers: headers, limit: limit)
        return Self.scanner.scanBody(Array((view ?? ByteBuffer(bytes: body)).readableBytesView), api: .openai)
    }

    func canaries(_ f: [Finding]) -> [String] { f.filter { $0.kind == .canary }.map(\.path) }

    func utf16(_ s: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
        let units = (bom ? [0xFEFF] : [UInt16]()) + Array(s.utf16)
        return units.flatMap { u in bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
    }

    func utf32(_ s: String, bigEndian: Bool) -> [UInt8] {
        s.unicodeScalars.flatMap { c -> [UInt8] in
            let v = c.value, le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
            return bigEndian ? le.reversed() : le
        }
    }

    static let json = #"{"messages":[{"role":"user","content":"it is noon in Asia/Shanghai"}]}"#

    @Test func aFormIsReadFieldByFieldDecoded() throws {
        // Raw, `%2F` hid the zone from the scanner; the upstream reads `Asia/Shanghai`.
        let body = Array("model=m&tz=Asia%2FShanghai&note=a+b".utf8)
        #expect(try canaries(scan(body, "application/x-www-form-urlencoded")) == ["$.tz"])
        #expect(try canaries(scan(body, "application/x-www-form-urlencoded; charset=UTF-8")) == ["$.tz"])
        // `+` is a space, names are decoded too, and a repeated name is kept.
        let view = FormFields.json(Array("a+b=1&%22q%22=x%5Cy&a+b=%0A&flag&&=v&bad=%zz%4".utf8))
        #expect(String(decoding: view, as: UTF8.self) == #"{"a b":"1","\"q\"":"x\\y","a b":"\n","flag":"","":"v","bad":"%zz%4"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(view)) as? [String: String]
        #expect(parsed?["bad"] == "%zz%4")
    }

    @Test func jsonInUTF16Or32IsReadAsTheUpstreamWould() throws {
        let text = Self.json
        let forms: [([UInt8], String?)] = [
            (utf16(text, bigEndian: false, bom: true), "application/json"),
            (utf16(text, bigEndian: true, bom: true), "application/json"),
            // No BOM: RFC 4627's NUL pattern, as Python's json.loads reads it.
            (utf16(text, bigEndian: false, bom: false), "application/json"),
            (utf16(text, bigEndian: true, bom: false), nil),
            (utf32(text, bigEndian: false), "application/json"),
            (utf32(text, bigEndian: true), "text/plain"),
            // Declared.
            (utf16(text, bigEndian: false, bom: false), "application/json; charset=utf-16le"),
            (utf16(text, bigEndian: true, bom: false), "application/json; charset=\"UTF-16\""),
            // Said to be UTF-8, read by its bytes (as json.loads does).
            (utf16(text, bigEndian: false, bom: false), "application/json; charset=utf-8"),
        ]
        for (body, type) in forms {
            #expect(try canaries(scan(body, type)) == ["$.messages[0].content"], "\(type ?? "none") \(body.prefix(4))")
        }
    }

    /// JSON in UTF-16/32 under a type veil does not sniff (an octet stream, text said to be
    /// UTF-8), its canary in escapes: json.loads on the bytes reads it whatever the header
    /// says (the fourth red team's bypass). The bytes are scanned as sent and as it reads them.
    @Test func unicodeUnderAnotherTypeIsReadAsWell() throws {
        let escaped = "Asia/Shanghai".unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let text = #"{"messages":[{"role":"user","content":"it is noon in \#(escaped)"}]}"#
        let forms: [([UInt8], String?)] = [
            (utf16(text, bigEndian: false, bom: false), "application/octet-stream"),
            (utf16(text, bigEndian: false, bom: true), "application/octet-stream"),
            (utf16(text, bigEndian: true, bom: false), "text/plain; charset=utf-8"),
            (utf32(text, bigEndian: false), "text/plain; charset=utf-8"),
            (utf32(text, bigEndian: true), "image/png"),
        ]
        for (body, type) in forms {
            #expect(try canaries(scan(body, type)) == ["$"], "\(type ?? "none") \(body.prefix(4))")
        }
        // A binary body that does not look like UTF-16/32 is scanned as sent, and only so.
        #expect([UInt8]([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]).withUnsafeBytes { BodyView.asUnicode($0) } == nil)
    }

    @Test func whatCannotBeReadIsRefused() {
        let cases: [([UInt8], String, RequestCoding.Failure)] = [
            (Array(Self.json.utf8), "application/json; charset=shift_jis", .unreadable("charset shift_jis")),
            (Array("tz=Asia%2FShanghai".utf8), "application/x-www-form-urlencoded; charset=iso-8859-1",
             .unreadable("charset iso-8859-1")),
            // A lone surrogate, and an odd length: a lenient reader would read the rest.
            ([0xFF, 0xFE, 0x7B, 0x00, 0x00, 0xD8, 0x7D, 0x00], "application/json", .badText("UTF-16LE")),
            ([0x7B, 0x00, 0x7D], "application/json", .badText("UTF-16LE")),
            (multipart(file: "QXNpYS9TaGFuZ2hhaQ==", partHeaders: "Content-Transfer-Encoding: base64\r\n"),
             "multipart/form-data; boundary=XyZ", .unreadable("a multipart part in content-transfer-encoding base64")),
            (multipart(file: "tz", partHeaders: "Content-Type: text/plain; charset=utf-7\r\n"),
             "multipart/form-data; boundary=XyZ", .unreadable("a multipart part in charset utf-7")),
            (multipart(file: "tz", partHeaders: ""), "multipart/form-data", .badText("multipart (no boundary of 1 to 70 characters)")),
            // The attack: the parts read with the first boundary, an upstream that takes the
            // last reads others (Werkzeug); the same for a part's charset.
            (multipart(file: "tz", partHeaders: ""), "multipart/form-data; boundary=XyZ; boundary=Other",
             .unreadable("a content-type that names two charsets or boundaries")),
            (multipart(file: "tz", partHeaders: "Content-Type: text/plain; charset=utf-8; charset=utf-7\r\n"),
             "multipart/form-data; boundary=XyZ", .unreadable("a multipart part whose content-type names two charsets or boundaries")),
            // A quoted boundary holds a `;`: read as `"a` (split at every `;`), no part was
            // found and the base64 part went on unread.
            (multipart(file: "QXNpYS9TaGFuZ2hhaQ==", partHeaders: "Content-Transfer-Encoding: base64\r\n", boundary: "a;b"),
             #"multipart/form-data; boundary="a;b""#, .unreadable("a multipart part in content-transfer-encoding base64")),
            // The email package unfolds a header folded over two lines and reads the charset.
            (multipart(file: "tz", partHeaders: "Content-Type: text/plain;\r\n charset=utf-7\r\n"),
             "multipart/form-data; boundary=XyZ", .unreadable("a multipart part header folded over two lines")),
            (multipart(file: "tz", partHeaders: "charset=utf-7\r\n"),
             "multipart/form-data; boundary=XyZ", .badText("multipart (a part header line without a colon)")),
            // RFC 2231's forms of a charset or boundary: decoded by the email package.
            (multipart(file: "tz", partHeaders: "Content-Type: text/plain; charset*=''utf-7\r\n"),
             "multipart/form-data; boundary=XyZ",
             .unreadable("a multipart part whose content-type encodes its charset or boundary (RFC 2231)")),
            (multipart(file: "QXNpYS9TaGFuZ2hhaQ==", partHeaders: "Content-Transfer-Encoding: base64\r\n"),
             "multipart/form-data; boundary=Decoy; boundary*0=Xy; boundary*1=Z",
             .unreadable("a content-type that encodes its charset or boundary (RFC 2231)")),
            (utf16(Self.json, bigEndian: false, bom: false), #"application/json; x="; charset=utf-16le"#,
             .unreadable("a content-type that has a quoted value that does not end where it should")),
            (Array(Self.json.utf8), "text/plain, application/json; charset=utf-16le",
             .unreadable("a content-type that names two media types")),
            // Each of many names read once is still work for every byte of a large body.
            (multipart(file: "tz", partHeaders: "Content-Disposition: form-data" + (0 ..< 65).map { "; n\($0)*=x" }.joined() + "\r\n"),
             "multipart/form-data; boundary=XyZ", .unreadable("a multipart part header with more than 64 parameters")),
        ]
        for (body, type, failure) in cases {
            #expect(throws: failure, "\(type)") { try scan(body, type) }
            #expect(failure.status == .unsupportedMediaType || failure.status == .badRequest)
        }
    }

    /// The bodies agents and SDKs send go on as they are, scanned byte for byte.
    @Test func legitBodiesAreScannedAsSent() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D] + Array("Asia/Shanghai".utf8)
        let bodies: [([UInt8], String?)] = [
            (Array(Self.json.utf8), "application/json"),
            (Array(Self.json.utf8), "application/json; charset=utf-8"),
            (Array(Self.json.utf8), nil),
            ([0xEF, 0xBB, 0xBF] + Array(Self.json.utf8), "application/json"),
            (Array("data: Asia/Shanghai\n\n".utf8), "text/event-stream"),
            (png, "image/png"),
            (png, "application/octet-stream"),
            (multipart(file: "Asia/Shanghai", partHeaders: "Content-Type: text/plain; charset=utf-8\r\n"),
             "multipart/form-data; boundary=XyZ"),
            (multipart(file: String(decoding: png, as: UTF8.self), partHeaders: "Content-Type: image/png\r\nContent-Transfer-Encoding: binary\r\n"),
             "multipart/form-data; boundary=\"XyZ\""),
        ]
        for (body, type) in bodies {
            var headers = HTTPHeaders()
            if let type { headers.add(name: "content-type", value: type) }
            #expect(try BodyView.decoded(ByteBuffer(bytes: body), headers: headers, limit: 1 << 20) == nil, "\(type ?? "none")")
            #expect(try canaries(scan(body, type)).count == 1, "\(type ?? "none")")
        }
    }

    /// A part header's parameter in RFC 2231's forms, or percent-encoded, is what
    /// python-multipart and the email package hand the application decoded: a file name
    /// `Asia%2FShanghai`, or `Asia/Shang` and `hai` in two continuations.
    @Test func aPartHeadersEncodedParametersAreReadDecoded() throws {
        let headers = [
            "Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''Asia%2FShanghai\r\n",
            "Content-Disposition: form-data; name=\"f\"; filename*0=\"Asia/Shang\"; filename*1=\"hai\"\r\n",
            "Content-Disposition: form-data; name=\"f\"; filename*1*=%68ai; filename*0*=utf-8'en'Asia%2FShang\r\n",
            "Content-Disposition: form-data; name=\"f\"; filename=\"Asia%2FShanghai\"\r\n",
            "Content-Disposition: form-data; name*=''Asia%2FShanghai\r\n",
        ]
        for h in headers {
            let body = multipart(file: "hello", partHeaders: h)
            #expect(try canaries(scan(body, "multipart/form-data; boundary=XyZ")).count == 1, "\(h)")
            // The body goes on as it was sent.
            let view = try #require(try BodyView.decoded(ByteBuffer(bytes: body), headers: HTTPHeaders([("content-type", "multipart/form-data; boundary=XyZ")]), limit: 1 << 20))
            #expect(Array(view.readableBytesView.prefix(body.count)) == body)
        }
    }

    /// The red team's body: one header of RFC 2231 names, each read by a pass over all of
    /// them (quadratic: 16,000 names took 11 s optimised, 30 s here). Now one pass, and refused past 64.
    @Test func manyEncodedParametersCostOnePass() throws {
        let names = (0 ..< 64).map { "; n\($0)*0=x; n\($0)*1*=%79" }.joined()
        let parameters = HeaderParameters("form-data" + names)
        #expect(parameters.extended.count == 64 && parameters.extended.values.allSatisfy { $0 == Array("xy".utf8) })
        let many = "Content-Disposition: form-data" + (0 ..< 20_000).map { "; n\($0)*=x" }.joined() + "\r\n"
        let start = ContinuousClock.now
        #expect(throws: RequestCoding.Failure.unreadable("a multipart part header with more than 64 parameters")) {
            try scan(multipart(file: "tz", partHeaders: many), "multipart/form-data; boundary=XyZ")
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func twoContentTypesAreRefused() {
        let headers = HTTPHeaders([("content-type", "text/plain"), ("content-type", "application/x-www-form-urlencoded")])
        #expect(throws: RequestCoding.Failure.unreadable("two content-types at once")) {
            try BodyView.decoded(ByteBuffer(bytes: Array("tz=Asia%2FShanghai".utf8)), headers: headers, limit: 1 << 20)
        }
    }

    @Test func aViewLargerThanTheCapIsRefused() {
        // Every byte a control character: six bytes each in the JSON view.
        let body = [UInt8]("a=".utf8) + [UInt8](repeating: 0x01, count: 200)
        #expect(throws: RequestCoding.Failure.tooLarge) { try scan(body, "application/x-www-form-urlencoded", limit: 1000) }
        #expect(throws: Never.self) { try scan(body, "application/x-www-form-urlencoded", limit: 2000) }
    }

    @Test func contentTypeParameters() {
        let t = ContentType(#"Multipart/Form-Data ; charset="UTF-8"; boundary="a b"; charset=utf-8"#)
        #expect(t.media == "multipart/form-data" && t.charset == "utf-8" && t.boundary == "a b" && !t.ambiguous)
        // Two values of one parameter: readers take the first or the last.
        #expect(ContentType("multipart/form-data; boundary=AAA; boundary=BBB").ambiguous)
        #expect(ContentType("application/json; charset=utf-16le; charset=utf-8").ambiguous)
        // Quoted values as strict readers take them: `;` inside, `\` escaping.
        let q = ContentType(#"multipart/form-data; boundary="a;b\"c"; charset=utf-8"#)
        #expect(q.boundary == #"a;b"c"# && q.charset == "utf-8" && !q.ambiguous)
        #expect(ContentType(#"multipart/form-data; boundary="abc" d"#).ambiguous)
        #expect(ContentType(#"multipart/form-data; boundary=a"b"#).ambiguous)
        #expect(!ContentType("multipart/form-data;boundary=XyZ;").ambiguous)
        #expect(ContentType("application/vnd.api+json").isJSON)
        #expect(ContentType("").media.isEmpty)
    }

    /// A multipart/form-data body with a text field `purpose` and one file part.
    func multipart(file: String, partHeaders: String, boundary b: String = "XyZ") -> [UInt8] {
        Array(("--\(b)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\(partHeaders)\r\n"
            + "\(file)\r\n--\(b)--\r\n").utf8)
    }

    // Through the inspector.

    @Test func theInspectorReadsFormsAndUTF16AndRefusesWhatItCannotRead() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url), canaries: [Self.zone])
        defer { inspector.shutdown() }
        let blocked: [([UInt8], String)] = [
            (Array("tz=Asia%2FShanghai".utf8), "application/x-www-form-urlencoded"),
            (utf16(Self.json, bigEndian: false, bom: true), "application/json"),
            (multipart(file: "hello", partHeaders: "Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''Asia%2FShanghai\r\n"),
             "multipart/form-data; boundary=XyZ"),
        ]
        for (bytes, type) in blocked {
            let got = try await request(inspector.port, "/v1/chat/completions", bytes: bytes, headers: [("content-type", type)])
            #expect(got.status == 400, "\(type)")
            #expect(got.body.contains("time zone"), "\(got.body)")
        }
        let refused = try await request(inspector.port, "/v1/chat/completions", bytes: Array(Self.json.utf8),
                                        headers: [("content-type", "application/json; charset=koi8-r")])
        #expect(refused.status == 415)
        #expect((refused.json["error"] as? [String: Any])?["message"] as? String
            == RequestCoding.Failure.unreadable("charset koi8-r").message(limit: 0))
        #expect(up.seen.isEmpty)
        // The attacks: bytes the view reads otherwise or drops, sent as they are. ASCII JSON
        // labelled UTF-16 (CJK to the view, plain to a json.loads that ignores the label), a
        // gzip header's file name and comment, a zstd skippable frame before a clean frame.
        var even = Array(Self.json.utf8)
        if even.count % 2 == 1 { even.append(0x20) }
        let clean = Array(#"{"messages":[{"role":"user","content":"hello"}]}"#.utf8)
        let zone = Array("Asia/Shanghai".utf8)
        let gzipped = Compress.gzip(clean)
        let named = Array(gzipped[..<3]) + [gzipped[3] | 0x18] + Array(gzipped[4..<10]) + zone + [0] + zone + [0]
            + Array(gzipped[10...])
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18] + withUnsafeBytes(of: UInt32(zone.count).littleEndian, Array.init) + zone
        let disguised: [([UInt8], [(String, String)])] = [
            (even, [("content-type", "application/json; charset=utf-16le")]),
            (even, [("content-type", "text/plain; charset=utf-16be")]),
            (named, [("content-type", "application/json"), ("content-encoding", "gzip")]),
            (skippable + Compress.zstd(clean), [("content-type", "application/json"), ("content-encoding", "zstd")]),
        ]
        for (bytes, headers) in disguised {
            let got = try await request(inspector.port, "/v1/chat/completions", bytes: bytes, headers: headers)
            #expect(got.status == 400 && got.body.contains("time zone"), "\(headers): \(got.status) \(got.body)")
        }
        #expect(up.seen.isEmpty)
        // The control: the same containers without the zone go on.
        let plainGzip = try await request(inspector.port, "/v1/chat/completions", bytes: gzipped,
                                          headers: [("content-type", "application/json"), ("content-encoding", "gzip")])
        #expect(plainGzip.status == 200)
        // A file upload goes on as it was sent.
        let upload = multipart(file: "hello", partHeaders: "Content-Type: text/plain\r\n")
        let ok = try await request(inspector.port, "/v1/files", bytes: upload,
                                   headers: [("content-type", "multipart/form-data; boundary=XyZ")])
        #expect(ok.status == 200)
        #expect(up.seen.last?.body == upload)
    }
    /// The sent bytes are read for canaries and `forbid` patterns, never for dates: a gzip
    /// header's file name with a forbidden word blocks, one with a US-style date does not,
    /// even where dates block, since compressed bytes are no prose a date could be written in.
    @Test func sentBytesAreReadForCanariesAndForbiddenPatternsOnly() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        var modes = Profile.Modes()
        modes.rule = .block
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(up.url))],
            rules: [Profile.Rule(name: "quux", kind: .forbid, pattern: "QUUXMARKER"), Profile.Rule(name: "dates", kind: .isoDate)],
            modes: modes, connectTimeoutSeconds: 2, readTimeoutSeconds: 5))
        defer { inspector.shutdown() }
        let gzipped = Compress.gzip(Array(#"{"messages":[{"role":"user","content":"hello"}]}"#.utf8))
        func named(_ name: String) -> [UInt8] {
            Array(gzipped[..<3]) + [gzipped[3] | 0x08] + Array(gzipped[4..<10]) + Array(name.utf8) + [0] + Array(gzipped[10...])
        }
        let headers = [("content-type", "application/json"), ("content-encoding", "gzip")]
        let forbidden = try await request(inspector.port, "/v1/chat/completions", bytes: named("QUUXMARKER"), headers: headers)
        #expect(forbidden.status == 400, "\(forbidden.body)")
        let dated = try await request(inspector.port, "/v1/chat/completions", bytes: named("report 12/07/2026"), headers: headers)
        #expect(dated.status == 200, "\(dated.body)")
    }
}

