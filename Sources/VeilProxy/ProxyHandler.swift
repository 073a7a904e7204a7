import NIOCore
import NIOHTTP1
import VeilProfile
import VeilScan

/// One agent connection. It only moves bytes and performs what its state machine
/// (AgentConnectionStateMachine) returns; judging is the scanner's and `decide`'s job.
final class ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    /// Outbound, only `read` is intercepted (backpressure on pipelined requests).
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let core: SharedResources
    /// Set for the requests inside a CONNECT tunnel: where they go unless the run routes
    /// everything to its `--upstream`.
    let tunnel: TunnelOrigin?
    var machine: AgentConnectionStateMachine
    var context: ChannelHandlerContext?
    /// What the connection waits for (ConnectionDeadline) and its one timer.
    var deadline: ConnectionDeadline?
    var deadlineTimer: Scheduled<Void>?
    var deadlineTimerAt: NIODeadline?
    /// The upstream's silence while veil answers, whichever client carries the request; timed
    /// by the deadline's timer (`ConnectionDeadline.Kind.upstream`).
    var silence: SilenceClock
    /// Body bytes this connection holds of the inspector's shared bound (BufferBudget).
    var held = 0

    init(core: SharedResources, tunnel: TunnelOrigin? = nil) {
        self.core = core
        self.tunnel = tunnel
        machine = AgentConnectionStateMachine(inTunnel: tunnel != nil, maxBodyBytes: core.config.maxBodyBytes)
        silence = SilenceClock(timeout: .seconds(core.config.readTimeoutSeconds), now: .uptimeNanoseconds(0))
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
        if machine.readComplete(), deadline?.kind == .idle { wait(.request, context: context) }
        context.fireChannelReadComplete()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.received(unwrapInboundIn(data), agentWritable: context.channel.isWritable), context: context)
    }

    func read(context: ChannelHandlerContext) {
        if machine.readRequested() { context.read() }
    }

    /// The response ended and the connection is idle again: the requests that waited go on.
    func resumePipelined(context: ChannelHandlerContext) {
        var resumeReading = false
        while let action = machine.nextPipelined(resumeReading: &resumeReading) {
            perform(action, context: context)
            machine.pipelinedHandled()
        }
        if resumeReading { context.read() }
    }

    func perform(_ action: AgentConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .begin(let head):
            begin(head, context: context)
        case .judgeConnect(let head):
            core.stats.update { $0.requests += 1 }
            switch ConnectTunnel.accept(head, core: core) {
            case .success(let origin):
                machine.connectAccepted(origin)
            case .failure(let refusal):
                let shown = refusal.shownTarget.map { HTTPRequestHead(version: head.version, method: head.method, uri: $0) } ?? head
                perform(machine.connectRefused(refusal.status, refusal.message, head: shown), context: context)
            }
        case .sendContinue(let version):
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .continue))), promise: nil)
        case .collect(let ex, let chunk):
            if hold(ex, adding: chunk.readableBytes) {
                collect(chunk, into: ex, context: context)
            } else {
                perform(machine.budgetExhausted(), context: context)
            }
        case .process(let ex):
            process(ex, context: context)
        case .refuse(let refusal, let head, let api):
            refuse(refusal, head: head, api: api, context: context)
        case .terminateTunnel(let origin):
            cancelDeadline()
            ConnectTunnel.terminate(origin, handler: self, context: context)
        case .close(let call):
            call?.cancel()
            context.close(promise: nil)
        case .upstreamSilent(let call):
            call.silenceExpired()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.channelInactive()?.cancel()
        cancelDeadline()
        releaseHeld()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        machine.upstreamCall?.agentWritabilityChanged()
        // Requests that waited for the agent to read its answers go on.
        if context.channel.isWritable, machine.isIdle { resumePipelined(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        perform(machine.errorCaught(error), context: context)
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        core.stats.update { $0.requests += 1 }
        if deadline?.kind != .request { wait(.request, context: context) }
        let absolute = AbsoluteURI(head.uri)
        let api = RouteTable.api(path: absolute?.pathAndQuery ?? head.uri, headers: head.headers)
        let ex = Exchange(head: head, absolute: absolute, api: api, body: ByteBuffer())
        ex.via = tunnel?.via
        ex.declaredLength = max(head.headers.first(name: "content-length").flatMap(Int.init) ?? 0, 0)
        perform(machine.began(ex), context: context)
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

    /// veil's answer to a request it will not carry, before any exchange exists; it goes into
    /// the record and the report too (`recordRefusal`).
    private func refuse(_ refusal: AgentConnectionStateMachine.Refusal, head: HTTPRequestHead?, api: APIKind,
                        context: ChannelHandlerContext) {
        let status: HTTPResponseStatus, message: String
        switch refusal {
        case .connectInTunnel:
            // Refused by the state machine before `begin` or `judgeConnect` counted it.
            core.stats.update { $0.requests += 1 }
            (status, message) = (.badRequest, "veil: CONNECT inside a tunnel")
        case .connectDenied(let code, let why):
            (status, message) = (code, why)
        case .tooLarge:
            (status, message) = (.payloadTooLarge,
                                 "veil: request body larger than the inspector's limit of \(core.config.maxBodyBytes) bytes")
        case .overloaded:
            // Refused with 503, which SDKs retry, rather than the host running out of memory.
            releaseHeld()
            (status, message) = (.serviceUnavailable, "veil: " + core.buffers.full)
        case .timedOut:
            (status, message) = (.requestTimeout, "veil: the request did not arrive within \(core.config.requestTimeoutSeconds) s")
        case .malformed(let why):
            (status, message) = (.badRequest, why)
        }
        // Bytes that never parsed were not counted as a request, so not as a rejected one.
        if case .malformed = refusal {} else { core.stats.update { $0.rejected += 1 } }
        recordRefusal(head, api: api, status: status, reason: message)
        writeError(api: api, status: status, message: message, context: context)
        if refusal.closesAtOnce { perform(machine.close(), context: context) }
    }

    /// A compressed or encoded body is decoded for the scanner (`ex.decoded`, BodyView), and
    /// the view held as the body is; one veil cannot read is answered here (415, 400, 413 or
    /// 501), one the shared bound has no room for 503, and false returned.
    private func undoContentEncoding(_ ex: Exchange, context: ChannelHandlerContext) -> Bool {
        let refusal: (HTTPResponseStatus, String)
        do {
            ex.decoded = try BodyView.decoded(ex.body, headers: ex.head.headers, limit: core.config.maxBodyBytes)
            guard let view = ex.decoded, !holdView(view.readableBytes) else { return true }
            ex.decoded = nil
            refusal = (.serviceUnavailable, "veil: " + core.buffers.full)
        } catch {
            refusal = (error.status, error.message(limit: core.config.maxBodyBytes))
        }
        core.stats.update { $0.rejected += 1 }
        core.stats.refused(ex.requestLine, status: Int(refusal.0.code), reason: core.neutral.apply(refusal.1))
        ex.decision = .reject
        finishWithError(ex, status: refusal.0, message: refusal.1, context: context)
        return false
    }

    /// The request is complete: inspect, decide, then answer or forward.
    private func process(_ ex: Exchange, context: ChannelHandlerContext) {
        stopWaiting()
        // The API was detected once, in `begin`.
        let routesOnly = core.config.routesOnly
        let target = tunnel.map { core.routes.target(inTunnelTo: $0, uri: ex.head.uri, absolute: ex.absolute, api: ex.api,
                                                     routesOnly: routesOnly) }
            ?? core.routes.target(uri: ex.head.uri, absolute: ex.absolute, api: ex.api, routesOnly: routesOnly)
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
            core.blockNotice(BlockNotice.line(method: ex.head.method.rawValue, target: ex.pathAndQuery,
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
            machine.responding(ex)
            let reply = core.stub.respond(method: ex.head.method, uri: ex.head.uri, headers: ex.head.headers, body: ex.inspected)
            sendStub(reply, ex: ex, context: context)
        case .url(let url):
            machine.responding(ex)
            machine.upstreamStarted(ex, UpstreamRequest.start(ex, url: url, handler: self, context: context))
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
        perform(machine.close(), context: context)
    }
}
