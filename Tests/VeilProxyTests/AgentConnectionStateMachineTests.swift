import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import VeilProxy

/// The agent connection's transitions alone: no channel, no inspector.
@Suite("agent connection state machine") struct AgentConnectionStateMachineTests {
    typealias Machine = AgentConnectionStateMachine

    final class Call: UpstreamTask {
        func cancel() {}
        func agentWritabilityChanged() {}
        func silenceExpired() {}
    }

    static func head(_ method: HTTPMethod = .POST, _ uri: String = "/v1/messages",
                     _ headers: [(String, String)] = [], keepAlive: Bool = true) -> HTTPRequestHead {
        var h = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
        if !keepAlive { h.headers.add(name: "connection", value: "close") }
        return h
    }

    static func exchange(_ head: HTTPRequestHead, declared: Int = 0) -> Exchange {
        let ex = Exchange(head: head, absolute: nil, api: .anthropic, body: ByteBuffer())
        ex.declaredLength = declared
        return ex
    }

    static func bytes(_ n: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: n) }

    /// The action as a short word, so a whole sequence reads as one expectation.
    static func name(_ action: Machine.Action?) -> String {
        switch action {
        case nil: "nil"
        case .none?: "none"
        case .begin(let h)?: "begin \(h.method.rawValue) \(h.uri)"
        case .judgeConnect(let h)?: "judgeConnect \(h.uri)"
        case .sendContinue?: "continue"
        case .collect(_, let b)?: "collect \(b.readableBytes)"
        case .process(let ex)?: "process \(ex.head.uri)"
        case .refuse(let r, let h, _)?: "refuse \(String(describing: r).prefix { $0 != "(" }) \(h?.uri ?? "-")"
        case .terminateTunnel(let o)?: "tunnel \(o.host):\(o.port)"
        case .close(let call)?: call == nil ? "close" : "close+cancel"
        case .upstreamSilent?: "upstreamSilent"
        }
    }

    /// A head, `began`, the body and the end of one request, the actions in order.
    static func request(_ m: inout Machine, _ head: HTTPRequestHead, body: Int) -> [String] {
        var out = [name(m.received(.head(head)))]
        let ex = exchange(head, declared: body)
        out.append(name(m.began(ex)))
        if body > 0 { out.append(name(m.received(.body(bytes(body))))) }
        out.append(name(m.received(.end(nil))))
        return out
    }

    /// One request without a body, whose answer has begun: its exchange (nil, and an issue
    /// recorded, when the machine is not collecting it).
    static func answering(_ m: inout Machine, _ head: HTTPRequestHead) -> Exchange? {
        _ = request(&m, head, body: 0)
        guard case .collecting(let ex) = m.state else { Issue.record("not collecting: \(m.state)"); return nil }
        m.responding(ex)
        return ex
    }

    @Test func aRequestGoesThroughAndTheConnectionIsIdleAgain() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.request(&m, Self.head(), body: 10) == ["begin POST /v1/messages", "none", "collect 10", "process /v1/messages"])
        guard case .collecting(let ex) = m.state else { Issue.record("not collecting: \(m.state)"); return }
        m.responding(ex)
        let call = Call()
        m.upstreamStarted(ex, call)
        #expect(m.upstreamCall === call)
        #expect(m.isCurrent(ex))
        do { let r = m.responseEnded(ex); #expect(r) }
        #expect(m.isIdle)
        #expect(!m.isCurrent(ex), "a late callback from the ended exchange writes nothing")
        do { let r = m.responseEnded(ex); #expect(!r) }
    }

    @Test func aRequestThatAsksToCloseClosesAfterItsResponse() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let head = Self.head(keepAlive: false)
        guard let ex = Self.answering(&m, head) else { return }
        do { let r = m.responseEnded(ex); #expect(r) }
        guard case .closed = m.state else { Issue.record("not closed: \(m.state)"); return }
        #expect(Self.name(m.received(.head(Self.head()))) == "none")
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let head = Self.head(.POST, "/", [("expect", "100-Continue")])
        #expect(Self.name(m.received(.head(head))) == "begin POST /")
        #expect(Self.name(m.began(Self.exchange(head, declared: 5))) == "continue")
    }

    @Test func aDeclaredLengthOverTheCapIsRefusedAndTheBodyDropped() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.request(&m, Self.head(.POST, "/big"), body: 101) == ["begin POST /big", "refuse tooLarge /big", "none", "close"])
    }

    @Test func aBodyThatGrowsOverTheCapIsRefused() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let head = Self.head(.POST, "/chunked")
        _ = m.received(.head(head))
        _ = m.began(Self.exchange(head))
        #expect(Self.name(m.received(.body(Self.bytes(60)))) == "collect 60")
        guard case .collecting(let ex) = m.state else { Issue.record("not collecting"); return }
        ex.body = Self.bytes(60)  // what ProxyHandler collected
        #expect(Self.name(m.received(.body(Self.bytes(41)))) == "refuse tooLarge /chunked")
        #expect(Self.name(m.received(.body(Self.bytes(41)))) == "none")
        #expect(Self.name(m.received(.end(nil))) == "close")
    }

    @Test func theSharedBudgetRefusesWith503() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let head = Self.head(.POST, "/held")
        _ = m.received(.head(head))
        _ = m.began(Self.exchange(head, declared: 50))
        #expect(Self.name(m.received(.body(Self.bytes(50)))) == "collect 50")
        #expect(Self.name(m.budgetExhausted()) == "refuse overloaded /held")
        #expect(!Machine.Refusal.overloaded.closesAtOnce)
        #expect(Self.name(m.received(.end(nil))) == "close")
        #expect(Self.name(m.budgetExhausted()) == "none")
    }

    @Test func connectBecomesATunnelAtTheRequestsEnd() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(m.received(.head(Self.head(.CONNECT, "api.example:443")))) == "judgeConnect api.example:443")
        m.connectAccepted(TunnelOrigin(host: "api.example", port: 443))
        #expect(Self.name(m.received(.body(Self.bytes(3)))) == "none")
        #expect(Self.name(m.received(.end(nil))) == "tunnel api.example:443")
        guard case .tunnelled = m.state else { Issue.record("not tunnelled: \(m.state)"); return }
        #expect(Self.name(m.received(.head(Self.head()))) == "none", "the tunnel's own handlers read on")
    }

    @Test func aRefusedConnectCloses() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let head = Self.head(.CONNECT, "nowhere:443")
        _ = m.received(.head(head))
        let action = m.connectRefused(.forbidden, "veil: CONNECT to nowhere:443 is not allowed by the profile", head: head)
        #expect(Self.name(action) == "refuse connectDenied nowhere:443")
        #expect(Machine.Refusal.connectDenied(.forbidden, "").closesAtOnce)
        guard case .closed = m.state else { Issue.record("not closed"); return }
    }

    @Test func connectInsideATunnelIsRefused() {
        var m = Machine(inTunnel: true, maxBodyBytes: 100)
        #expect(Self.name(m.received(.head(Self.head(.CONNECT, "x:443")))) == "refuse connectInTunnel x:443")
        #expect(Machine.Refusal.connectInTunnel.closesAtOnce)
        guard case .closed = m.state else { Issue.record("not closed"); return }
    }

    /// The red team's connections: a streamed response, and behind it `GET / HTTP/1.1` many
    /// times in one write; one read event decoded 200,000 heads, 7 MB held a connection
    /// (3 GB for 400). Past 64 waiting parts, or 1 MiB of waiting body, the connection closes.
    @Test func pipelinedPartsAreBounded() {
        for (part, most) in [(HTTPServerRequestPart.head(Self.head(.GET, "/")), 64),
                             (.body(Self.bytes(64 << 10)), (1 << 20) / (64 << 10))] {
            var m = Machine(inTunnel: false, maxBodyBytes: 100)
            _ = Self.request(&m, Self.head(.POST, "/1"), body: 0)
            guard case .collecting(let ex1) = m.state else { Issue.record("not collecting"); return }
            m.responding(ex1)
            var waited = 0
            while waited < 100_000, Self.name(m.received(part)) == "none" { waited += 1 }
            #expect(waited == most)
            guard case .closed = m.state else { Issue.record("not closed"); return }
        }
    }

    /// The red team's agent sent pipelined requests to the stub and never read: each answer,
    /// made at once, piled up in veil's memory (1.1 GB). While the agent's socket is full a
    /// new request waits, under the same bounds as pipelined ones.
    @Test func aNewRequestWaitsWhileTheAgentDoesNotRead() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(m.received(.head(Self.head(.GET, "/1")), agentWritable: false)) == "none")
        #expect(Self.name(m.received(.end(nil), agentWritable: false)) == "none")
        do { let r = m.readRequested(); #expect(!r) }
        var resume = false
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "begin GET /1")
        var n = Machine(inTunnel: false, maxBodyBytes: 100)
        var waited = 0
        while waited < 1000, Self.name(n.received(.head(Self.head(.GET, "/")), agentWritable: false)) == "none" { waited += 1 }
        #expect(waited == 64)
    }

    /// The attack itself, against an inspector with the stub behind it: requests written
    /// without end, nothing read. The old build read and answered them for as long as they
    /// came, its answers piling up in memory; now they wait once the agent's socket is full,
    /// and past 64 waiting parts the connection closes.
    @Test func anAgentThatNeverReadsIsNotAnsweredWithoutEnd() throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(inspector.port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let one = Array("POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"stream\":true}".utf8)
        let batch = Array([[UInt8]](repeating: one, count: 64).joined())
        var sent = 0, closed = false
        let end = ContinuousClock.now + .seconds(20)
        while !closed, ContinuousClock.now < end {
            let n = batch.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n } else if errno == EAGAIN { usleep(1000) } else { closed = true }
        }
        #expect(closed, "\(sent) bytes of requests taken from an agent that reads nothing, the connection still open")
    }

    @Test func pipelinedRequestsWaitAndGoOnInOrder() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let first = Self.head(.POST, "/1")
        _ = Self.request(&m, first, body: 0)
        guard case .collecting(let ex1) = m.state else { Issue.record("not collecting"); return }
        m.responding(ex1)
        // The next two requests arrive while the first is answered: they wait, and so do reads.
        for part: HTTPServerRequestPart in [.head(Self.head(.POST, "/2")), .body(Self.bytes(4)), .end(nil),
                                            .head(Self.head(.GET, "/3")), .end(nil)] {
            #expect(Self.name(m.received(part)) == "none")
        }
        do { let r = m.readRequested(); #expect(!r) }
        var resume = false
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "nil", "the first response has not ended")
        do { let r = m.responseEnded(ex1); #expect(r) }

        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "begin POST /2")
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "nil", "inside the loop: nothing more")
        _ = m.began(Self.exchange(Self.head(.POST, "/2"), declared: 4))
        m.pipelinedHandled()
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "collect 4")
        m.pipelinedHandled()
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "process /2")
        guard case .collecting(let ex2) = m.state else { Issue.record("not collecting"); return }
        m.responding(ex2)
        m.pipelinedHandled()
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "nil", "/2 is being answered")
        #expect(!resume)
        #expect(Self.name(m.received(.head(Self.head(.GET, "/4")))) == "none", "still behind /3")

        do { let r = m.responseEnded(ex2); #expect(r) }
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "begin GET /3")
        _ = m.began(Self.exchange(Self.head(.GET, "/3")))
        m.pipelinedHandled()
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "process /3")
        guard case .collecting(let ex3) = m.state else { Issue.record("not collecting"); return }
        // Answered at once (a stub): its end comes inside the loop.
        m.responding(ex3)
        do { let r = m.responseEnded(ex3); #expect(r) }
        m.pipelinedHandled()
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "begin GET /4")
        m.pipelinedHandled()
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "nil")
        #expect(resume, "the held read goes on once none wait")
        do { let r = m.readRequested(); #expect(r) }
    }

    @Test func aConnectionThatDoesNotPipelineNeverHoldsItsReads() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        do { let r = m.readRequested(); #expect(r) }
        _ = Self.request(&m, Self.head(), body: 1)
        do { let r = m.readRequested(); #expect(r) }
        var resume = false
        #expect(Self.name(m.nextPipelined(resumeReading: &resume)) == "nil")
        #expect(!resume)
    }

    @Test func aPartWhereNoneBelongsCloses() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(m.received(.body(Self.bytes(1)))) == "close")
        var n = Machine(inTunnel: false, maxBodyBytes: 100)
        _ = n.received(.head(Self.head()))
        _ = n.began(Self.exchange(Self.head()))
        #expect(Self.name(n.received(.head(Self.head()))) == "close")
    }

    @Test func closingWhileAnsweringCancelsTheCall() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        guard let ex = Self.answering(&m, Self.head()) else { return }
        m.upstreamStarted(ex, Call())
        #expect(Self.name(m.close()) == "close+cancel")
        #expect(Self.name(m.close()) == "close", "once")
        #expect(m.channelInactive() == nil)
    }

    @Test func theAgentLeavingCancelsTheCall() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        guard let ex = Self.answering(&m, Self.head()) else { return }
        let call = Call()
        m.upstreamStarted(ex, call)
        #expect(m.channelInactive() === call)
        #expect(!m.isCurrent(ex))
    }

    @Test func aCallForAnEndedExchangeIsNotKept() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        guard let ex = Self.answering(&m, Self.head()) else { return }
        do { let r = m.responseEnded(ex); #expect(r) }  // answered before `start` returned
        m.upstreamStarted(ex, Call())
        #expect(m.isIdle)
        #expect(m.upstreamCall == nil)
    }

    @Test func malformedRequestsAre400ThenClose() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        let action = m.errorCaught(HTTPParserError.invalidMethod)
        #expect(Self.name(action) == "refuse malformed -")
        guard case .refuse(.malformed(let why), _, _) = action else { return }
        #expect(why.hasPrefix("veil: malformed HTTP request ("))
        guard case .closed = m.state else { Issue.record("not closed"); return }
        #expect(Self.name(m.close()) == "close")
        var other = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(other.errorCaught(ChannelError.ioOnClosedChannel)) == "close")
    }

    @Test func anErrorAfterTheResponseBeganOnlyCloses() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        guard let ex = Self.answering(&m, Self.head()) else { return }
        m.upstreamStarted(ex, Call())
        #expect(Self.name(m.errorCaught(HTTPParserError.invalidMethod)) == "close+cancel")
    }

    @Test func deadlines() {
        var idle = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(idle.deadlinePassed(.idle)) == "close")
        var begun = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(begun.deadlinePassed(.request)) == "refuse timedOut -", "a head that never ended")
        var collecting = Machine(inTunnel: false, maxBodyBytes: 100)
        _ = collecting.received(.head(Self.head(.POST, "/slow")))
        _ = collecting.began(Self.exchange(Self.head(.POST, "/slow"), declared: 10))
        #expect(Self.name(collecting.deadlinePassed(.idle)) == "none")
        #expect(Self.name(collecting.deadlinePassed(.request)) == "refuse timedOut /slow")
        #expect(Machine.Refusal.timedOut.closesAtOnce)
        guard case .closed = collecting.state else { Issue.record("not closed"); return }
        #expect(Self.name(collecting.deadlinePassed(.request)) == "none")
    }

    @Test func aSilentUpstreamFailsTheCallInFlight() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        #expect(Self.name(m.deadlinePassed(.upstream)) == "none", "idle: nothing in flight")
        guard let ex = Self.answering(&m, Self.head()) else { return }
        #expect(Self.name(m.deadlinePassed(.upstream)) == "none", "a stub or an error: no call")
        m.upstreamStarted(ex, Call())
        #expect(Self.name(m.deadlinePassed(.upstream)) == "upstreamSilent")
        #expect(m.isCurrent(ex), "the call's failure ends the exchange, with its 504")
    }

    @Test func aReadWithoutPartsBeganARequest() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        do { let r = m.readComplete(); #expect(r, "bytes of a head, no part yet") }
        _ = m.received(.head(Self.head(.GET, "/")))
        do { let r = m.readComplete(); #expect(!r) }
    }

    @Test func leavingHTTPIgnoresTheRest() {
        var m = Machine(inTunnel: false, maxBodyBytes: 100)
        guard let ex = Self.answering(&m, Self.head(.GET, "/ws")) else { return }
        m.leftHTTP()
        #expect(!m.isCurrent(ex))
        #expect(Self.name(m.received(.head(Self.head()))) == "none")
    }
}
