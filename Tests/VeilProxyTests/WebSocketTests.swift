import CCompression
import Foundation
import NIOCore
import NIOWebSocket
import Testing
@testable import VeilProxy
import VeilScan

/// WebSockets on model routes (Codex's Responses transport): every message the agent sends is
/// inspected whole before it goes on; a blocking finding closes the socket with 1008 and says
/// why; the stub speaks the Responses API over the socket.
@Suite("WebSocket") struct WebSocketTests {
    static let canary = Canary(label: "user name", value: "zebulonquixote")

    /// A raw WebSocket client: the upgrade, masked frames out, the server's frames in.
    struct Client {
        let raw: RawClient

        init(port: Int, path: String = "/v1/responses", extraHeaders: String = "") throws {
            raw = try RawClient(port: port)
            raw.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     + "authorization: Bearer sk-test\r\n\(extraHeaders)\r\n")
        }

        func handshake() async -> String { await raw.read(until: "\r\n\r\n") }

        func send(_ text: String, opcode: UInt8 = 0x1, fin: Bool = true) {
            raw.sendBytes(Self.frame(Array(text.utf8), opcode: opcode, fin: fin))
        }

        static func frame(_ payload: [UInt8], opcode: UInt8, fin: Bool = true, rsv1: Bool = false) -> [UInt8] {
            var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode]
            if payload.count < 126 {
                out.append(0x80 | UInt8(payload.count))
            } else if payload.count < 1 << 16 {
                out.append(0x80 | 126)
                out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
            } else {
                out.append(0x80 | 127)
                out += (0 ..< 8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
            }
            let mask: [UInt8] = [1, 2, 3, 4]
            out += mask
            out += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
            return out
        }

        /// Server frames (unmasked) until one with `opcode` arrives or the connection ends.
        func frames(until opcode: UInt8) async -> [(opcode: UInt8, payload: [UInt8])] {
            await frames { op, _ in op == opcode }
        }

        func frames(until last: (UInt8, [UInt8]) -> Bool) async -> [(opcode: UInt8, payload: [UInt8])] {
            var out: [(UInt8, [UInt8])] = []
            var buffer: [UInt8] = []
            while true {
                while let (op, payload, used) = Self.parse(buffer) {
                    buffer.removeFirst(used)
                    out.append((op, payload))
                    if last(op, payload) { return out }
                }
                let more = await raw.readBytes()
                if more.isEmpty { return out }
                buffer += more
            }
        }

        /// Sends `message` again and again without reading, until the socket takes nothing for
        /// 2 s (true) or 20 s pass.
        func sendsStall(_ message: String) async -> Bool {
            await send(message, within: .seconds(20), quiet: .seconds(2)).stalled
        }

