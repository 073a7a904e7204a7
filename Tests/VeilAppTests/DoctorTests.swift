import Foundation
import Testing
@testable import VeilApp
import VeilProxy

@Suite struct DoctorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/tls").path
    static let verified = " (a loopback TLS handshake verified with it)"

    /// A file under the temporary directory, removed by the caller.
    static func temporary(_ name: String, _ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "veil-doctor-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The host's TLS trust as the inspector will use it, and a setting that names nothing.
    @Test func trustCheckNamesTheStoreOrWhatIsWrong() {
        let system = Doctor.trustCheck(environment: [:])
        #expect(system.ok && system.detail == "the system trust store" + Self.verified, "\(system.detail)")
        let dir = Doctor.trustCheck(environment: ["SSL_CERT_DIR": "/"])
        #expect(dir.ok && dir.detail == "SSL_CERT_DIR=/" + Self.verified, "\(dir.detail)")
        let missing = Doctor.trustCheck(environment: ["SSL_CERT_FILE": "/nonexistent/veil-ca.pem"])
        #expect(!missing.ok)
        #expect(missing.detail == "the host's SSL_CERT_FILE=/nonexistent/veil-ca.pem is not a readable file: https upstreams are refused")
    }

    /// Both variables set, which once failed every https upstream while doctor said ok.
    @Test func bothTrustVariablesHandshake() {
        let file = Self.fixtures + "/ca.pem"
        let both = Doctor.trustCheck(environment: ["SSL_CERT_FILE": file, "SSL_CERT_DIR": Self.fixtures])
        #expect(both.ok, "\(both.detail)")
        #expect(both.detail == "SSL_CERT_FILE=\(file) and SSL_CERT_DIR=\(Self.fixtures)" + Self.verified)
    }

    /// This machine's kind of default: both naming Debian's system store.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt"),
                   "no /etc/ssl/certs/ca-certificates.crt on this host"))
    func theSystemStoreNamedByBothHandshakes() {
        let both = Doctor.trustCheck(environment: ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
                                                   "SSL_CERT_DIR": "/etc/ssl/certs"])
        #expect(both.ok, "\(both.detail)")
    }

    /// A bundle that looks like PEM but does not load: reading the settings cannot tell, the
    /// handshake can.
    @Test func aBundleThatDoesNotLoadFails() throws {
        let bundle = try Self.temporary("garbage.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
        defer { unlink(bundle) }
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": bundle]).problem == nil)
        let alone = Doctor.trustCheck(environment: ["SSL_CERT_FILE": bundle])
        #expect(!alone.ok)
        #expect(alone.detail == "SSL_CERT_FILE=\(bundle) does not load (DECODE_ERROR): every https upstream fails")
        // Loaded as the addition to the directory, NIOSSL's own error.
        let both = Doctor.trustCheck(environment: ["SSL_CERT_FILE": bundle, "SSL_CERT_DIR": Self.fixtures])
        #expect(!both.ok)
        #expect(both.detail == "SSL_CERT_FILE=\(bundle) and SSL_CERT_DIR=\(Self.fixtures) does not load "
                + "(failedToLoadCertificate): every https upstream fails")
    }

    /// The handshake verifies: without its throwaway CA, the same handshake is refused.
    @Test func theHandshakeVerifies() throws {
        let trust = UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixtures + "/ca.pem"])
        #expect(throws: Never.self) { try TrustHandshake.verify(trust) }
        #expect {
            try TrustHandshake.verify(trust, trustingItsCA: false)
        } throws: { error in
            guard case TrustHandshake.Failure.handshake(let why) = error else { return false }
            return why == "CERTIFICATE_VERIFY_FAILED"
        }
    }
}
