// What must hold for any bytes an agent sends the inspector, checked on every fuzz input of
// the `http` target. A violation traps, so that libFuzzer saves the input and stops. Beyond
// "no crash, no out-of-bounds access, no unbounded allocation" (AddressSanitizer's and
// libFuzzer's part), each input is read four ways:
// 1. As a connection (the inspector's own pipeline: NIO's request decoder as it configures it,
//    ProxyHandler, the stub upstream, in an EmbeddedChannel): nothing whose head or body, read
//    as the upstream reads it (BodyView), holds the canary is answered 2xx; at most one final
//    response per request (and one 400 for bytes that are not HTTP).
// 2. As routing (RouteProperties): URL parsing, the allow list, joining a base URL and a target.
// 3. As a coded body (BodyProperties): decoding never exceeds its limit and round-trips.
// 4. As a typed body (BodyProperties): the view the scanner reads.

import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import VeilProxy
import VeilScan

enum HTTPProperties {
    static let canary = "Asia/Shanghai"
    /// Small, so that inputs reach the 413 paths.
    static let maxBody = 4096

    static func check(_ input: [UInt8]) {
        connection(input)
        RouteProperties.check(input)
        BodyProperties.check(input)
    }

    static let loop = EmbeddedEventLoop()
    /// Every request goes to the stub (no socket); CONNECT and absolute-form targets are
    /// denied by the empty allow list before any connection is tried.
    static let core = try! SharedResources(config: InspectorConfig(
        routes: [Route(api: .unknown, upstream: .stub)], canaries: [Canary(label: "time zone", value: canary)],
        maxBodyBytes: maxBody, threads: 1), group: loop)

    static func connection(_ input: [UInt8]) {
        let channel = EmbeddedChannel(loop: loop)
        let statuses = StatusSpy()
        do {
            try AgentPipeline.configure(channel, core: core)
            let handler = try channel.pipeline.syncOperations.handler(type: ProxyHandler.self)
            try channel.pipeline.syncOperations.addHandler(statuses, position: .before(handler))
            // In two writes, so that a head or a body split between reads is exercised too.
            let cut = input.count / 2
            for part in [input[..<cut], input[cut...]] where channel.isActive {
                try channel.writeInbound(ByteBuffer(bytes: part))
            }
        } catch {
            // A malformed request: the inspector answers 400 and closes; checked below.
        }
        loop.run()
        _ = try? channel.finish(acceptAlreadyClosed: true)

        let requests = parsed(input)
        let finals = statuses.seen.filter { $0.code >= 200 }
        guard finals.count <= requests.count + 1 else {
            fail("\(finals.count) responses to \(requests.count) requests: \(finals)", input)
        }
        for (request, status) in zip(requests, finals) where (200 ..< 300).contains(status.code) {
            let (head, body) = request
            var read: ByteBuffer?
            do { read = try BodyView.decoded(body, headers: head.headers, limit: maxBody) } catch {
                fail("answered \(status.code) to a body veil refuses (\(error))", input)
            }
            let headerText = head.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
            for (what, bytes) in [("body", Array((read ?? body).readableBytesView)), ("target", Array(head.uri.utf8)),
                                  ("headers", Array(headerText.utf8))] where contains(bytes, canary) {
                fail("answered \(status.code) to a request whose \(what) holds \(canary)", input)
            }
        }
    }

    /// The requests in `input` as NIO's decoder reads them on its own, up to the first error.
    static func parsed(_ input: [UInt8]) -> [(HTTPRequestHead, ByteBuffer)] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
                                      loop: loop)
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        _ = try? channel.writeInbound(ByteBuffer(bytes: input))
        var out: [(HTTPRequestHead, ByteBuffer)] = []
        var head: HTTPRequestHead?
        var body = ByteBuffer()
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let h): (head, body) = (h, ByteBuffer())
            case .body(var b): body.writeBuffer(&b)
            case .end: if let head { out.append((head, body)) }; head = nil
            }
        }
        return out
    }

    /// `text` as a word of its own: the scanner matches a canary at word boundaries
    /// (`urAsia/Shanghail` is not the time zone), so the properties look for the same.
    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let t = Array(text.utf8)
        guard bytes.count >= t.count else { return false }
        func letter(_ i: Int) -> Bool {
            guard i >= 0, i < bytes.count else { return false }
            let b = bytes[i]
            return b >= 0x80 || (b | 0x20) &- 0x61 < 26 || b &- 0x30 < 10
        }
        return (0 ... bytes.count - t.count).contains {
            bytes[$0 ..< $0 + t.count].elementsEqual(t) && !letter($0 - 1) && !letter($0 + t.count)
        }
    }

    static func fail(_ why: String, _ input: [UInt8]) -> Never {
        let shown = String(decoding: input.prefix(600), as: UTF8.self)
        fatalError("veil-fuzz http: \(why)\n  input (\(input.count) bytes): \(shown.debugDescription)")
    }
}

/// The status of every response head the inspector writes, in order.
final class StatusSpy: ChannelOutboundHandler {
    typealias OutboundIn = HTTPServerResponsePart
    var seen: [HTTPResponseStatus] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data) { seen.append(head.status) }
        context.write(data, promise: promise)
    }
}
