import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import VeilProxy
import VeilScan

/// https upstreams (AsyncHTTPClient with TLS), against a loopback server whose certificate a
/// throwaway test CA signed (Tests/fixtures/tls): verified against the host's own trust
/// settings (SSL_CERT_FILE / SSL_CERT_DIR, else the system store), and a failure reaches the
/// agent as a 502 in its API's format that says it was TLS and against what.
@Suite("https upstream") struct TLSUpstreamTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/tls").path
    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    /// An https upstream presenting `leaf` (`localhost`: valid for localhost and 127.0.0.1;
    /// `elsewhere`: for elsewhere.invalid only).
    static func server(_ leaf: String, reply: @escaping @Sendable (TestUpstream.Seen) -> TestUpstream.Reply = { _ in .init() })
        throws -> TestUpstream {
        let chain = try NIOSSLCertificate.fromPEMFile(fixture("\(leaf).pem")).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: fixture("\(leaf).key"), format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        return try TestUpstream(tls: NIOSSLContext(configuration: tls), reply: reply)
    }

    /// A long connect timeout: a TLS failure must not wait for it.
    static func inspector(_ url: String, environment: [String: String], canaries: [Canary] = [],
                          record: String? = nil) throws -> Inspector {
        try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .url(url))], canaries: canaries, recordPath: record,
            hostEnvironment: environment, connectTimeoutSeconds: 30, readTimeoutSeconds: 5))
    }

    static func message(_ got: Got) -> String {
        (got.json["error"] as? [String: Any])?["message"] as? String ?? ""
    }

    @Test func theHostsCertFileIsTrusted() async throws {
        let up = try Self.server("localhost")
        defer { up.stop() }
        let inspector = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": Self.fixture("ca.pem")])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        #expect(got.body == #"{"ok":true}"#)
        #expect(up.seen.map(\.head.uri) == ["/v1/messages"])
        #expect(up.seen.first?.text == anthropicBody)
    }

    /// Responses stream through TLS as they do over plain http: every chunk, in order.
    @Test func aStreamedResponseArrivesWhole() async throws {
        let events = (1...5).map { "data: {\"n\":\($0)}\n\n" }
        let up = try Self.server("localhost") { _ in
            .init(headers: [("content-type", "text/event-stream")], chunks: events.map { (20, $0) })
        }
        defer { up.stop() }
        let inspector = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": Self.fixture("ca.pem")])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        #expect(sseData(got.body) == (1...5).map { "{\"n\":\($0)}" })
    }

    /// An agent holding its whole sized answer finds the exchange in the record already (the
    /// last bytes wait for the record line). Before, the line could come a moment after the
    /// answer: 20 exchanges make that race show.
    @Test func theRecordLineComesBeforeTheLastByte() async throws {
        let answer = #"{"ok":true}"#
        let up = try Self.server("localhost") { _ in
            .init(headers: [("content-type", "application/json"), ("content-length", String(answer.utf8.count))],
                  chunks: [(delayMs: Int64(0), text: answer)])
        }
        defer { up.stop() }
        let record = tempPath("tls-record.jsonl")
        defer { unlink(record) }
        let inspector = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": Self.fixture("ca.pem")], record: record)
        defer { inspector.shutdown() }
        for i in 1...20 {
            let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
            #expect(got.status == 200 && got.body == answer)
            let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == i, "exchange \(i): \(lines.count) record lines")
        }
    }

    /// The default is the system store, which does not know the test CA: the handshake fails,
    /// nothing reaches the server, and the agent is told why in Anthropic's error format.
    @Test func anUnknownCAIs502SayingTLS() async throws {
        let up = try Self.server("localhost")
        defer { up.stop() }
        let inspector = try Self.inspector(up.url, environment: [:])
        defer { inspector.shutdown() }
        let clock = ContinuousClock()
        let started = clock.now
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        // Not after AHC's connection retries ran out the 30 s connect timeout (alone this takes
        // well under a second; a loaded 2-core run of the whole suite has taken 11 s).
        #expect(clock.now - started < .seconds(25))
        #expect(got.status == 502)
        #expect(got.json["type"] as? String == "error")
        #expect(Self.message(got) == "veil: TLS with upstream localhost:\(up.port) failed: CERTIFICATE_VERIFY_FAILED "
                + "(checked against the system trust store: its CA is not there, or it is out of date)")
        #expect(up.seen.isEmpty)
    }

    /// The host's bundle, without the CA that signed the upstream's certificate: the message
    /// names the bundle, so the user knows which one to fix, but not a host path (here the
    /// fixtures directory stands for the host's home).
    @Test func aBundleWithoutTheCAIs502NamingIt() async throws {
        let up = try Self.server("localhost")
        defer { up.stop() }
        let bundle = Self.fixture("elsewhere.pem")  // a certificate, but not the CA
        let inspector = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": bundle],
                                           canaries: [Canary(label: "home path", value: Self.fixtures)])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(Self.message(got) == "veil: TLS with upstream localhost:\(up.port) failed: CERTIFICATE_VERIFY_FAILED "
                + "(checked against SSL_CERT_FILE=‹home path›/elsewhere.pem: its CA is not there, or it is out of date)")
        #expect(up.seen.isEmpty)
    }

    /// A bundle that looks like PEM but does not load fails inside the connection attempt;
    /// the agent still hears it was TLS, with BoringSSL's reason, not "unreachable".
    @Test func aBundleThatDoesNotLoadIs502SayingTLS() async throws {
        let bundle = tempPath("broken.pem")
        try "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
            .write(toFile: bundle, atomically: true, encoding: .utf8)
        defer { unlink(bundle) }
        let up = try Self.server("localhost")
        defer { up.stop() }
        let inspector = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": bundle])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(Self.message(got) == "veil: TLS with upstream localhost:\(up.port) failed: DECODE_ERROR "
                + "(reading SSL_CERT_FILE=\(bundle)) (connecting to 127.0.0.1:\(up.port))")
        #expect(up.seen.isEmpty)
    }

    /// A certificate from a trusted CA, but for another name (NIOSSL checks the name after
    /// the chain and says so itself).
    @Test func aCertificateForAnotherNameIs502() async throws {
        let up = try Self.server("elsewhere")
        defer { up.stop() }
        let inspector = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": Self.fixture("ca.pem")])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/chat/completions", body: openAIBody)
        #expect(got.status == 502)
        let message = Self.message(got)
        #expect(message.hasPrefix("veil: TLS with upstream localhost:\(up.port) failed: "), "\(message)")
        #expect(message.contains("failedToValidateHostname"), "\(message)")
        #expect(up.seen.isEmpty)
    }

    /// A trust setting that names nothing refuses https (never a fallback to a store the host
    /// did not choose) and leaves plain-http upstreams alone.
    @Test func aMissingCertFileRefusesHttpsOnly() async throws {
        let missing = tempPath("no-such-bundle.pem")
        let up = try Self.server("localhost")
        defer { up.stop() }
        let https = try Self.inspector(up.url, environment: ["SSL_CERT_FILE": missing])
        defer { https.shutdown() }
        let got = try await request(https.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(Self.message(got) == "veil: no https upstream can be verified: the host's SSL_CERT_FILE=\(missing) is not a readable file")
        #expect(up.seen.isEmpty)

        let plain = try TestUpstream()
        defer { plain.stop() }
        let http = try Self.inspector(plain.url, environment: ["SSL_CERT_FILE": missing])
        defer { http.shutdown() }
        #expect(try await request(http.port, "/v1/messages", body: anthropicBody).status == 200)
    }

    /// Through the host's HTTPS_PROXY (a corporate proxy): a CONNECT tunnel with the proxy's
    /// credentials, TLS inside it end to end with the upstream, verified as above.
    @Test func throughTheHostsProxy() async throws {
        let up = try Self.server("localhost")
        defer { up.stop() }
        let proxy = try TunnelProxy()
        defer { proxy.stop() }
        let inspector = try Self.inspector(up.url, environment: [
            "HTTPS_PROXY": "http://alice:s3cret@127.0.0.1:\(proxy.port)", "SSL_CERT_FILE": Self.fixture("ca.pem"),
        ])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 200)
        #expect(up.seen.map(\.head.uri) == ["/v1/messages"])
        let head = try #require(proxy.heads.first)
        #expect(head.hasPrefix("connect localhost:\(up.port) http/1.1"), "\(head)")
        #expect(head.contains("proxy-authorization: basic \(Data("alice:s3cret".utf8).base64EncodedString().lowercased())"), "\(head)")
    }

    /// The host's proxy is down: the agent hears the upstream was unreachable, and where
    /// veil tried to connect (the proxy), not a wrapped list of connection errors.
    @Test func aDeadHostProxyIs502NamingIt() async throws {
        let dead = try TestUpstream()
        let port = dead.port
        dead.stop()
        let inspector = try Self.inspector("https://localhost:9", environment: ["HTTPS_PROXY": "http://127.0.0.1:\(port)"])
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(got.status == 502)
        #expect(Self.message(got) == "veil: upstream localhost:9 is unreachable: connection refused (connecting to 127.0.0.1:\(port))")
    }

    /// NO_PROXY names the upstream: it is reached directly, and the proxy sees nothing.
    @Test func noProxyBypassesTheHostsProxy() async throws {
        let up = try Self.server("localhost")
        defer { up.stop() }
        let proxy = try TunnelProxy()
        defer { proxy.stop() }
        let inspector = try Self.inspector(up.url, environment: [
            "https_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": "example.com,localhost",
            "SSL_CERT_FILE": Self.fixture("ca.pem"),
        ])
        defer { inspector.shutdown() }
        #expect(try await request(inspector.port, "/v1/messages", body: anthropicBody).status == 200)
        #expect(up.seen.count == 1)
        #expect(proxy.heads.isEmpty)
    }

    /// The warning at start: only where an https upstream will be refused.
    @Test func aTrustProblemIsAWarningOnlyForHttpsUpstreams() throws {
        let bad = ["SSL_CERT_FILE": "/nonexistent/ca.pem"]
        /// Started and stopped at once: the warning is what it read at start.
        func started(_ upstream: Upstream, _ env: [String: String]) throws -> Inspector {
            let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
                routes: [Route(api: .unknown, upstream: upstream)], hostEnvironment: env))
            inspector.shutdown()
            return inspector
        }
        #expect(try started(.url("https://api.example"), bad).trustWarning
                == "veil: the host's SSL_CERT_FILE=/nonexistent/ca.pem is not a readable file: https upstreams are refused")
        #expect(try started(.url("http://127.0.0.1:9"), bad).trustWarning == nil)
        #expect(try started(.stub, bad).trustWarning == nil)
        #expect(try started(.url("https://api.example"), ["SSL_CERT_FILE": Self.fixture("ca.pem")]).trustWarning == nil)
    }

    /// A host proxy variable veil cannot read is said at start, by name and never by value
    /// (it may hold a password); a readable one, or none, says nothing.
    @Test func anUnreadableProxyVariableIsAWarningAtStart() throws {
        func warnings(_ env: [String: String]) throws -> [String] {
            let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
                routes: [Route(api: .unknown, upstream: .url("https://api.example"))], hostEnvironment: env))
            inspector.shutdown()
            return inspector.startWarnings
        }
        let bad = try warnings(["https_proxy": "http://user:s3cret@proxy.corp:99999"])
        #expect(bad.count == 1)
        #expect(bad.first?.contains("https_proxy is not a proxy URL veil can read") == true, "\(bad)")
        #expect(bad.allSatisfy { !$0.contains("s3cret") && !$0.contains("proxy.corp") })
        // ALL_PROXY stands for both schemes: named once.
        #expect(try warnings(["ALL_PROXY": "socks5://proxy.corp:1080"]).first?.contains("the host's ALL_PROXY is not") == true)
        #expect(try warnings(["HTTPS_PROXY": "http://proxy.corp:3128"]).isEmpty)
        #expect(try warnings([:]).isEmpty)
    }

    @Test func trustSettingsAreReadFromTheHostEnvironment() {
        #expect(UpstreamTrust(environment: [:]).tlsConfiguration == nil)
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": ""]).source == "the system trust store")
        let file = UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixture("ca.pem")])
        #expect(file.problem == nil && file.tlsConfiguration?.trustRoots == .file(Self.fixture("ca.pem")))
        let both = UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixture("ca.pem"), "SSL_CERT_DIR": Self.fixtures])
        #expect(both.source == "SSL_CERT_FILE=\(Self.fixture("ca.pem")) and SSL_CERT_DIR=\(Self.fixtures)")
        // A file that is not PEM (a key is PEM, but no certificate).
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixture("ca.hash")]).problem
                == "the host's SSL_CERT_FILE=\(Self.fixture("ca.hash")) holds no PEM certificate")
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixture("localhost.key")]).problem != nil)
        // A device is no bundle (reading /dev/zero would never end).
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": "/dev/zero"]).problem
                == "the host's SSL_CERT_FILE=/dev/zero is not a readable file")
        // A directory where a file belongs, and the reverse.
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixtures]).problem != nil)
        #expect(UpstreamTrust(environment: ["SSL_CERT_DIR": Self.fixture("ca.pem")]).problem
                == "the host's SSL_CERT_DIR=\(Self.fixture("ca.pem")) is not a directory")
    }
}
