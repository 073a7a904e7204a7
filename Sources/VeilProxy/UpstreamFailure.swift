import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import VeilProfile

/// Why an upstream exchange failed, in veil's own terms (either client raises these); AHC's
/// and NIO's errors are mapped by `describe` too, which is the one place a failure becomes
/// the agent's error (UpstreamClientCall.fail).
enum UpstreamFailure: Error, Equatable {
    /// The connection closed before the response ended.
    case closed
    /// No byte from upstream for longer than the read timeout.
    case readTimeout
    /// The upstream URL cannot be turned into a request.
    case badURL(String)
    /// veil will not try this upstream (no trust store for https, the host's proxy settings
    /// refuse it); the message says why, whole.
    case refused(String)

    /// Errors the agent can act on: which upstream, and whether it was down, slow or TLS.
    /// `trust`: where https certificates were checked against, named when TLS fails.
    static func describe(_ error: Error, url: String, trust: UpstreamTrust? = nil) -> (HTTPResponseStatus, String) {
        let host = AbsoluteURI(url).map { "\($0.authority)" } ?? url
        // A failed connection attempt wraps what failed (refused, a bad trust file): judge that,
        // and say where it connected, which is a host proxy's address when there is one.
        if let e = error as? NIOConnectionError, let failure = e.connectionErrors.last {
            let (status, message) = describe(failure.error, url: url, trust: trust)
            let target = failure.target.ipAddress.map { "\($0):\(failure.target.port ?? 0)" } ?? "\(failure.target)"
            return (status, message + " (connecting to \(target))")
        }
        switch error {
        case UpstreamFailure.closed:
            return (.badGateway, "veil: upstream \(host) closed the connection")
        case UpstreamFailure.readTimeout:
            return (.gatewayTimeout, "veil: upstream \(host) timed out")
        case UpstreamFailure.badURL(let why):
            return (.badGateway, "veil: cannot build the upstream request to \(url): \(why)")
        case UpstreamFailure.refused(let message):
            return (.badGateway, message)
        case ChannelError.connectTimeout(_):
            return (.gatewayTimeout, "veil: upstream \(host) did not accept a connection in time")
        default:
            break
        }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout:
                return (.gatewayTimeout, "veil: upstream \(host) did not accept a connection in time")
            case .readTimeout, .deadlineExceeded:
                return (.gatewayTimeout, "veil: upstream \(host) timed out")
            case .remoteConnectionClosed:
                return (.badGateway, "veil: upstream \(host) closed the connection")
            case .cancelled:
                return (.badGateway, "veil: the upstream request to \(host) was cancelled")
            default:
                break
            }
        }
        if let io = error as? IOError {
            let reason = String(cString: strerror(io.errnoCode)).lowercased()
            return (.badGateway, "veil: upstream \(host) is unreachable: \(reason)")
        }
        if error is NIOConnectionError || error is ChannelError {
            return (.badGateway, "veil: upstream \(host) is unreachable (\(error))")
        }
        let text = String(describing: error)
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
            || text.contains("SSL") || text.contains("TLS") || text.contains("certificate") || text.contains("handshake") {
            return (.badGateway, "veil: TLS with upstream \(host) failed: \(tlsReason(text, trust: trust))")
        }
        return (.badGateway, "veil: upstream \(host) failed: \(text)")
    }

    /// BoringSSL's reason codes (CERTIFICATE_VERIFY_FAILED, WRONG_VERSION_NUMBER, …) out of
    /// its error stack, whose codes, addresses and source paths say nothing to the user.
    static func reasonCodes(_ text: String) -> [String] {
        var reasons: [String] = []
        var rest = Substring(text)
        while let r = rest.range(of: "OPENSSL_internal:") {
            let reason = rest[r.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            // An error passed up from another library names that library where the reason
            // goes ("PEM routines", "ASN.1 encoding routines"): the first reason says it all.
            let after = rest[r.upperBound...].dropFirst(reason.count)
            let library = after.hasPrefix(" routines") || after.hasPrefix(".")
            if !reason.isEmpty && !library && !reasons.contains(String(reason)) { reasons.append(String(reason)) }
            rest = rest[r.upperBound...]
        }
        return reasons
    }

    /// The reason codes; a failed verification also says what the certificate was checked
    /// against, and a store that did not load which one.
    static func tlsReason(_ text: String, trust: UpstreamTrust?) -> String {
        let reasons = reasonCodes(text)
        guard !reasons.isEmpty else { return text }
        var out = reasons.joined(separator: ", ")
        let source = (trust ?? UpstreamTrust(environment: [:])).source
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            out += " (checked against \(source): its CA is not there, or it is out of date)"
        } else if ["PEM routines", "ASN.1", "X.509"].contains(where: text.contains) {
            out += " (reading \(source))"  // the trust store itself did not load
        }
        return out
    }
}
