import Foundation
import NIOHTTP1

/// What never reaches a record: credentials in headers, in the query, and anywhere in the body
/// (both the placeholder and the real value, so a record can be shared).
struct Redaction {
    static let secretHeaders: Set<String> = ["authorization", "x-api-key", "api-key", "x-goog-api-key",
                                             "cookie", "set-cookie", "proxy-authorization"]
    static let secretQueryKeys: Set<String> = ["key", "api-key", "api_key", "apikey", "access_token"]
    static let marker = "[REDACTED]"

    let secrets: [String]

    init(credentials: [CredentialMask.Entry]) {
        // Longest first, so that a real key containing a shorter secret is replaced whole.
        secrets = credentials.flatMap { [$0.placeholder, $0.real] }
            .filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    func headers(_ h: HTTPHeaders) -> [[String]] {
        h.map { name, value in
            Self.secretHeaders.contains(name.lowercased()) ? [name, Self.marker] : [name, text(value)]
        }
    }

    func uri(_ uri: String) -> String {
        guard let q = uri.firstIndex(of: "?") else { return text(uri) }
        let items = uri[uri.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false)
            .map { item -> String in
                let name = item.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                return Self.secretQueryKeys.contains(name.lowercased()) ? "\(name)=\(Self.marker)" : String(item)
            }
        return text(String(uri[..<q]) + "?" + items.joined(separator: "&"))
    }

    func text(_ s: String) -> String {
        var t = s
        for secret in secrets where t.contains(secret) {
            t = t.replacingOccurrences(of: secret, with: Self.marker)
        }
        return t
    }
}
