import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import VeilProxy
import VeilScan

/// Compare's host arm: the agent dials its https base URL itself (no CONNECT), and the
/// recorder's listener answers the TLS with the run CA's certificate for the name the client
/// asks for, reads the requests inside as a tunnel's, and still serves plain HTTP on the port.
@Suite("TLS dialed directly at the listener") struct DirectTLSTests {
    static func recorder(record: String) throws -> (Inspector, RunCA) {
        let ca = try RunCA()
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)],
                                     canaries: [TLSTerminationTests.canary], recordPath: record)
        // A recorder: it reports, it does not block (as compare's host arm).
        (config.modes.canary, config.modes.tag, config.modes.covert, config.modes.rule) = (.report, .report, .report, .report)
        config.runCA = ca
        config.routesOnly = true
        config.listenersTerminateTLS = true
        return (try Inspector.start(host: "127.0.0.1", port: 0, config: config), ca)
    }

    static func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// By name (SNI) and by address (no SNI: the certificate names the address dialed); a
    /// canary inside the TLS is found as in a plain request.
    @Test(arguments: ["localhost", "127.0.0.1"])
    func tlsIsTerminatedAndInspected(host: String) async throws {
        let record = tempPath("direct.jsonl")
        defer { unlink(record) }
        let (recorder, ca) = try Self.recorder(record: record)
        defer { recorder.shutdown() }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([ca.root])
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30))))
        let body = anthropicBody.replacingOccurrences(of: "Say hi", with: "Say hi, zebulonquixote")
        let got: Got
        do {
            got = try await TLSTerminationTests.post(client, "https://\(host):\(recorder.port)/v1/messages", body: body)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        #expect(got.status == 200, "\(got.body)")
        let line = try #require(try Self.lines(record).first)
        #expect(line["via"] as? String == "TLS \(host):\(recorder.port)")
        #expect(line["upstream"] as? String == "stub")
        let findings = line["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { ($0["kind"] as? String) == "canary" }, "\(findings)")
    }

    /// The same port still reads plain HTTP (an http base URL, or a proxy's CONNECT).
    @Test func plainHTTPStillServed() async throws {
        let record = tempPath("direct-plain.jsonl")
        defer { unlink(record) }
        let (recorder, _) = try Self.recorder(record: record)
        defer { recorder.shutdown() }
        let got = try await request(recorder.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        let line = try #require(try Self.lines(record).first)
        #expect(line["via"] == nil)
    }
}
