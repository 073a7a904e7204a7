import CCompression
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import VeilProxy
import VeilScan

/// Compressors for the tests, from the same C libraries veil decodes with.
enum Compress {
    /// windowBits 31: gzip, 15: zlib (HTTP's deflate), -15: a bare deflate stream.
    static func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
        var s = z_stream()
        precondition(deflateInit2_(&s, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&s) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, uLong(input.count))) + 64)
        var input = input
        let n = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                s.next_in = inp.baseAddress; s.avail_in = uInt(inp.count)
                s.next_out = o.baseAddress; s.avail_out = uInt(o.count)
                precondition(CCompression.deflate(&s, Z_FINISH) == Z_STREAM_END)
                return o.count - Int(s.avail_out)
            }
        }
        return Array(out.prefix(n))
    }

    static func gzip(_ input: [UInt8]) -> [UInt8] { deflate(input, windowBits: 31) }

    /// A zstd frame whose header asks the decoder for a window of 2^`windowLog` bytes.
    static func zstd(_ input: [UInt8], windowLog: Int32) -> [UInt8] {
        let cctx = ZSTD_createCCtx()
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, windowLog)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count) + 64)
        let n = out.withUnsafeMutableBytes { outRaw in
            input.withUnsafeBytes { raw -> Int in
                var dst = ZSTD_outBuffer(dst: outRaw.baseAddress, size: outRaw.count, pos: 0)
                // Streamed, so that the size is unknown when the header is written (a known small
                // size would shrink the window).
                var src = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
                precondition(ZSTD_isError(ZSTD_compressStream2(cctx, &dst, &src, ZSTD_e_continue)) == 0)
                var none = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                precondition(ZSTD_compressStream2(cctx, &dst, &none, ZSTD_e_end) == 0)
                return dst.pos
            }
        }
        return Array(out.prefix(n))
    }

    static func zstd(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let n = ZSTD_compress(&out, out.count, input, input.count, 3)
        precondition(ZSTD_isError(n) == 0)
        return Array(out.prefix(n))
    }
}

@Suite("request content-encoding") struct RequestCodingTests {
    static let json = Array(#"{"messages":[{"role":"user","content":"compressible compressible compressible"}]}"#.utf8)

    func decode(_ body: [UInt8], _ header: String, limit: Int = 1 << 20) throws(RequestCoding.Failure) -> [UInt8] {
        let headers = HTTPHeaders([("content-encoding", header)])
        let out = try RequestCoding.decode(ByteBuffer(bytes: body), codings: try RequestCoding.codings(headers), limit: limit)
        return Array(out.readableBytesView)
    }

    @Test func everyCodingVeilReadsRoundTrips() throws {
        let j = RequestCodingTests.json
        #expect(try decode(Compress.gzip(j), "gzip") == j)
        #expect(try decode(Compress.gzip(j), "X-GZIP") == j)
        #expect(try decode(Compress.deflate(j, windowBits: 15), "deflate") == j)
        #expect(try decode(Compress.deflate(j, windowBits: -15), "deflate") == j)
        #expect(try decode(Compress.zstd(j), "zstd") == j)
        // Applied in the order listed: gzip first, then zstd; undone in reverse.
        #expect(try decode(Compress.zstd(Compress.gzip(j)), "gzip, zstd") == j)
        #expect(try decode(Compress.zstd(j), "identity, zstd") == j)
        // Members and frames one after another are one body.
        #expect(try decode(Compress.gzip(j) + Compress.gzip(j), "gzip") == j + j)
        #expect(try decode(Compress.zstd(j) + Compress.zstd(j), "zstd") == j + j)
        #expect(try RequestCoding.codings(HTTPHeaders([("content-encoding", "identity")])).isEmpty)
        #expect(try RequestCoding.codings(HTTPHeaders([("transfer-encoding", "chunked"), ("content-encoding", "gzip")])) == ["gzip"])
    }

    @Test func aBodyCutShortOrNotOfItsCodingIsCorrupt() {
        let j = RequestCodingTests.json
        for (body, coding) in [(Compress.gzip(j), "gzip"), (Compress.zstd(j), "zstd"),
                               (Compress.deflate(j, windowBits: 15), "deflate")] {
            #expect(throws: RequestCoding.Failure.corrupt(coding)) { try decode(Array(body.dropLast(6)), coding) }
            #expect(throws: RequestCoding.Failure.corrupt(coding)) { try decode(j, coding) }
            #expect(throws: RequestCoding.Failure.corrupt(coding)) { try decode(body + [0x00, 0x01], coding) }
        }
    }

    /// The red team's body: bytes that are a zlib stream of spaces and, read as a raw deflate
    /// stream (as some servers read `deflate`), a request carrying the canary. veil scanned the
    /// zlib reading and forwarded it; refused now. A raw stream that ends anywhere counts (a
    /// lenient reader stops at its end), and plain zlib and raw bodies still read.
    @Test func aDeflateBodyThatReadsTwoWaysIsRefused() throws {
        let secret = Array(#"{"messages":[{"role":"user","content":"zebulonquixote"}]}"#.utf8)
        // Read as raw, 0x58 opens a stored block of 0x0909 bytes (bytes 5 on), then comes the
        // compressed secret. Read as zlib (header 58 09), 0x09 opens a final stored block of
        // ~0x0909 bytes (7 on), all spaces but the raw stream's tail, then the Adler-32.
        let len = 0x0909, len2 = ~len & 0xFFFF
        var stored = [UInt8](repeating: 0x20, count: len - 2) + Compress.deflate(secret, windowBits: -15)
        stored += [UInt8](repeating: 0x20, count: len2 - stored.count)
        let adler = stored.withUnsafeBufferPointer { adler32(1, $0.baseAddress, uInt($0.count)) }
        let body = [0x58, 0x09, 0x09, UInt8(len2 & 0xFF), UInt8(len2 >> 8), UInt8(len & 0xFF), UInt8(len >> 8)] + stored
            + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: adler >> $0) }
        #expect(throws: RequestCoding.Failure.ambiguous("deflate")) { try decode(body, "deflate") }
        // With the raw reading's end moved past the body's, only the zlib reading is left.
        let j = RequestCodingTests.json
        #expect(try decode(Compress.deflate(j, windowBits: 15), "deflate") == j)
        #expect(try decode(Compress.deflate(j, windowBits: -15), "deflate") == j)
    }

