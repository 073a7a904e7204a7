import NIOCore
import NIOHTTP1
import VeilProfile
import VeilScan

/// One agent connection. It only moves bytes and follows the state machine; judging is the
/// scanner's and `decide`'s job. Requests are answered one at a time, in order: parts of a
/// pipelined request wait in `pipelined` until the response before them has ended.
final class ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    /// Outbound, only `read` is intercepted (backpressure on pipelined requests).
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        case idle
        /// Reading the request body, up to the cap.
        case collecting(Exchange)
        /// The body went over the cap; 413 is sent, the rest is read and dropped, then close.
        case discarding
        /// Inspected; the response (upstream, stub or error) is being written.
        case responding(Exchange, UpstreamTask?)
        /// CONNECT accepted: at the request's end the pipeline becomes the tunnel's (TLS
        /// terminated with the run CA, then HTTP again, in a handler bound to `TunnelOrigin`).
        case connecting(TunnelOrigin)
        /// This handler's part is over: the tunnel's own handlers took the connection.
        case tunnelled
        case closed
    }

    let core: InspectorCore
    /// Set for the requests inside a CONNECT tunnel: where they go unless the run routes
    /// everything to its `--upstream`.
    let tunnel: TunnelOrigin?
    var state = State.idle
    var context: ChannelHandlerContext?
    /// Parts of requests that arrived while an earlier one was being answered (HTTP/1.1
    /// pipelining), in order. Reading pauses only while some wait: a connection that does
    /// not pipeline never toggles its read interest (NIO's HTTPServerPipelineHandler paused
    /// reading around every request, two epoll_ctl calls each).
    private var pipelined = CircularBuffer<HTTPServerRequestPart>()
    private var readHeld = false
    private var resuming = false
    /// What the connection waits for (ConnectionDeadline) and its one timer.
    var deadline: ConnectionDeadline?
    var deadlineTimer: Scheduled<Void>?
    var deadlineTimerAt: NIODeadline?
    /// Request parts seen in the current read: a read that gave none began a head.
    private var partsThisRead = false
    /// Body bytes this connection holds of the inspector's shared bound (BufferBudget).
    var held = 0

    init(core: InspectorCore, tunnel: TunnelOrigin? = nil) {
        self.core = core
        self.tunnel = tunnel
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        wait(.idle, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
        releaseHeld()
        self.context = nil
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !partsThisRead, case .idle = state, deadline?.kind == .idle { wait(.request, context: context) }
        partsThisRead = false
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partsThisRead = true
        let part = unwrapInboundIn(data)
        if isResponding || !pipelined.isEmpty {
            pipelined.append(part)
        } else {
            handle(part, context: context)
        }
    }

    private var isResponding: Bool {
        if case .responding = state { return true }
        return false
    }

    func read(context: ChannelHandlerContext) {
        if pipelined.isEmpty { context.read() } else { readHeld = true }
    }

    /// The response ended and the connection is idle again: the requests that waited go on,
    /// in order, until one is answered asynchronously; reading resumes once none wait.
    func resumePipelined(context: ChannelHandlerContext) {
        guard !resuming else { return }  // a waiting request answered at once ends here too
        resuming = true
        defer { resuming = false }
        while !isResponding, let part = pipelined.popFirst() { handle(part, context: context) }
        if pipelined.isEmpty, readHeld {
            readHeld = false
            context.read()
        }
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), .idle):
            begin(head, context: context)
        case (.body(let chunk), .collecting(let ex)):
            if ex.body.readableBytes + chunk.readableBytes > core.config.maxBodyBytes {
                tooLarge(ex.head, api: ex.api, context: context)
            } else if !hold(ex, adding: chunk.readableBytes) {
                overloaded(ex.head, api: ex.api, context: context)
            } else {
                collect(chunk, into: ex, context: context)
            }
        case (.end, .collecting(let ex)):
            process(ex, context: context)
        case (.body, .discarding):
            break
        case (.end, .discarding):
            close(context)
        case (.end, .connecting(let origin)):
            state = .tunnelled
            cancelDeadline()
            ConnectTunnel.terminate(origin, handler: self, context: context)
        case (.body, .connecting), (_, .closed), (_, .tunnelled):
            break
        default:
            // A request part where none belongs: the connection is not in a state we understand.
            close(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .responding(_, let call?) = state { call.cancel() }
        state = .closed
        cancelDeadline()
        releaseHeld()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .responding(_, let call?) = state { call.agentWritabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    /// A request that is not HTTP gets 400 before the close, unless a response is already
    /// under way (its status is sent; closing is the only signal left).
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch state {
        case .idle, .collecting:
            if error is HTTPParserError {
                state = .closed
                let message = "veil: malformed HTTP request (\(error))"
                recordRefusal(nil, api: .unknown, status: .badRequest, reason: message)
                writeError(api: .unknown, status: .badRequest, message: message, close: true, context: context)
            }
        default:
            break
        }
        close(context)
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        core.stats.update { $0.requests += 1 }
        if head.method == .CONNECT {
            guard tunnel == nil else {
                refuseConnect(head, status: .badRequest, message: "veil: CONNECT inside a tunnel", context: context)
                return
            }
            switch ConnectTunnel.accept(head, core: core) {
            case .success(let origin): state = .connecting(origin)
            case .failure(let refusal): refuseConnect(head, status: refusal.status, message: refusal.message, context: context)
            }
            return
        }
        if deadline?.kind != .request { wait(.request, context: context) }
        let absolute = AbsoluteURI(head.uri)
        let api = RouteTable.api(path: absolute?.pathAndQuery ?? head.uri, headers: head.headers)
        let declared = max(head.headers.first(name: "content-length").flatMap(Int.init) ?? 0, 0)
        if declared > core.config.maxBodyBytes {
            tooLarge(head, api: api, context: context)
            return
        }
        // curl and some SDKs wait (about a second) for 100 Continue before sending a large body.
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                                  promise: nil)
        }
        let ex = Exchange(head: head, absolute: absolute, api: api, body: ByteBuffer())
        ex.via = tunnel?.via
        ex.declaredLength = declared
        state = .collecting(ex)
    }

    /// The body is scanned and forwarded as one contiguous buffer. A body that came in one read
    /// is kept as that slice (no copy); otherwise the parts go into one buffer of the declared
    /// size, allocated once.
    private func collect(_ chunk: ByteBuffer, into ex: Exchange, context: ChannelHandlerContext) {
        var chunk = chunk
        if ex.body.readableBytes == 0 {
            if chunk.readableBytes == ex.declaredLength {
                ex.body = chunk
                return
            }
            ex.body = context.channel.allocator.buffer(capacity: max(ex.declaredLength, chunk.readableBytes))
        }
        ex.body.writeBuffer(&chunk)
    }

    private func tooLarge(_ head: HTTPRequestHead, api: APIKind, context: ChannelHandlerContext) {
        core.stats.update { $0.rejected += 1 }
        state = .discarding
        let message = "veil: request body larger than the inspector's limit of \(core.config.maxBodyBytes) bytes"
        recordRefusal(head, api: api, status: .payloadTooLarge, reason: message)
        writeError(api: api, status: .payloadTooLarge, message: message, close: true, context: context)
    }

    /// The inspector holds as many request bytes as it may (max_buffered_bytes): this one is
    /// refused with 503, which SDKs retry, rather than the host running out of memory.
    private func overloaded(_ head: HTTPRequestHead, api: APIKind, context: ChannelHandlerContext) {
        core.stats.update { $0.rejected += 1 }
        releaseHeld()
        state = .discarding
        let message = "veil: the inspector holds its limit of \(core.config.maxBufferedBytes) bytes of requests; retry"
        recordRefusal(head, api: api, status: .serviceUnavailable, reason: message)
        writeError(api: api, status: .serviceUnavailable, message: message, close: true, context: context)
    }

    /// The request did not arrive whole within request_timeout_seconds.
    func requestTimedOut(context: ChannelHandlerContext) {
        var head: HTTPRequestHead?, api = APIKind.unknown
        if case .collecting(let ex) = state { (head, api) = (ex.head, ex.api) }
        core.stats.update { $0.rejected += 1 }
        state = .closed
        let message = "veil: the request did not arrive within \(core.config.requestTimeoutSeconds) s"
        recordRefusal(head, api: api, status: .requestTimeout, reason: message)
        writeError(api: api, status: .requestTimeout, message: message, close: true, context: context)
        close(context)
    }

    /// A compressed or encoded body is decoded for the scanner (`ex.decoded`, BodyView); one
    /// veil cannot read is answered here (415, 400, 413 or 501) and false returned.
    private func undoContentEncoding(_ ex: Exchange, context: ChannelHandlerContext) -> Bool {
        do {
            ex.decoded = try BodyView.decoded(ex.body, headers: ex.head.headers, limit: core.config.maxBodyBytes)
            return true
        } catch {
            core.stats.update { $0.rejected += 1 }
            core.stats.refused(ex.requestLine, status: Int(error.status.code),
                               reason: core.neutral.apply(error.message(limit: core.config.maxBodyBytes)))
            ex.decision = .reject
            finishWithError(ex, status: error.status, message: error.message(limit: core.config.maxBodyBytes),
                            context: context)
            return false
        }
    }

    /// The request is complete: inspect, decide, then answer or forward.
    private func process(_ ex: Exchange, context: ChannelHandlerContext) {
        stopWaiting()
        // The API was detected once, in `begin`.
        let target = tunnel.map { core.routes.target(inTunnelTo: $0, uri: ex.head.uri, absolute: ex.absolute, api: ex.api,
                                                     followRoutes: core.config.tunnelsFollowRoutes) }
            ?? core.routes.target(uri: ex.head.uri, absolute: ex.absolute, api: ex.api)
        if case .denied(let why) = target {
            core.stats.update { $0.rejected += 1 }
            core.stats.refused(ex.requestLine, status: 403, reason: core.neutral.apply("veil: \(why)"))
            ex.decision = .reject
            finishWithError(ex, status: .forbidden, message: "veil: \(why)", context: context)
            return
        }
        guard undoContentEncoding(ex, context: context) else { return }
        let decision = core.inspect(ex)
        core.stats.record(findings: ex.findings, method: ex.head.method.rawValue, target: ex.pathAndQuery,
                          config: core.config)
        if case .block(let reason) = decision {
            core.stats.update { $0.blocked += 1 }
            ex.decision = .block
            ex.blockReason = reason
            let blocking = blockingFindings(ex.findings)
            let message = APIError.blockMessage(ex.findings, blocking: blocking, canaries: core.config.canaries)
            core.stats.refused(ex.head.method.rawValue + " " + BlockNotice.shownTarget(ex.pathAndQuery, findings: ex.findings,
                                                                                        canaries: core.config.canaries),
                               status: 400, reason: "blocked: " + (blocking.first ?? ex.findings.first).map(BlockNotice.describe)!)
            core.config.onBlock?(BlockNotice.line(method: ex.head.method.rawValue, target: ex.pathAndQuery,
                                                  findings: ex.findings, blocking: blocking,
                                                  canaries: core.config.canaries, recordPath: core.config.recordPath))
            finishWithError(ex, status: .badRequest, message: message, context: context)
            return
        }
        core.stats.update { $0.forwarded += 1 }
        if WebSocketUpgrade.isRequested(ex.head) {
            WebSocketRelay.start(ex, target: target, handler: self, context: context)
            return
        }
        if core.recorder != nil { ex.responseCapture = context.channel.allocator.buffer(capacity: 0) }
        switch target {
        case .stub:
            ex.upstream = "stub"
            state = .responding(ex, nil)
            let reply = core.stub.respond(method: ex.head.method, uri: ex.head.uri, headers: ex.head.headers, body: ex.inspected)
            sendStub(reply, ex: ex, context: context)
        case .url(let url):
            state = .responding(ex, nil)
            let call = UpstreamRequest.start(ex, url: url, handler: self, context: context)
            if case .responding(let current, nil) = state, current === ex { state = .responding(ex, call) }
        case .denied:
            break
        }
    }

    /// The findings whose class is in block mode, so the message leads with what blocked.
    private func blockingFindings(_ findings: [Finding]) -> [Finding] {
        findings.filter { mode(of: $0, modes: core.config.modes, rules: core.config.rules) == .block }
    }

    private func sendStub(_ reply: StubReply, ex: Exchange, context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: ex.head.version, status: HTTPResponseStatus(statusCode: reply.status))
        head.headers.add(name: "content-type", value: reply.contentType)
        if !reply.streaming { head.headers.add(name: "content-length", value: String(reply.parts.reduce(0) { $0 + $1.utf8.count })) }
        responseHead(head, ex: ex, context: context)
        for part in reply.parts {
            let buf = context.channel.allocator.buffer(string: part)
            responseBodyPart(buf, ex: ex, context: context)
        }
        responseEnd(ex, context: context)
    }

    func close(_ context: ChannelHandlerContext) {
        if case .responding(_, let call?) = state { call.cancel() }
        state = .closed
        context.close(promise: nil)
    }
}
