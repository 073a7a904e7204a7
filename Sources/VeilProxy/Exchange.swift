import NIOCore
import NIOHTTP1
import VeilProfile
import VeilScan

/// One request/response pair as it moves through a connection. A class because the
/// connection's state enum, the upstream delegate and the recorder all refer to the same one.
final class Exchange {
    let head: HTTPRequestHead
    /// The request target when in absolute form (a proxy request), parsed once.
    let absolute: AbsoluteURI?
    /// Path and query, whichever form the target came in.
    var pathAndQuery: String { absolute?.pathAndQuery ?? head.uri }
    /// The path without its query (keys travel there), for the report's refusals.
    var path: Substring { pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
    /// `POST /v1/messages`.
    var requestLine: String { head.method.rawValue + " " + path }
    let api: APIKind
    let started: NIODeadline
    /// The body as the agent sent it, and as it is forwarded.
    var body: ByteBuffer
    /// The body as the scanner reads it, when that differs from what was sent: its
    /// content-encoding undone, a form's fields or UTF-16/32 text decoded (BodyView).
    var decoded: ByteBuffer?
    /// What the upstream will read: what is scanned and recorded.
    var inspected: ByteBuffer { decoded ?? body }
    /// The request's content-length (0 if none or chunked); never above the body cap.
    var declaredLength = 0
    var upstream = ""
    /// How the agent addressed it when not as plain HTTP to the inspector (`TunnelOrigin.via`).
    var via: String?
    var findings: [Finding] = []
    var decision = ExchangeDecision.forward
    var blockReason: String?
    var status = 0
    var error: String?
    /// A copy of the response body for the record, up to the configured cap.
    var responseCapture: ByteBuffer?
    var responseTruncated = false
    var responseHeadSent = false

    init(head: HTTPRequestHead, absolute: AbsoluteURI?, api: APIKind, body: ByteBuffer) {
        self.head = head
        self.absolute = absolute
        self.api = api
        self.body = body
        self.started = .now()
    }

    func capture(_ chunk: ByteBuffer, limit: Int) {
        guard var c = responseCapture else { return }
        let room = limit - c.readableBytes
        if room <= 0 { responseTruncated = true; return }
        if chunk.readableBytes > room { responseTruncated = true }
        c.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes))!)
        responseCapture = c
    }
}
