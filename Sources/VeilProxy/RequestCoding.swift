import CCompression
import NIOCore
import NIOHTTP1

/// A request body sent with a `content-encoding` (Codex CLI compresses its large requests
/// with zstd): the upstream reads the decoded bytes, so the scanner must read them too, or a
/// compressed body would pass unread. The body is still forwarded as the agent sent it.
/// veil reads gzip, deflate and zstd; any other coding is refused, never passed unread.
enum RequestCoding {
    enum Failure: Error, Equatable {
        /// A coding veil cannot read: 415.
        case unsupported(String)
        /// Not valid data of its coding, or cut short: 400.
        case corrupt(String)
        /// Valid in two readings of its coding (deflate as zlib and as raw): 400.
        case ambiguous(String)
        /// Decoded, larger than the body cap: 413.
        case tooLarge
        /// A transfer coding other than chunked (`gzip, chunked`): 501, as RFC 9112 asks. Only
        /// the chunked layer would be undone, and the body forwarded still compressed.
        case transfer(String)
        /// A body whose bytes encode text veil does not read (a charset, a multipart part's
        /// transfer encoding): 415 (BodyView).
        case unreadable(String)
        /// Not valid text of the encoding it declares or shows (UTF-16 with a lone surrogate): 400.
        case badText(String)

        var status: HTTPResponseStatus {
            switch self {
            case .unsupported, .unreadable: return .unsupportedMediaType
            case .corrupt, .ambiguous, .badText: return .badRequest
            case .tooLarge: return .payloadTooLarge
            case .transfer: return .notImplemented
            }
        }

        func message(limit: Int) -> String {
            switch self {
            case .unsupported(let coding):
                return "veil: a request body in content-encoding \(coding) cannot be inspected (veil reads gzip, deflate and zstd)"
            case .corrupt(let coding):
                return "veil: the request body is not valid \(coding) data, as its content-encoding says"
            case .ambiguous(let coding):
                return "veil: the request body reads two ways as \(coding) (a zlib stream and a raw one), and the upstream might read the one veil did not"
            case .tooLarge:
                return "veil: request body, decoded, larger than the inspector's limit of \(limit) bytes"
            case .transfer(let coding):
                return "veil: transfer-encoding \(coding) is not supported (send the body plain, chunked, or with a content-encoding)"
            case .unreadable(let what):
                return "veil: a request body in \(what) cannot be inspected (veil reads UTF-8, UTF-16 and UTF-32 text, forms, and multipart parts sent as they are)"
            case .badText(let what):
                return "veil: the request body is not valid \(what)"
            }
        }
    }

    /// The codings applied to the body, in the order they were applied; `identity` left out.
    /// Throws for a transfer coding other than chunked.
    static func codings(_ headers: HTTPHeaders) throws(Failure) -> [String] {
        if let other = headers[canonicalForm: "transfer-encoding"].map({ $0.lowercased() })
            .first(where: { $0 != "chunked" && $0 != "identity" }) {
            throw .transfer(other)
        }
        return headers[canonicalForm: "content-encoding"].map { $0.lowercased() }.filter { $0 != "identity" && !$0.isEmpty }
    }

    /// The body as the upstream will read it: the codings undone, last applied first.
    static func decode(_ body: ByteBuffer, codings: [String], limit: Int) throws(Failure) -> ByteBuffer {
        var data = body
        for coding in codings.reversed() {
            switch coding {
            case "gzip", "x-gzip":
                data = try inflate(data, raw: false, limit: limit, coding: coding)
            case "deflate":
                // HTTP's deflate is zlib-wrapped; some clients send the raw stream instead, and
                // some servers read it so. Bytes that are both (crafted: a zlib stream whose
                // first bytes also begin a raw one that ends) would be scanned in one reading
                // and could be read in the other: refused.
                do throws(Failure) {
                    let zlib = try inflate(data, raw: false, limit: limit, coding: coding)
                    if rawStreamEnds(data, limit: limit) { throw .ambiguous(coding) }
                    data = zlib
                } catch .corrupt {
                    data = try inflate(data, raw: true, limit: limit, coding: coding)
                }
            case "zstd":
                data = try unzstd(data, limit: limit)
            default:
                throw .unsupported(coding)
            }
        }
        return data
    }

