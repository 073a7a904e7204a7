import CCompression
import NIOCore
import NIOWebSocket

/// The agent's frames, put together into whole messages so each is inspected before any of
/// its frames leaves: a message's frames wait until its last one. Control frames (ping, pong,
/// close) may come between them and pass at once. Pure but for the inflater's state.
struct WebSocketMessages {
    enum Action {
        /// A control frame, to pass on now.
        case control(WebSocketFrame)
        /// More frames are needed.
        case wait
        /// A whole message: its frames as they came, and its payload as the scanner reads it
        /// (inflated when the sender compressed it).
        case message(frames: [WebSocketFrame], payload: ByteBuffer, text: Bool)
        /// Refused: the close code and why (too large, not inflatable, out of order).
        case refuse(WebSocketErrorCode, String)
    }

    /// What a held frame takes besides its payload: its struct, its buffer's storage, its slot.
    static let heldFrameCost = 128

    let limit: Int
    /// permessage-deflate was agreed: a message whose first frame has RSV1 is compressed.
    let deflate: Bool
    private var frames: [WebSocketFrame] = []
    private var size = 0
    private var inflater: MessageInflater?

    init(limit: Int, deflate: Bool) {
        self.limit = limit
        self.deflate = deflate
    }

    /// No message is half read.
    var betweenMessages: Bool { frames.isEmpty }

    mutating func add(_ frame: WebSocketFrame) -> Action {
        // The reserved bits are forwarded as sent, so an upstream would read any meaning given
        // to them (per-frame compression, say) in bytes the scan read as plain: only
        // permessage-deflate's RSV1, on a message's first frame, is taken.
        if frame.rsv2 || frame.rsv3 { return .refuse(.protocolError, "a frame with RSV2 or RSV3 set") }
        switch frame.opcode {
        case .ping, .pong, .connectionClose:
            guard !frame.rsv1 else { return .refuse(.protocolError, "a control frame with RSV1 set") }
            return .control(frame)
        case .text, .binary:
            guard frames.isEmpty else { return .refuse(.protocolError, "a new message before the last one ended") }
        case .continuation:
            guard !frames.isEmpty else { return .refuse(.protocolError, "a continuation with no message") }
            guard !frame.rsv1 else { return .refuse(.protocolError, "a continuation frame with RSV1 set") }
        default:
            return .refuse(.protocolError, "unknown opcode")
        }
        // A frame held until its message ends costs more than its bytes (two on the wire for
        // an empty one): counted at `heldFrameCost` more, a flood of empty fragments meets the
        // limit as a flood of bytes would (8 MiB of them held 430 MB).
        size += frame.length + (frame.fin ? 0 : Self.heldFrameCost)
        guard size <= limit else { return .refuse(.messageTooLarge, "message larger than the inspector's limit of \(limit) bytes") }
        frames.append(frame)
        guard frame.fin else { return .wait }
        let all = frames
        frames = []
        size = 0
        var payload = ByteBuffer()
        payload.reserveCapacity(all.reduce(0) { $0 + $1.length })
        for f in all {
            var data = f.unmaskedData
            payload.writeBuffer(&data)
        }
        let text = all[0].opcode == .text
        if all[0].rsv1 {
            guard deflate else { return .refuse(.protocolError, "a compressed frame without permessage-deflate") }
            if inflater == nil { inflater = MessageInflater() }
            guard let inflated = inflater?.inflate(payload, limit: limit) else {
                return .refuse(.dataInconsistentWithMessage, "a compressed message veil cannot read")
            }
            payload = inflated
        }
        return .message(frames: all, payload: payload, text: text)
    }
}

/// permessage-deflate (RFC 7692) undone for the scan: one raw-deflate stream for the whole
/// connection, so messages that use the window of earlier ones (context takeover) read too.
/// A message that ends its stream (a final block) leaves the next one to a fresh stream, as an
/// upstream that agreed `client_no_context_takeover` reads it: an ended stream reads every
/// later message as empty, and the scan saw nothing of them. Bytes after a stream's end,
/// which no reader inflates, refuse the message rather than go on unread.
final class MessageInflater {
    private var stream = z_stream()
    private let ready: Bool

    init() {
        ready = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }

    deinit { if ready { inflateEnd(&stream) } }

    /// The message's payload with the empty block's tail the sender took off put back; nil
    /// when it is corrupt or inflates past `limit`.
    func inflate(_ payload: ByteBuffer, limit: Int) -> ByteBuffer? {
        guard ready else { return nil }
        var input = Array(payload.readableBytesView)
        input += [0x00, 0x00, 0xFF, 0xFF]
        var out = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        return input.withUnsafeMutableBufferPointer { inBuf -> ByteBuffer? in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            repeat {
                let produced: Int32 = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    return CCompression.inflate(&stream, Z_SYNC_FLUSH)
                }
                guard produced == Z_OK || produced == Z_BUF_ERROR || produced == Z_STREAM_END else { return nil }
                let n = chunk.count - Int(stream.avail_out)
                out.writeBytes(chunk[..<n])
                guard out.readableBytes <= limit else { return nil }
                if produced == Z_STREAM_END {
                    // Only what veil appended (the empty block's tail) may be left.
                    guard stream.avail_in <= 4, inflateReset(&stream) == Z_OK else { return nil }
                    break
                }
                if n == 0 { break }
            } while stream.avail_in > 0 || stream.avail_out == 0
            return out
        }
    }
}
