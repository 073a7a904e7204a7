import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
@testable import VeilProxy
import VeilScan

/// A response as the test client saw it.
struct Got {
    var status: Int
    var headers: HTTPHeaders
    var body: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

/// Direct connections only: tests must never pick up a proxy from the environment.
let testClient = HTTPClient(eventLoopGroupProvider: .singleton,
                            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(20))))

func request(_ port: Int, _ path: String, method: HTTPMethod = .POST, body: String? = nil, bytes: [UInt8]? = nil,
             headers: [(String, String)] = [("content-type", "application/json")]) async throws -> Got {
    var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    req.method = method
    for (n, v) in headers { req.headers.add(name: n, value: v) }
    if let body { req.body = .bytes(ByteBuffer(string: body)) }
    if let bytes { req.body = .bytes(ByteBuffer(bytes: bytes)) }
    let response = try await testClient.execute(req, timeout: .seconds(20))
    let collected = try await response.body.collect(upTo: 16 << 20)
    return Got(status: Int(response.status.code), headers: response.headers,
               body: String(decoding: collected.readableBytesView, as: UTF8.self))
}

func startInspector(_ upstream: Upstream, canaries: [Canary] = [], maxBody: Int = 64 << 20, record: String? = nil,
                    credentials: [CredentialMask.Entry] = [], allow: [String] = []) throws -> Inspector {
    try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
        routes: [Route(api: .unknown, upstream: upstream)], canaries: canaries, maxBodyBytes: maxBody,
        recordPath: record, credentials: credentials, connectAllow: allow, connectTimeoutSeconds: 2,
        readTimeoutSeconds: 5))
}

/// One event loop, so that every request meets the same upstream pool (connection reuse).
func singleLoopInspector(_ url: String) throws -> Inspector {
    try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
        routes: [Route(api: .unknown, upstream: .url(url))], connectTimeoutSeconds: 2, readTimeoutSeconds: 5,
        threads: 1))
}

/// Runs blocking work (a socket read, a wait for a child) on a thread of its own. On Swift's
/// cooperative pool, as wide as the machine has cores, it would hold a thread every other
/// test's continuation needs: on 2 cores, async tests then stalled for 20 s and timed out.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { done in Thread { done.resume(returning: work()) }.start() }
}

/// A socket on loopback that listens and never answers: the connection is made, no head ever
/// comes back. Its descriptor (close it) and port.
func silentUpstream() -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
            bind(fd, p, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, p, &len) == 0
        }
    }
    return (fd, Int(UInt16(bigEndian: addr.sin_port)))
}

func tempPath(_ name: String) -> String {
    NSTemporaryDirectory() + "veil-proxy-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
}

/// The `data:` payloads of an SSE body, in order.
func sseData(_ body: String) -> [String] {
    body.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
}

func sseEvents(_ body: String) -> [String] {
    body.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
}

func parse(_ s: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any] ?? [:]
}

let anthropicBody = #"{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Say hi"}]}"#
let openAIBody = #"{"model":"gpt-5","messages":[{"role":"user","content":"Say hi"}]}"#
let geminiBody = #"{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}"#
