import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOSSL
import SwiftASN1
import X509

/// The certificate authority of one run: made in memory when the run starts, its key never
/// written anywhere and gone with the inspector process. The sandbox trusts its certificate
/// (and nothing else), so the inspector can terminate the TLS of every CONNECT the profile
/// allows and read what flows, as it reads a plain request.
///
/// Its names say nothing of the host or the user: the same subject on every machine, a random
/// serial. The agent can still tell it is behind an intercepting proxy (the issuer says so);
/// that is a fact about veil, not about the host.
public final class RunCA: Sendable {
    /// The CA certificate, PEM: what the sandbox's trust bundle holds.
    public let certificatePEM: String
    /// The same certificate, for a client's trust roots (tests, doctor).
    public let root: NIOSSLCertificate
    private let caKey: P256.Signing.PrivateKey
    private let caName: DistinguishedName
    private let caKeyID: ArraySlice<UInt8>
    private let notBefore: Date
    private let notAfter: Date
    /// One key for every host's certificate: a key pair per host would cost a key generation
    /// per tunnel for no gain, as every certificate dies with the run.
    private let leafKey: P256.Signing.PrivateKey
    private let leafKeyNIO: NIOSSLPrivateKey
    private let contexts = NIOLockedValueBox<[String: NIOSSLContext]>([:])
    /// Hosts whose context is kept: a `*.suffix` entry lets the agent name endless hosts, and
    /// each must not cost memory for the rest of the run.
    static let cachedHosts = 256
    var cachedCount: Int { contexts.withLockedValue { $0.count } }

    public static let commonName = "veil sandbox CA"

    /// `lifetime`: how long its certificates are valid from now (a run that lasts longer sees
    /// them expire). An hour back covers a clock that moves during the run.
    public init(lifetime: TimeInterval = 30 * 86_400, now: Date = Date()) throws {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("veil")
            CommonName(Self.commonName)
        }
        let notBefore = now - 3600, notAfter = now + lifetime
        let caPublic = Certificate.PublicKey(caKey.publicKey)
        let caKeyID = SubjectKeyIdentifier(hash: caPublic).keyIdentifier
        // Python 3.13's default (VERIFY_X509_STRICT) wants the key identifiers and a critical
        // basicConstraints; rustls wants keyCertSign; both are what a public CA carries.
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublic,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(keyIdentifier: caKeyID)
            },
            issuerPrivateKey: .init(caKey))
        (self.caKey, self.caName, self.caKeyID, self.notBefore, self.notAfter) = (caKey, caName, caKeyID, notBefore, notAfter)
        certificatePEM = try ca.serializeAsPEM().pemString + "\n"
        root = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        leafKey = P256.Signing.PrivateKey()
        leafKeyNIO = try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem)
    }

    /// A certificate for `host` (a name or an IP address), signed by this CA.
    public func certificate(for host: String) throws -> NIOSSLCertificate {
        let name: GeneralName
        if let ip = Self.addressBytes(host) {
            name = .ipAddress(ASN1OctetString(contentBytes: ip[...]))
        } else {
            name = .dnsName(host)
        }
        let leafPublic = Certificate.PublicKey(leafKey.publicKey)
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: leafPublic,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName,
            subject: try DistinguishedName { CommonName(String(host.prefix(64))) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([name])
                AuthorityKeyIdentifier(keyIdentifier: caKeyID)
                SubjectKeyIdentifier(hash: leafPublic)
            },
            issuerPrivateKey: .init(caKey))
        return try NIOSSLCertificate(bytes: Array(leaf.serializeAsPEM().pemString.utf8), format: .pem)
    }

    /// A TLS server context presenting `host`'s certificate, made once per host per run.
    /// HTTP/1.1 only: the inspector reads HTTP/1.1, and clients fall back to it when offered
    /// nothing else.
    public func serverContext(for host: String) throws -> NIOSSLContext {
        let key = host.lowercased()
        if let cached = contexts.withLockedValue({ $0[key] }) { return cached }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try certificate(for: key))], privateKey: .privateKey(leafKeyNIO))
        configuration.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: configuration)
        return contexts.withLockedValue { cache in
            if let raced = cache[key] { return raced }
            if cache.count < Self.cachedHosts { cache[key] = context }
            return context
        }
    }

    /// The bytes of an IPv4 or IPv6 literal (brackets allowed), nil for a name.
    static func addressBytes(_ host: String) -> [UInt8]? {
        let h = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var v4 = in_addr()
        if inet_pton(AF_INET, h, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, h, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
