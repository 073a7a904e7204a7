import Crypto
import Foundation
import NIOSSL
import X509

/// A certificate authority that lives for one `veil doctor` check: made in memory, never
/// written anywhere, its key gone with the process. It signs one server certificate for
/// `localhost`, so that a loopback handshake can be verified with the host's trust settings
/// plus this CA, as no real CA would sign for a loopback server.
struct ThrowawayCA {
    /// The CA's certificate, to add to a client's trust roots.
    let root: NIOSSLCertificate
    /// The server's certificate (for `localhost`) and its key.
    let serverCertificate: NIOSSLCertificate
    let serverKey: NIOSSLPrivateKey

    init(now: Date = Date()) throws {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("veil doctor throwaway CA") }
        // A few minutes either side: enough for a clock that moves during the check, useless later.
        let from = now - 300, until = now + 600
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: from, notValidAfter: until, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))

        let key = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: from, notValidAfter: until, issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(caKey))

        root = try NIOSSLCertificate(bytes: Array(ca.serializeAsPEM().pemString.utf8), format: .pem)
        serverCertificate = try NIOSSLCertificate(bytes: Array(server.serializeAsPEM().pemString.utf8), format: .pem)
        serverKey = try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
    }
}
