import Foundation
import NIOSSL

/// Which certificates an https upstream must chain to: the host's own choice, as OpenSSL,
/// curl and Python read it. `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (a hashed
/// directory, `c_rehash` names) replace the system store when set, which is how a corporate
/// or private CA is trusted without touching /etc; otherwise the system store. NIOSSL alone
/// reads neither variable.
public struct UpstreamTrust: Sendable, Equatable {
    public var file: String?
    public var directory: String?
    /// Why the host's setting cannot be used (a path that is not there, a file with no
    /// certificate): https upstreams are then refused with this, never verified against a
    /// store the host did not choose.
    public var problem: String?

    public init(environment env: [String: String]) {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        file = value("SSL_CERT_FILE")
        directory = value("SSL_CERT_DIR")
        if let f = file, !Self.exists(f, directory: false) {
            problem = "the host's SSL_CERT_FILE=\(f) is not a readable file"
        } else if let f = file, !Self.holdsPEMCertificate(f) {
            problem = "the host's SSL_CERT_FILE=\(f) holds no PEM certificate"
        } else if let d = directory, !Self.exists(d, directory: true) {
            problem = "the host's SSL_CERT_DIR=\(d) is not a directory"
        }
    }

    /// Words for error messages: where the certificates an upstream failed against came from.
    public var source: String {
        switch (file, directory) {
        case (nil, nil): return "the system trust store"
        case (let f?, nil): return "SSL_CERT_FILE=\(f)"
        case (nil, let d?): return "SSL_CERT_DIR=\(d)"
        case (let f?, let d?): return "SSL_CERT_FILE=\(f) and SSL_CERT_DIR=\(d)"
        }
    }

    /// A TLS failure as the agent's 502 names it, without the store (the caller names it):
    /// BoringSSL's reason codes, or NIOSSL's own error.
    public func reason(for error: Error) -> String {
        let text = String(describing: error)
        let codes = UpstreamFailure.reasonCodes(text)
        return codes.isEmpty ? text : codes.joined(separator: ", ")
    }

    /// What the inspector's https client verifies with; nil: AsyncHTTPClient's default (full
    /// verification against the system store). Public so that `veil doctor` can try a
    /// handshake with exactly this.
    ///
    /// Both variables set (some hosts set both by default) trust both, as OpenSSL and curl
    /// do. NIOSSL hands `trustRoots` to SSL_CTX_load_verify_locations, which takes a file or a
    /// directory, but reads each additional root as one PEM file, where a directory fails every
    /// handshake with failedToLoadCertificate: so the directory goes first, the file second.
    public var tlsConfiguration: TLSConfiguration? {
        guard problem == nil else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch (file, directory) {
        case (let f?, let d?):
            tls.trustRoots = .file(d)
            tls.additionalTrustRoots = [.file(f)]
        case (let f?, nil):
            tls.trustRoots = .file(f)
        case (nil, let d?):
            tls.trustRoots = .file(d)
        case (nil, nil):
            return nil
        }
        return tls
    }

    /// OpenSSL reads SSL_CERT_FILE as PEM (`-----BEGIN CERTIFICATE-----`, or `TRUSTED
    /// CERTIFICATE`); anything else would fail every handshake with a cryptic loader error.
    private static func holdsPEMCertificate(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return data.range(of: Data("CERTIFICATE-----".utf8)) != nil
    }

    /// A regular file (not a device or a FIFO, which reading could never finish) or a
    /// directory, readable by veil.
    private static func exists(_ path: String, directory: Bool) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == (directory ? S_IFDIR : S_IFREG) && access(path, R_OK) == 0
    }
}

