import Foundation
import NIOSSL
import Testing
@testable import VeilProxy

/// Every combination of the host's SSL_CERT_FILE and SSL_CERT_DIR, each through a real TLS
/// handshake with a loopback upstream whose certificate the throwaway test CA signed
/// (Tests/fixtures/tls). OpenSSL and curl trust the file and the directory together when both
/// are set; so must veil, which once failed every handshake then (failedToLoadCertificate).
@Suite("upstream trust settings") struct TrustSettingsTests {
    typealias TLS = TLSUpstreamTests
    static let caHash = (try? String(contentsOfFile: TLS.fixture("ca.hash"), encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "missing-ca.hash"
    /// Debian's and Ubuntu's system store, which this machine's own environment names.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"
    static let systemDirectory = "/etc/ssl/certs"
    static let hasSystemStore = FileManager.default.fileExists(atPath: systemBundle)

    /// One agent request through an inspector verifying against `environment`.
    static func exchange(_ environment: [String: String]) async throws -> (got: Got, reached: Bool) {
        let up = try TLS.server("localhost")
        defer { up.stop() }
        let inspector = try TLS.inspector(up.url, environment: environment)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        return (got, !up.seen.isEmpty)
    }

    /// The upstream was reached through a verified handshake.
    static func expectVerified(_ environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation)
        async throws {
        let (got, reached) = try await exchange(environment)
        #expect(got.status == 200, "\(TLS.message(got))", sourceLocation: sourceLocation)
        #expect(reached, sourceLocation: sourceLocation)
    }

    /// The store loaded, but the test CA is not in it: a failed verification, never a failed
    /// load, and nothing reached the upstream.
    static func expectRefused(_ environment: [String: String], checkedAgainst source: String,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (got, reached) = try await exchange(environment)
        #expect(got.status == 502, sourceLocation: sourceLocation)
        #expect(TLS.message(got).hasSuffix("failed: CERTIFICATE_VERIFY_FAILED (checked against \(source): "
                                           + "its CA is not there, or it is out of date)"),
                "\(TLS.message(got))", sourceLocation: sourceLocation)
        #expect(!reached, sourceLocation: sourceLocation)
    }

    @Test func neitherIsTheSystemStore() async throws {
        // The system store loads (else the reason would be a load error) and knows no test CA.
        try await Self.expectRefused([:], checkedAgainst: "the system trust store")
    }

    @Test func fileAlone() async throws {
        try await Self.expectVerified(["SSL_CERT_FILE": TLS.fixture("ca.pem")])
    }

    @Test func directoryAlone() async throws {
        let dir = try CertDirectory(copies: ["\(Self.caHash).0": "ca.pem"])
        defer { dir.remove() }
        try await Self.expectVerified(["SSL_CERT_DIR": dir.path])
    }

    /// As `c_rehash` (and `openssl rehash`) leave a directory: the certificate under its own
    /// name, and the hash name a relative symbolic link to it.
    @Test func directoryOfHashedLinks() async throws {
        let dir = try CertDirectory(copies: ["veil-test-ca.pem": "ca.pem"],
                                    links: ["\(Self.caHash).0": "veil-test-ca.pem"])
        defer { dir.remove() }
        try await Self.expectVerified(["SSL_CERT_DIR": dir.path])
    }

    /// OpenSSL looks a CA up in the directory by its hash name only, and so does veil: a
    /// directory holding it under another name does not trust it.
    @Test func aDirectoryWithoutTheHashNameIsNotTrusted() async throws {
        let dir = try CertDirectory(copies: ["veil-test-ca.pem": "ca.pem"])
        defer { dir.remove() }
        try await Self.expectRefused(["SSL_CERT_DIR": dir.path], checkedAgainst: "SSL_CERT_DIR=\(dir.path)")
    }

    /// The CA in the file; the directory (set too) does not have it.
    @Test func bothWithTheCAInTheFile() async throws {
        let dir = try CertDirectory()
        defer { dir.remove() }
        try await Self.expectVerified(["SSL_CERT_FILE": TLS.fixture("ca.pem"), "SSL_CERT_DIR": dir.path])
    }

    /// The CA in the directory, as hashed links; the file (set too) holds another certificate.
    @Test func bothWithTheCAInTheDirectory() async throws {
        let dir = try CertDirectory(copies: ["veil-test-ca.pem": "ca.pem"],
                                    links: ["\(Self.caHash).0": "veil-test-ca.pem"])
        defer { dir.remove() }
        try await Self.expectVerified(["SSL_CERT_FILE": TLS.fixture("elsewhere.pem"), "SSL_CERT_DIR": dir.path])
    }

