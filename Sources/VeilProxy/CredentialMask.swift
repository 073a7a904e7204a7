/// Credential masking: the agent only ever holds a per-run placeholder; the inspector puts the
/// real key back on the way upstream, so a compromised tool inside cannot exfiltrate the key.
public enum CredentialMask {
    public struct Entry: Sendable, Equatable {
        public var variable: String
        public var placeholder: String
        public var real: String
        public init(variable: String, placeholder: String, real: String) {
            self.variable = variable
            self.placeholder = placeholder
            self.real = real
        }
    }

    /// Prefixes that SDKs and agents check before sending (they reject keys of the wrong shape).
    static let knownPrefixes = ["sk-ant-api03-", "sk-ant-oat01-", "sk-ant-admin01-", "sk-proj-",
                                "sk-svcacct-", "sk-or-v1-", "sk-", "AIza", "gsk_", "xai-"]

    /// One entry per variable that is set (non-empty) on the host.
    public static func make(variables: [String], hostEnvironment: [String: String]) -> [Entry] {
        var out: [Entry] = []
        for name in variables {
            guard let real = hostEnvironment[name], !real.isEmpty else { continue }
            var rng = SystemRandomNumberGenerator()
            var placeholder = makePlaceholder(for: real, using: &rng)
            while placeholder == real { placeholder = makePlaceholder(for: real, using: &rng) }
            out.append(Entry(variable: name, placeholder: placeholder, real: real))
        }
        return out
    }

    /// Keeps the visible prefix and, after it, each character's class (digit, lower, upper,
    /// punctuation kept as is) so that format checks on the placeholder pass as on the key.
    static func makePlaceholder<R: RandomNumberGenerator>(for real: String, using rng: inout R) -> String {
        let prefix = visiblePrefix(of: real)
        var out = prefix
        let digits = Array("0123456789"), lower = Array("abcdefghijklmnopqrstuvwxyz")
        let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        for c in real.dropFirst(prefix.count) {
            if c.isASCII && c.isNumber { out.append(digits.randomElement(using: &rng)!) }
            else if c.isASCII && c.isLowercase { out.append(lower.randomElement(using: &rng)!) }
            else if c.isASCII && c.isUppercase { out.append(upper.randomElement(using: &rng)!) }
            else if c == "-" || c == "_" || c == "." { out.append(c) }
            else { out.append(lower.randomElement(using: &rng)!) }
        }
        return out
    }

    static func visiblePrefix(of real: String) -> String {
        if let known = knownPrefixes.first(where: { real.hasPrefix($0) && real.count > $0.count + 8 }) {
            return known
        }
        // Unknown vendor: keep up to the last separator within the first 16 characters.
        let head = real.prefix(16)
        if let sep = head.lastIndex(where: { $0 == "-" || $0 == "_" }), real.count > head.count {
            return String(real[...sep])
        }
        return ""
    }
}