        /// How much of `message`, again and again, the socket took (until `enough`), and
        /// whether it stalled (took nothing for `quiet`).
        func send(_ message: String, within: Duration, quiet: Duration, enough: Int = .max) async -> (sent: Int, stalled: Bool) {
            let one = Self.frame(Array(message.utf8), opcode: 0x1)
            let stream = Array((0 ..< max(1, 1 << 20 / one.count)).map { _ in one }.joined())
            let fd = raw.fd
            return await offPool { () -> (Int, Bool) in
                let start = ContinuousClock.now
                var offset = 0, sent = 0, lastProgress = ContinuousClock.now
                while ContinuousClock.now - start < within && sent < enough {
                    let n = stream.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_DONTWAIT)) }
                    if n > 0 {
                        offset = (offset + n) % stream.count
                        sent += n
                        lastProgress = .now
                    } else if n < 0 && errno != EAGAIN {
                        return (sent, false)  // closed: not what these tests are about
                    } else if ContinuousClock.now - lastProgress > quiet {
                        return (sent, true)
                    } else {
                        usleep(2000)
                    }
                }
                return (sent, false)
            }
        }

        static func parse(_ b: [UInt8]) -> (UInt8, [UInt8], Int)? {
            guard b.count >= 2 else { return nil }
            var length = Int(b[1] & 0x7F), at = 2
            if length == 126 {
                guard b.count >= 4 else { return nil }
                length = Int(b[2]) << 8 | Int(b[3])
                at = 4
            } else if length == 127 {
                guard b.count >= 10 else { return nil }
                length = b[2..<10].reduce(0) { $0 << 8 | Int($1) }
                at = 10
            }
            guard b.count >= at + length else { return nil }
            return (b[0] & 0x0F, Array(b[at ..< at + length]), at + length)
        }
    }

    static func createMessage(_ text: String) -> String {
        #"{"type":"response.create","model":"gpt-x","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"\#(text)"}]}]}"#
    }

    @Test func theStubAnswersTheResponsesAPIOverTheSocket() async throws {
        let inspector = try startInspector(.stub, canaries: [Self.canary])
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        let head = await c.handshake()
        #expect(head.hasPrefix("HTTP/1.1 101"))
        // RFC 6455's own example key and answer.
        #expect(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        c.send(Self.createMessage("say hi"))
        func type(_ payload: [UInt8]) -> String {
            ((try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any])?["type"] as? String ?? "?"
        }
        let seen = await c.frames { op, payload in op != 0x1 || type(payload) == "response.completed" }.map { type($0.payload) }
        #expect(seen.contains("response.output_text.delta"))
        #expect(seen.last == "response.completed")
        let summary = inspector.summary()
        #expect(summary.forwarded == 2 && summary.blocked == 0)  // the upgrade and the message
    }

    /// The attack: a canary in a message, after a clean upgrade.
    @Test func aCanaryInAMessageClosesTheSocketWith1008() async throws {
        let inspector = try startInspector(.stub, canaries: [Self.canary])
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        c.send(Self.createMessage("I am zebulonquixote"))
        let got = await c.frames(until: 0x8)
        let close = try #require(got.last)
        #expect(close.opcode == 0x8)
        #expect(Int(close.payload[0]) << 8 | Int(close.payload[1]) == 1008)
        let reason = String(decoding: close.payload.dropFirst(2), as: UTF8.self)
        #expect(reason.contains("veil blocked") && reason.contains("canary"))
        #expect(!reason.contains("zebulonquixote"))
        #expect(!got.contains { $0.opcode == 0x1 })  // the stub never answered it
        #expect(inspector.summary().blocked == 1)
    }

    /// The canary in `\u` escapes, in a message the walk refuses (a BOM before it) or in a
    /// binary message in UTF-16: the upstream's JSON reader decodes both (the fourth red team).
    @Test(arguments: ["bom", "utf-16"])
    func anEscapedCanaryInAMessageTheWalkRefusesIsFound(_ form: String) async throws {
        let inspector = try startInspector(.stub, canaries: [Self.canary])
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        let escaped = "zebulonquixote".unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let text = Self.createMessage("I am \(escaped)")
        let payload = form == "bom" ? [0xEF, 0xBB, 0xBF] + Array(text.utf8)
            : [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        c.raw.sendBytes(Client.frame(payload, opcode: form == "bom" ? 0x1 : 0x2))
        let got = await c.frames(until: 0x8)
        let close = try #require(got.last)
        #expect(close.opcode == 0x8 && Int(close.payload[0]) << 8 | Int(close.payload[1]) == 1008)
        #expect(!got.contains { $0.opcode == 0x1 })
    }

    /// A canary split over two frames of one message is read as one message.
    @Test func aFragmentedMessageIsInspectedWhole() async throws {
        let inspector = try startInspector(.stub, canaries: [Self.canary])
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        let text = Self.createMessage("I am zebulonquixote")
        let cut = text.index(text.firstRange(of: "zebulon")!.lowerBound, offsetBy: 4)
        c.send(String(text[..<cut]), opcode: 0x1, fin: false)
        c.raw.sendBytes(Client.frame(Array("ping".utf8), opcode: 0x9))  // a ping between them passes
        c.send(String(text[cut...]), opcode: 0x0, fin: true)
        let got = await c.frames(until: 0x8)
        #expect(got.first?.opcode == 0xA)  // the pong
        #expect(got.last?.opcode == 0x8)
    }

    /// The attack: one unfinished frame per socket, each below the body cap, which NIO's
    /// decoder keeps until its last byte. They count against max_buffered_bytes as request
    /// bodies do: of two such sockets one is closed with 1013 (try again later) while the
    /// other waits, where a few hundred sockets held 64 MiB each of the host's memory. Once
    /// the other's message has gone on, its room is free again.
    @Test func unfinishedFramesCountAgainstTheBound() async throws {
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)])
        config.maxBufferedBytes = 1 << 20
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let frame = Client.frame(Array(Self.createMessage(String(repeating: "x", count: 700 << 10)).utf8), opcode: 0x1)
        let first = try Client(port: inspector.port), second = try Client(port: inspector.port)
        defer { first.raw.close(); second.raw.close() }
        #expect(await first.handshake().hasPrefix("HTTP/1.1 101"))
        #expect(await second.handshake().hasPrefix("HTTP/1.1 101"))
        first.raw.sendBytes(Array(frame.dropLast()))
        second.raw.sendBytes(Array(frame.dropLast()))
        // The refused one closes at once; the other hears nothing (the read's 5 s pass).
        async let a = first.frames(until: 0x8)
        async let b = second.frames(until: 0x8)
        let heard = await [a, b]
        let closed = heard.indices.filter { !heard[$0].isEmpty }
        try #require(closed.count == 1, "\(heard.map { $0.map(\.opcode) })")
        let close = heard[closed[0]].last!
        #expect(close.opcode == 0x8)
        #expect(close.payload.count >= 2 && Int(close.payload[0]) << 8 | Int(close.payload[1]) == 1013)
        #expect(String(decoding: close.payload.dropFirst(2), as: UTF8.self).contains("retry"))
        // The other was not touched: its message ends and the stub answers it.
        let other = closed[0] == 0 ? second : first
        other.raw.sendBytes([frame.last!])
        #expect(await other.frames { op, _ in op == 0x1 || op == 0x8 }.last?.opcode == 0x1)
        let third = try Client(port: inspector.port)
        defer { third.raw.close() }
        #expect(await third.handshake().hasPrefix("HTTP/1.1 101"))
        third.raw.sendBytes(frame)
        #expect(await third.frames { op, _ in op == 0x1 || op == 0x8 }.last?.opcode == 0x1)
        #expect(inspector.summary().refusals.contains { $0.status == 1013 })
    }

    /// An inspector relaying to `up`, and an agent's socket through it, upgraded.
    static func relay(to up: WebSocketUpstream) async throws -> (Inspector, Client) {
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(up.url))], hostEnvironment: [:]))
        let c = try Client(port: inspector.port)
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        return (inspector, c)
    }

    /// The attack: a canary in a control frame's payload (a ping's data, a pong's, a close's
    /// reason), which went to the upstream unread while messages were inspected. Each closes
    /// the socket with 1008 before it leaves; the control: a clean ping reaches the upstream.
    @Test(arguments: [UInt8(0x9), 0xA, 0x8])
    func aCanaryInAControlFrameClosesTheSocketWith1008(opcode: UInt8) async throws {
        let up = try WebSocketUpstream()
        defer { up.stop() }
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(up.url))], canaries: [Self.canary], hostEnvironment: [:]))
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        c.raw.sendBytes(Client.frame(Array("clean ping".utf8), opcode: 0x9))
        c.send("hello upstream")
        _ = await c.frames { op, _ in op == 0x1 }
        #expect(up.controls == ["clean ping"])
        let payload = (opcode == 0x8 ? [0x03, 0xE8] : []) + Array("I am zebulonquixote".utf8)
        c.raw.sendBytes(Client.frame(payload, opcode: opcode))
        let close = try #require(await c.frames(until: 0x8).last)
        #expect(Int(close.payload[0]) << 8 | Int(close.payload[1]) == 1008)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!up.controls.contains { $0.contains("zebulonquixote") }, "\(up.controls)")
        #expect(inspector.summary().blocked == 1)
    }

    /// The attack the other way: an agent that sends faster than its upstream reads. veil
    /// stops reading the agent once the upstream's socket is full, instead of holding every
    /// message in the host's memory: the agent's sends stall for good (without it, veil read on
    /// as fast as it could inspect, and only the test's 20 s ended it).
    @Test func anAgentIsReadNoFasterThanTheUpstreamTakesIt() async throws {
        let up = try WebSocketUpstream()
        defer { up.stop() }
        let (inspector, c) = try await Self.relay(to: up)
        defer { c.raw.close(); inspector.shutdown() }
        c.send("hold")
        let stalled = await c.sendsStall(Self.createMessage(String(repeating: "x", count: 4000)))
        #expect(stalled, "veil kept reading the messages of an agent whose upstream took none of them")
        #expect(inspector.summary().refusals.map(\.reason) == [])
    }

    /// A message refused unread (here one frame over the body cap: 1009, where it was a 1002
    /// counted nowhere) is named in the report and leaves a record line, as a refused request
    /// does: a record's reader sees every message that did not go on.
    @Test func aRefusedMessageIsRecorded() async throws {
        let record = NSTemporaryDirectory() + "ws-refused-\(UUID().uuidString).jsonl"
        defer { unlink(record) }
        let inspector = try startInspector(.stub, maxBody: 512, record: record)
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        c.send(Self.createMessage(String(repeating: "x", count: 1000)))
        let close = await c.frames(until: 0x8).last
        #expect(close.map { Int($0.payload[0]) << 8 | Int($0.payload[1]) } == 1009)
        #expect(inspector.summary().refusals.map(\.status) == [1009])
        inspector.shutdown()
        let lines = (try String(contentsOfFile: record, encoding: .utf8)).split(separator: "\n")
        let last = try #require(lines.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(last["method"] as? String == "WS" && last["decision"] as? String == "reject" && last["status"] as? Int == 1009,
                "\(last)")
    }

    /// The same with the stub, which answers on the agent's own socket: an agent that sends
    /// and never reads the answers is not read on (veil kept every answer in the host's memory,
    /// reading on until the test's 20 s ended it), and is read again once it takes them.
    @Test func theStubReadsAnAgentNoFasterThanItTakesTheAnswers() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        // Messages of 4 KB: fewer to answer for each byte the sockets hold, so a slow (debug)
        // build answering what it has read is not taken for a pause.
        let message = Self.createMessage(String(repeating: "x", count: 4000))
        #expect(await c.sendsStall(message), "veil kept answering an agent that read no answer")
        let reader = Task { var got = 0; while case let more = await c.raw.readBytes(), !more.isEmpty { got += more.count }; return got }
        // What the sockets hold is answered first; then the agent's sends go on.
        let (sent, _) = await c.send(message, within: .seconds(15), quiet: .seconds(15), enough: 2 << 20)
        c.raw.close()
        #expect(sent > 1 << 20, "the agent was read again only for \(sent) bytes once it read its answers")
        #expect(await reader.value > 1 << 20)
    }

    /// And from the upstream: a model streaming to an agent that does not read. veil stops
    /// reading the upstream once the agent's socket is full, so what it holds stays a few
    /// socket buffers (the upstream's writes stall), where it read on to the flood's end.
    @Test func anUpstreamIsReadNoFasterThanTheAgentTakesIt() async throws {
        let up = try WebSocketUpstream()
        defer { up.stop() }
        let (inspector, c) = try await Self.relay(to: up)
        defer { c.raw.close(); inspector.shutdown() }
        c.send("flood")
        // Until the flood stops growing for a second (or reaches its end), never reading.
        let settled = await offPool { () -> Int in
            var last = -1
            for _ in 0 ..< 20 where up.flooded != last && up.flooded < WebSocketUpstream.floodCap {
                last = up.flooded
                sleep(1)
            }
            return up.flooded
        }
        #expect(settled > 0 && settled < 64 << 20, "the upstream wrote \(settled) bytes to an agent that read none")
    }

    /// A canary in the upgrade request itself is blocked before any socket exists.
    @Test func aCanaryInTheUpgradeIsA400() async throws {
        let inspector = try startInspector(.stub, canaries: [Self.canary])
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port, path: "/v1/responses?user=zebulonquixote")
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 400"))
    }

    /// A socket to a real upstream: the placeholder becomes the key in the upgrade, messages
    /// cross both ways, and a canary closes the socket before the upstream sees it. Then the
    /// same through the host's own proxy (CONNECT), as the host's settings say.
    @Test(arguments: [false, true])
    func aSocketToTheUpstreamRelaysBothWays(throughHostProxy: Bool) async throws {
        let up = try WebSocketUpstream(), proxy = try TunnelProxy()
        defer { up.stop(); proxy.stop() }
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .url(up.url))], canaries: [Self.canary],
                                     credentials: [CredentialMask.Entry(variable: "OPENAI_API_KEY", placeholder: "sk-test",
                                                                        real: "sk-real-key-0123456789")],
                                     hostEnvironment: throughHostProxy ? ["HTTP_PROXY": "http://127.0.0.1:\(proxy.port)"] : [:])
        config.connectTimeoutSeconds = 5
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        #expect(await c.handshake().hasPrefix("HTTP/1.1 101"))
        #expect(up.heads.first?.headers.first(name: "authorization") == "Bearer sk-real-key-0123456789")
        #expect(proxy.heads.contains { $0.hasPrefix("connect 127.0.0.1:\(up.port)") } == throughHostProxy)
        c.send("hello upstream")
        let echo = await c.frames { op, _ in op == 0x1 }
        #expect(echo.last.map { String(decoding: $0.payload, as: UTF8.self) } == "echo: hello upstream")
        c.send("I am zebulonquixote")
        #expect(await c.frames(until: 0x8).last?.opcode == 0x8)
        #expect(up.messages == ["hello upstream"])
    }

    /// The red team's second frame: under an extension veil does not read (per-frame deflate,
    /// which sets RSV1 on any frame), the upstream inflates what the scan read as plain bytes.
    /// An answer agreeing one is refused before any frame crosses; permessage-deflate, which
    /// veil reads, still opens the socket.
    @Test(arguments: ["x-webkit-deflate-frame", "permessage-deflate, x-custom", "permessage-deflate; client_no_context_takeover"])
    func anExtensionVeilCannotReadRefusesTheSocket(agreed: String) async throws {
        let up = try WebSocketUpstream(agreeing: agreed)
        defer { up.stop() }
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .url(up.url))], hostEnvironment: [:])
        config.connectTimeoutSeconds = 5
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let c = try Client(port: inspector.port)
        defer { c.raw.close() }
        let answer = await c.handshake()
        if agreed.hasPrefix("permessage-deflate;") {
            #expect(answer.hasPrefix("HTTP/1.1 101"), "\(answer)")
        } else {
            #expect(answer.hasPrefix("HTTP/1.1 502"), "\(answer)")
            #expect(answer.contains("x-"), "the refusal names the extension: \(answer)")
        }
    }

    /// A WebSocket upstream that cannot be reached says why, as an http request's failure
    /// does (UpstreamFailure): a TLS verification that failed names its reason and the trust
    /// it was checked against (it said "answered the WebSocket upgrade with 0"), and a refused
    /// connection says the upstream is unreachable.
    @Test func anUpstreamThatCannotBeReachedSaysWhy() async throws {
        let up = try TLSUpstreamTests.server("localhost")  // the test CA: not in the system store
        defer { up.stop() }
        let dead = try TestUpstream()
        let deadURL = dead.url, deadPort = dead.port
        dead.stop()
        for (url, expected) in [(up.url, "TLS with upstream localhost:\(up.port) failed: CERTIFICATE_VERIFY_FAILED"),
                                (deadURL, "veil: upstream 127.0.0.1:\(deadPort) is unreachable: connection refused")] {
            var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .url(url))], hostEnvironment: [:])
            config.connectTimeoutSeconds = 5
            let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
            defer { inspector.shutdown() }
            let c = try Client(port: inspector.port)
            defer { c.raw.close() }
            let answer = await c.raw.read(until: "}}")
            #expect(answer.hasPrefix("HTTP/1.1 502"), "\(answer)")
            #expect(answer.contains(expected), "\(answer)")
        }
    }

    /// permessage-deflate undone for the scan, with the window carried between messages
    /// (context takeover): the second message's canary is a back-reference into the first.
    @Test func compressedMessagesAreInflatedForTheScan() throws {
        let first = Self.createMessage("hello zebulon quixote"), second = Self.createMessage("zebulonquixote")
        let (a, b) = deflateTwo(first, second)
        var messages = WebSocketMessages(limit: 1 << 20, deflate: true)
        let alloc = ByteBufferAllocator()
        for (bytes, expected) in [(a, first), (b, second)] {
            let frame = WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: alloc.buffer(bytes: bytes))
            guard case .message(_, let payload, _) = messages.add(frame) else {
                Issue.record("not a message")
                return
            }
            #expect(String(buffer: payload) == expected)
        }
        // Compressed frames on a socket that agreed no compression are refused, not skipped.
        var plain = WebSocketMessages(limit: 1 << 20, deflate: false)
        if case .refuse = plain.add(WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: alloc.buffer(bytes: a))) {
        } else {
            Issue.record("a compressed frame passed unread")
        }
        // A message over the limit is refused.
        var small = WebSocketMessages(limit: 8, deflate: false)
        if case .refuse(let code, _) = small.add(WebSocketFrame(fin: true, opcode: .text, data: alloc.buffer(string: first))) {
            #expect(code == .messageTooLarge)
        } else {
            Issue.record("an oversized message passed")
        }
    }

    /// Reserved bits the scan would not honour are refused wherever they stand: RSV1 past a
    /// message's first frame (the red team's compressed continuation, which an upstream
    /// inflating per frame read as the machine id), RSV1 on a control frame, RSV2 and RSV3
    /// anywhere. Each passed before, forwarded as sent.
    @Test(arguments: [true, false])
    func reservedBitsVeilDoesNotReadAreRefused(deflate: Bool) {
        let alloc = ByteBufferAllocator()
        let part = alloc.buffer(string: "{\"input\":\"hello ")
        var messages = WebSocketMessages(limit: 1 << 20, deflate: deflate)
        guard case .wait = messages.add(WebSocketFrame(fin: false, opcode: .text, data: part)) else {
            Issue.record("the first frame was not held")
            return
        }
        let attempts: [(String, WebSocketFrame)] = [
            ("RSV1 on a continuation", WebSocketFrame(fin: true, rsv1: true, opcode: .continuation, data: alloc.buffer(bytes: [0x4B, 0x04, 0x00]))),
            ("RSV2 on a continuation", WebSocketFrame(fin: true, rsv2: true, opcode: .continuation, data: part)),
            ("RSV1 on a ping", WebSocketFrame(fin: true, rsv1: true, opcode: .ping, data: part)),
            ("RSV3 on a whole text message", WebSocketFrame(fin: true, rsv3: true, opcode: .text, data: part)),
        ]
        for (what, frame) in attempts {
            // The text message starts none of its own: it is tried where no message is open.
            var fresh = frame.opcode == .text ? WebSocketMessages(limit: 1 << 20, deflate: deflate) : messages
            if case .refuse(let code, _) = fresh.add(frame) {
                #expect(code == .protocolError, "\(what)")
            } else {
                Issue.record("\(what) was not refused")
            }
        }
        // The same message, its continuation without reserved bits, is whole and plain.
        guard case .message(_, let payload, _) = messages.add(WebSocketFrame(fin: true, opcode: .continuation, data: part)) else {
            Issue.record("a plain continuation did not end the message")
            return
        }
        #expect(payload.readableBytes == 2 * part.readableBytes)
    }

    /// The red team's flood: a text frame without FIN, then empty continuations, two bytes
    /// each on the wire. They counted nothing against the message limit, and 80 MiB of them
    /// held 4 GB; each now counts what holding it costs.
    @Test func emptyFragmentsCountAgainstTheLimit() {
        var messages = WebSocketMessages(limit: 64 << 10, deflate: false)
        let alloc = ByteBufferAllocator()
        guard case .wait = messages.add(WebSocketFrame(fin: false, opcode: .text, data: alloc.buffer(string: "a"))) else {
            Issue.record("a first fragment was not held")
            return
        }
        var held = 1
        while held < 100_000 {
            if case .refuse(let code, _) = messages.add(WebSocketFrame(fin: false, opcode: .continuation, data: alloc.buffer(bytes: []))) {
                #expect(code == .messageTooLarge)
                break
            }
            held += 1
        }
        // 64 KiB at 128 bytes a held frame.
        #expect(held <= 512, "\(held) empty fragments held")
        // One frame of exactly the limit is still a message.
        var whole = WebSocketMessages(limit: 16, deflate: false)
        guard case .message = whole.add(WebSocketFrame(fin: true, opcode: .text, data: alloc.buffer(string: String(repeating: "a", count: 16)))) else {
            Issue.record("a message of the limit's size was refused")
            return
        }
    }

    /// The attack: a first message that ends its deflate stream (a final block), then a second
    /// in a stream of its own, as `client_no_context_takeover` has it and gorilla-style
    /// upstreams read it. veil read every message after the first as empty, and the second's
    /// canary went on; now each stream's end leaves the next message to a fresh one. Bytes after
    /// a stream's end (which no reader inflates) refuse the message.
    @Test func aMessageAfterAFinalDeflateBlockIsReadAsTheUpstreamReadsIt() throws {
        let first = Self.createMessage("hello"), second = Self.createMessage("zebulonquixote")
        var messages = WebSocketMessages(limit: 1 << 20, deflate: true)
        let alloc = ByteBufferAllocator()
        for text in [first, second] {
            let frame = WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: alloc.buffer(bytes: deflateFinished(text)))
            guard case .message(_, let payload, _) = messages.add(frame) else {
                Issue.record("not a message")
                return
            }
            #expect(String(buffer: payload) == text)
        }
        var trailing = WebSocketMessages(limit: 1 << 20, deflate: true)
        let hidden = deflateFinished(first) + Array("zebulonquixote".utf8)
        if case .refuse(let code, _) = trailing.add(WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: alloc.buffer(bytes: hidden))) {
            #expect(code == .dataInconsistentWithMessage)
        } else {
            Issue.record("bytes after the deflate stream's end passed unread")
        }
    }

    /// One whole raw deflate stream, ended with a final block (Z_FINISH).
    func deflateFinished(_ text: String) -> [UInt8] {
        var z = z_stream()
        Self.startRawDeflate(&z)
        defer { deflateEnd(&z) }
        return Self.deflate(&z, text, flush: Z_FINISH)
    }

    /// Two messages through one raw deflate stream with a sync flush each, as permessage-deflate
    /// with context takeover sends them (the 00 00 FF FF tail removed).
    func deflateTwo(_ a: String, _ b: String) -> ([UInt8], [UInt8]) {
        var z = z_stream()
        Self.startRawDeflate(&z)
        defer { deflateEnd(&z) }
        let first = Self.deflate(&z, a, flush: Z_SYNC_FLUSH), second = Self.deflate(&z, b, flush: Z_SYNC_FLUSH)
        return (Array(first.dropLast(4)), Array(second.dropLast(4)))
    }

    /// In place: zlib's state points back at the stream, so a moved copy is refused.
    static func startRawDeflate(_ z: inout z_stream) {
        deflateInit2_(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    /// What `z` makes of `text` with `flush`.
    static func deflate(_ z: inout z_stream, _ text: String, flush: Int32) -> [UInt8] {
        var input = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: 4096)
        input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                z.next_in = i.baseAddress
                z.avail_in = UInt32(i.count)
                z.next_out = o.baseAddress
                z.avail_out = UInt32(o.count)
                _ = CCompression.deflate(&z, flush)
            }
        }
        return Array(out[..<(4096 - Int(z.avail_out))])
    }
}

extension RawClient {
    func sendBytes(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// What one read returns ([] when the peer closed or 5 s passed).
    func readBytes() async -> [UInt8] {
        await offPool { [fd] in
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buf, buf.count, 0)
            return n > 0 ? Array(buf[0..<n]) : []
        }
    }
}