    /// The same CA in both: loaded twice into one store, which must not be an error.
    @Test func bothWithTheCAInEach() async throws {
        let dir = try CertDirectory(copies: ["\(Self.caHash).0": "ca.pem"])
        defer { dir.remove() }
        try await Self.expectVerified(["SSL_CERT_FILE": TLS.fixture("ca.pem"), "SSL_CERT_DIR": dir.path])
    }

    /// Both set, the CA in neither: refused, and the message names both.
    @Test func bothWithTheCAInNeither() async throws {
        let dir = try CertDirectory(copies: ["veil-test-ca.pem": "ca.pem"])
        defer { dir.remove() }
        let file = TLS.fixture("elsewhere.pem")
        try await Self.expectRefused(["SSL_CERT_FILE": file, "SSL_CERT_DIR": dir.path],
                                     checkedAgainst: "SSL_CERT_FILE=\(file) and SSL_CERT_DIR=\(dir.path)")
    }

    /// The host's own settings (SSL_CERT_FILE and SSL_CERT_DIR both naming the system store),
    /// which once refused every https upstream: they load, and verify what they hold.
    @Test(.enabled(if: TrustSettingsTests.hasSystemStore, "no \(TrustSettingsTests.systemBundle) on this host"))
    func theSystemStoreNamedByBoth() async throws {
        try await Self.expectRefused(["SSL_CERT_FILE": Self.systemBundle, "SSL_CERT_DIR": Self.systemDirectory],
                                     checkedAgainst: "SSL_CERT_FILE=\(Self.systemBundle) and SSL_CERT_DIR=\(Self.systemDirectory)")
    }

    /// A private CA in SSL_CERT_FILE on a host whose SSL_CERT_DIR is the system directory,
    /// and the reverse: each verifies through the part that holds the CA.
    @Test(.enabled(if: TrustSettingsTests.hasSystemStore, "no \(TrustSettingsTests.systemBundle) on this host"))
    func aPrivateCAAlongsideTheSystemStore() async throws {
        try await Self.expectVerified(["SSL_CERT_FILE": TLS.fixture("ca.pem"), "SSL_CERT_DIR": Self.systemDirectory])
        let dir = try CertDirectory(copies: ["\(Self.caHash).0": "ca.pem"])
        defer { dir.remove() }
        try await Self.expectVerified(["SSL_CERT_FILE": Self.systemBundle, "SSL_CERT_DIR": dir.path])
    }

    /// BoringSSL's stack for a bundle that does not load: the reason, then the libraries it
    /// passed through, which are no reasons.
    @Test func aStoreThatDoesNotLoadIsNamedByItsReasonOnly() {
        let text = "unknownError([Error: 201326701 error:0c00006d:ASN.1 encoding routines:OPENSSL_internal:DECODE_ERROR "
            + "at x_x509.cc:190, Error: 150994956 error:0900000c:PEM routines:OPENSSL_internal:ASN.1 encoding routines "
            + "at pem_info.cc:221, Error: 184549385 error:0b000009:X.509 certificate routines:OPENSSL_internal:PEM routines "
            + "at by_file.cc:196])"
        let trust = UpstreamTrust(environment: ["SSL_CERT_FILE": TLS.fixture("ca.pem")])
        #expect(UpstreamFailure.tlsReason(text, trust: trust) == "DECODE_ERROR (reading SSL_CERT_FILE=\(TLS.fixture("ca.pem")))")
    }

    /// The configuration itself: the directory goes where NIOSSL accepts a directory.
    @Test func bothMakeTheDirectoryTheRootsAndTheFileAnAddition() throws {
        let both = UpstreamTrust(environment: ["SSL_CERT_FILE": TLS.fixture("ca.pem"), "SSL_CERT_DIR": TLS.fixtures])
        let tls = try #require(both.tlsConfiguration)
        #expect(tls.trustRoots == .file(TLS.fixtures))
        #expect(tls.additionalTrustRoots == [.file(TLS.fixture("ca.pem"))])
        // NIOSSL loads it all when the context is made, where the old order failed.
        _ = try NIOSSLContext(configuration: tls)
    }
}

/// A temporary certificate directory: fixture files copied under the given names, and
/// symbolic links (name -> target, relative, as c_rehash makes them).
struct CertDirectory {
    let path = tempPath("certs")

    init(copies: [String: String] = [:], links: [String: String] = [:]) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, fixture) in copies {
            try fm.copyItem(atPath: TLSUpstreamTests.fixture(fixture), toPath: "\(path)/\(name)")
        }
        for (name, target) in links {
            try fm.createSymbolicLink(atPath: "\(path)/\(name)", withDestinationPath: target)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