    /// A frame may name the window its decoder must allocate: veil grants 16 MiB, not the
    /// 128 MiB per request a crafted frame could otherwise take.
    @Test func aZstdWindowOver16MiBIsRefused() throws {
        let j = RequestCodingTests.json
        #expect(try decode(Compress.zstd(j, windowLog: 24), "zstd") == j)
        #expect(throws: RequestCoding.Failure.corrupt("zstd")) { try decode(Compress.zstd(j, windowLog: 27), "zstd") }
    }

    @Test func codingsVeilCannotReadAreRefused() {
        #expect(throws: RequestCoding.Failure.unsupported("br")) { try decode([1, 2, 3], "br") }
        #expect(throws: RequestCoding.Failure.unsupported("compress")) { try decode(Compress.gzip([1]), "compress, gzip") }
    }

    /// Only the chunked layer of `gzip, chunked` would be undone before the scan.
    @Test func transferCodingsOtherThanChunkedAreRefused() {
        #expect(throws: RequestCoding.Failure.transfer("gzip")) {
            try RequestCoding.codings(HTTPHeaders([("transfer-encoding", "gzip, chunked")]))
        }
        #expect(RequestCoding.Failure.transfer("gzip").status == .notImplemented)
    }

    /// 8 MiB of zeros compress to a few KiB: decoded, they stop at the cap.
    @Test func decodingStopsAtTheCap() throws {
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        for (body, coding) in [(Compress.gzip(zeros), "gzip"), (Compress.zstd(zeros), "zstd")] {
            #expect(body.count < 64 << 10)
            #expect(throws: RequestCoding.Failure.tooLarge) { try decode(body, coding, limit: 1 << 20) }
            #expect(throws: RequestCoding.Failure.tooLarge) { try decode(body, coding, limit: (8 << 20) - 1) }
            #expect(try decode(body, coding, limit: 8 << 20).count == 8 << 20)
        }
    }

    // Through the inspector.

    @Test func aCanaryInACompressedBodyIsBlocked() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url), canaries: [Canary(label: "host name", value: "zebulon-box")])
        defer { inspector.shutdown() }
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"I am on zebulon-box"}]}"#.utf8)
        for (bytes, coding) in [(Compress.zstd(body), "zstd"), (Compress.gzip(body), "gzip")] {
            let got = try await request(inspector.port, "/v1/messages", bytes: bytes,
                                        headers: [("content-type", "application/json"), ("content-encoding", coding)])
            #expect(got.status == 400)
            #expect(got.body.contains("host name"), "\(got.body)")
        }
        #expect(up.seen.count == 0)
    }

    @Test func aCleanCompressedBodyIsForwardedAsSentAndRecordedDecoded() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let record = tempPath("coding.jsonl")
        defer { unlink(record) }
        let inspector = try startInspector(.url(up.url), record: record)
        defer { inspector.shutdown() }
        let sent = Compress.zstd(Array(anthropicBody.utf8))
        let got = try await request(inspector.port, "/v1/messages", bytes: sent,
                                    headers: [("content-type", "application/json"), ("content-encoding", "zstd")])
        #expect(got.status == 200)
        let seen = try #require(up.seen.first)
        #expect(seen.body == sent)
        #expect(seen.head.headers.first(name: "content-encoding") == "zstd")
        let line = parse(try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .newlines))
        #expect(line["requestBody"] as? String == anthropicBody)
    }

    @Test func whatCannotBeReadIsRefusedInTheAPIFormat() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url), maxBody: 1 << 20)
        defer { inspector.shutdown() }
        let cases: [([UInt8], String, Int)] = [
            ([0x1B, 0x2F, 0x00], "br", 415),
            (Array(anthropicBody.utf8), "zstd", 400),
            (Compress.gzip([UInt8](repeating: 0x20, count: 4 << 20)), "gzip", 413),
        ]
        for (bytes, coding, status) in cases {
            let got = try await request(inspector.port, "/v1/messages", bytes: bytes,
                                        headers: [("content-type", "application/json"), ("content-encoding", coding)])
            #expect(got.status == status, "\(coding)")
            #expect((got.json["error"] as? [String: Any])?["message"] is String, "\(got.body)")
        }
        // A transfer coding under chunked: the body would be forwarded still compressed.
        let raw = try RawClient(port: inspector.port)
        defer { raw.close() }
        raw.send("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            + "transfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(await raw.read(until: "is not supported").hasPrefix("HTTP/1.1 501"))
        #expect(up.seen.count == 0)
        #expect(inspector.summary().rejected == 4)
    }
}
