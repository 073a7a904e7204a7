import NIOCore
import NIOHTTP1
import VeilScan

/// Everything an agent connection knows about where it is, and every transition, without the
/// channel: ProxyHandler feeds it what happened and performs the `Action` it returns (AHC's
/// HTTP1ConnectionStateMachine is the model). Requests are answered one at a time, in order:
/// parts of a pipelined request wait in `pipelined` until the response before them has ended.
///
/// A value type mutated in place inside the handler; the exchange it holds is a class, so no
/// transition copies a body.
struct AgentConnectionStateMachine {
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
        /// This handler's part is over: the tunnel's (or the WebSocket's) handlers took the
        /// connection.
        case tunnelled
        case closed
    }

    /// Why a request is answered by veil with an error before any exchange exists.
    enum Refusal: Equatable {
        /// CONNECT inside a CONNECT tunnel: 400.
        case connectInTunnel
        /// CONNECT to a target the profile does not allow, or that veil cannot read (ConnectTunnel).
        case connectDenied(HTTPResponseStatus, String)
        /// The body is larger than `max_body_bytes`: 413, the rest is read and dropped.
        case tooLarge
        /// The inspector holds all the request bytes it may (`max_buffered_bytes`): 503.
        case overloaded
        /// The request did not arrive whole within `request_timeout_seconds`: 408.
        case timedOut
        /// Not HTTP (the parser's error): 400.
        case malformed(String)

        /// After these the connection closes at once; after the others it reads on (and
        /// drops) to the request's end, so the agent reads the answer and not a reset.
        var closesAtOnce: Bool { self != .tooLarge && self != .overloaded }
    }

    enum Action {
        /// Nothing to do: a part queued behind a response, dropped, or a late event.
        case none
        /// A head on an idle connection, not CONNECT: build its exchange and call `began`.
        case begin(HTTPRequestHead)
        /// CONNECT outside a tunnel: judge it (ConnectTunnel.accept) and call
        /// `connectAccepted` or `connectRefused`.
        case judgeConnect(HTTPRequestHead)
        /// The agent asked for 100 Continue before it sends the body.
        case sendContinue(HTTPVersion)
        /// A body part within the cap: reserve it from the shared budget (`budgetExhausted`
        /// when that fails) and add it to the exchange's body.
        case collect(Exchange, ByteBuffer)
        /// The request is whole: route, inspect, answer.
        case process(Exchange)
        /// Answer with veil's error; the head is the request's when one was read.
        case refuse(Refusal, HTTPRequestHead?, APIKind)
        /// The CONNECT request ended: hand the connection to the tunnel.
        case terminateTunnel(TunnelOrigin)
        /// Close the connection, stopping the upstream call in flight if there is one.
        case close(cancel: UpstreamTask?)
        /// The upstream said nothing for the read timeout: the call ends with a 504.
        case upstreamSilent(UpstreamTask)
    }

    private(set) var state = State.idle
    /// Requests inside a CONNECT tunnel may not CONNECT again.
    let inTunnel: Bool
    let maxBodyBytes: Int
    /// Parts of requests that arrived while an earlier one was being answered (HTTP/1.1
    /// pipelining), in order. Reading pauses only while some wait: a connection that does
    /// not pipeline never toggles its read interest (NIO's HTTPServerPipelineHandler paused
    /// reading around every request, two epoll_ctl calls each).
    private var pipelined = CircularBuffer<HTTPServerRequestPart>()
    /// Body bytes among them.
    private var pipelinedBytes = 0
    private var readHeld = false
    /// Set while the waiting parts are being handed out: a waiting request answered at once
    /// ends its response inside that loop, and must not start a second one.
    private var resuming = false
    /// Request parts seen in the current read: a read that gave none began a head.
    private var partsThisRead = false

    init(inTunnel: Bool, maxBodyBytes: Int) {
        self.inTunnel = inTunnel
        self.maxBodyBytes = maxBodyBytes
    }

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    private var isResponding: Bool {
        if case .responding = state { return true }
        return false
    }

    /// The response being written is `ex`'s: a late callback from an abandoned upstream call
    /// must not write into the next exchange.
    func isCurrent(_ ex: Exchange) -> Bool {
        if case .responding(let current, _) = state { return current === ex }
        return false
    }

    // MARK: reading the agent

    /// A request part from the agent: handled now, or queued behind the response being written.
    /// A new request also waits while the agent's socket holds more than it reads
    /// (`agentWritable` false): answers veil makes at once (the stub's, refusals) would pile
    /// up in memory for an agent that sends and never reads (1.1 GB from 17 MB of requests).
    mutating func received(_ part: HTTPServerRequestPart, agentWritable: Bool = true) -> Action {
        partsThisRead = true
        if isResponding || !pipelined.isEmpty || (!agentWritable && isIdle) {
            if case .body(let b) = part { pipelinedBytes += b.readableBytes }
            // Reads pause once parts wait, but one read event decodes many: 4 MiB of
            // `GET / HTTP/1.1` is 200,000 heads, 7 MB held per connection, uncounted. No client
            // pipelines more than a few small requests; past the bounds the connection closes.
            guard pipelined.count < Self.mostPipelinedParts, pipelinedBytes <= Self.mostPipelinedBytes else {
                pipelined.removeAll()
                return close()
            }
            pipelined.append(part)
            return .none
        }
        return handle(part)
    }

    static let mostPipelinedParts = 64
    static let mostPipelinedBytes = 1 << 20

    /// The read batch ended; true when it held no request part (bytes of a head that has not
    /// ended yet) while idle: a request has begun and its deadline applies.
    mutating func readComplete() -> Bool {
        defer { partsThisRead = false }
        return !partsThisRead && isIdle
    }

    /// The channel wants to read: false holds the read until the waiting parts are handled.
    mutating func readRequested() -> Bool {
        if pipelined.isEmpty { return true }
        readHeld = true
        return false
    }

    private mutating func handle(_ part: HTTPServerRequestPart) -> Action {
        switch (part, state) {
        case (.head(let head), .idle):
            guard head.method == .CONNECT else { return .begin(head) }
            guard !inTunnel else {
                state = .closed
                return .refuse(.connectInTunnel, head, .unknown)
            }
            return .judgeConnect(head)
        case (.body(let chunk), .collecting(let ex)):
            guard ex.body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                state = .discarding
                return .refuse(.tooLarge, ex.head, ex.api)
            }
            return .collect(ex, chunk)
        case (.end, .collecting(let ex)):
            return .process(ex)
        case (.body, .discarding):
            return .none
        case (.end, .discarding):
            return close()
        case (.end, .connecting(let origin)):
            state = .tunnelled
            return .terminateTunnel(origin)
        case (.body, .connecting), (_, .closed), (_, .tunnelled):
            return .none
        default:
            // A request part where none belongs: the connection is not in a state we understand.
            return close()
        }
    }

    // MARK: the request's way through

    /// The exchange for the head `begin` asked for. A declared length over the cap is refused
    /// before any body byte is read.
    mutating func began(_ ex: Exchange) -> Action {
        guard case .idle = state else { return .none }
        if ex.declaredLength > maxBodyBytes {
            state = .discarding
            return .refuse(.tooLarge, ex.head, ex.api)
        }
        state = .collecting(ex)
        // curl and some SDKs wait (about a second) for 100 Continue before sending a large body.
        if ex.head.headers.first(name: "expect")?.lowercased() == "100-continue" { return .sendContinue(ex.head.version) }
        return .none
    }

    mutating func connectAccepted(_ origin: TunnelOrigin) {
        if case .idle = state { state = .connecting(origin) }
    }

    /// ConnectTunnel refused the CONNECT: the refusal, then the close.
    mutating func connectRefused(_ status: HTTPResponseStatus, _ message: String, head: HTTPRequestHead) -> Action {
        state = .closed
        return .refuse(.connectDenied(status, message), head, .unknown)
    }

    /// The shared bound on buffered request bytes refused this body's next part.
    mutating func budgetExhausted() -> Action {
        guard case .collecting(let ex) = state else { return .none }
        state = .discarding
        return .refuse(.overloaded, ex.head, ex.api)
    }

    /// veil answers `ex` now (an error, a stub, a WebSocket upgrade, or an upstream call
    /// about to start): from here on its parts are written to the agent.
    mutating func responding(_ ex: Exchange) {
        state = .responding(ex, nil)
    }

    /// The upstream call carrying `ex`, unless the exchange already ended (a call can fail
    /// or be answered before `start` returns).
    mutating func upstreamStarted(_ ex: Exchange, _ call: UpstreamTask) {
        if case .responding(let current, nil) = state, current === ex { state = .responding(ex, call) }
    }

    /// The pipeline no longer carries HTTP for this handler (tunnel, WebSocket).
    mutating func leftHTTP() {
        state = .tunnelled
    }

    // MARK: the response's end

    /// `ex`'s response ended; true when it was the current one. The connection is idle again
    /// (its requests that waited go on, `nextPipelined`) or closed when the request asked so.
    mutating func responseEnded(_ ex: Exchange) -> Bool {
        guard isCurrent(ex) else { return false }
        state = ex.head.isKeepAlive ? .idle : .closed
        return true
    }

    /// The requests that waited go on, in order, until one is answered asynchronously; nil
    /// when none can go on now. `resumeReading` is set when the last waiting part went out
    /// and a read was held meanwhile. Call until nil; a call made inside that loop (a waiting
    /// request answered at once) returns nil at once.
    mutating func nextPipelined(resumeReading: inout Bool) -> Action? {
        guard !resuming else { return nil }
        if !isResponding, let part = pipelined.popFirst() {
            if case .body(let b) = part { pipelinedBytes -= b.readableBytes }
            resuming = true
            return handle(part)
        }
        if pipelined.isEmpty, readHeld {
            readHeld = false
            resumeReading = true
        }
        return nil
    }

    /// The action `nextPipelined` returned was performed.
    mutating func pipelinedHandled() {
        resuming = false
    }

    // MARK: failures and the end of the connection

    /// Close now, stopping any upstream call in flight.
    mutating func close() -> Action {
        var call: UpstreamTask?
        if case .responding(_, let c?) = state { call = c }
        state = .closed
        return .close(cancel: call)
    }

    /// The agent went away: the upstream call in flight, if any, is to be cancelled.
    mutating func channelInactive() -> UpstreamTask? {
        var call: UpstreamTask?
        if case .responding(_, let c?) = state { call = c }
        state = .closed
        return call
    }

    /// The call to tell that the agent's socket drained (or filled).
    var upstreamCall: UpstreamTask? {
        if case .responding(_, let call?) = state { return call }
        return nil
    }

    /// An error in the pipeline. A request that is not HTTP gets 400 before the close,
    /// unless a response is already under way (its status is sent; closing is the only
    /// signal left).
    mutating func errorCaught(_ error: Error) -> Action {
        switch state {
        case .idle, .collecting:
            if error is HTTPParserError {
                state = .closed
                return .refuse(.malformed("veil: malformed HTTP request (\(error))"), nil, .unknown)
            }
        default:
            break
        }
        return close()
    }

    /// The connection's deadline passed (ConnectionDeadline): an idle one closes, a request
    /// that did not arrive whole gets 408 and then closes, a silent upstream fails its call.
    mutating func deadlinePassed(_ kind: ConnectionDeadline.Kind) -> Action {
        switch (kind, state) {
        case (.upstream, .responding(_, let call?)):
            return .upstreamSilent(call)
        case (.idle, .idle):
            return close()
        case (.request, .idle):
            state = .closed
            return .refuse(.timedOut, nil, .unknown)
        case (.request, .collecting(let ex)):
            state = .closed
            return .refuse(.timedOut, ex.head, ex.api)
        default:
            return .none
        }
    }
}