    /// gzip (members one after another, as gzip allows) or zlib, or with `raw` a bare deflate stream.
    private static func inflate(_ input: ByteBuffer, raw: Bool, limit: Int, coding: String) throws(Failure) -> ByteBuffer {
        var stream = z_stream()
        // 15 + 32: zlib or gzip, told apart by the header; -15: no header.
        guard inflateInit2_(&stream, raw ? -15 : 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt(coding)
        }
        defer { inflateEnd(&stream) }
        return try withInput(input) { (inp) throws(Failure) in
            stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(inp.count)
            return try produce(limit: limit, hint: inp.count * 4) { (out) throws(Failure) in
                stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let rc = CCompression.inflate(&stream, Z_NO_FLUSH)
                let written = out.count - Int(stream.avail_out)
                switch rc {
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return (written, true) }
                    guard !raw, inflateReset(&stream) == Z_OK else { throw .corrupt(coding) }
                    return (written, false)
                case Z_OK, Z_BUF_ERROR:
                    // No input left while there was room to write: the stream was cut short.
                    if stream.avail_in == 0 && stream.avail_out > 0 { throw .corrupt(coding) }
                    return (written, false)
                default:
                    throw .corrupt(coding)
                }
            }
        }
    }

    /// Whether `input` read as a raw deflate stream comes to its end, wherever that is (a
    /// lenient reader stops there and ignores the rest), or inflates past `limit` without
    /// failing. A zlib stream almost never does: its first byte makes a stored block whose
    /// length the next four bytes must give twice, the second time inverted.
    private static func rawStreamEnds(_ input: ByteBuffer, limit: Int) -> Bool {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return true }
        defer { inflateEnd(&stream) }
        var sink = [UInt8](repeating: 0, count: 16 << 10)
        var produced = 0
        return input.withUnsafeReadableBytes { inp in
            stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(inp.count)
            return sink.withUnsafeMutableBufferPointer { out in
                while true {
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let rc = CCompression.inflate(&stream, Z_NO_FLUSH)
                    produced += out.count - Int(stream.avail_out)
                    if rc == Z_STREAM_END || produced > limit { return true }
                    // An error, or the input used up before the end: no raw reading.
                    if rc != Z_OK || (stream.avail_in == 0 && stream.avail_out > 0) { return false }
                }
            }
        }
    }

    /// zstd frames, one after another.
    private static func unzstd(_ input: ByteBuffer, limit: Int) throws(Failure) -> ByteBuffer {
        guard let dctx = ZSTD_createDCtx() else { throw .corrupt("zstd") }
        defer { ZSTD_freeDCtx(dctx) }
        // A frame names its window, which the decoder allocates: 16 MiB at most (zstd's levels
        // up to 19 need 8), not the default 128 MiB per request a crafted frame could ask for.
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 24)
        return try withInput(input) { (inp) throws(Failure) in
            var source = ZSTD_inBuffer(src: inp.baseAddress, size: inp.count, pos: 0)
            return try produce(limit: limit, hint: inp.count * 4) { (out) throws(Failure) in
                var sink = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let rc = ZSTD_decompressStream(dctx, &sink, &source)
                guard ZSTD_isError(rc) == 0 else { throw .corrupt("zstd") }
                let inputDone = source.pos == source.size
                // 0: a frame is complete and flushed.
                if rc == 0 && inputDone { return (sink.pos, true) }
                if inputDone && sink.pos < sink.size { throw .corrupt("zstd") }
                return (sink.pos, false)
            }
        }
    }

    private static func withInput(_ input: ByteBuffer,
                                  _ body: (UnsafeRawBufferPointer) throws(Failure) -> ByteBuffer) throws(Failure) -> ByteBuffer {
        let result: Result<ByteBuffer, Failure> = input.withUnsafeReadableBytes { raw in
            do throws(Failure) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Calls `step` with room to write until it reports the end; the output never grows
    /// past `limit` (a small body can decode to gigabytes).
    private static func produce(limit: Int, hint: Int,
                                _ step: (UnsafeMutableRawBufferPointer) throws(Failure) -> (written: Int, done: Bool))
        throws(Failure) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: max(1, min(limit, max(hint, 16 << 10))))
        while true {
            let room = limit - out.readableBytes
            guard room > 0 else { throw .tooLarge }
            var failure: Failure?
            var done = false
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: min(room, max(out.readableBytes, 16 << 10))) { w in
                do throws(Failure) {
                    let r = try step(UnsafeMutableRawBufferPointer(rebasing: w.prefix(room)))
                    done = r.done
                    return r.written
                } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if done { return out }
        }
    }
}
