import VeilProfile

/// Per-run stand-ins for API keys: the agent only ever holds a placeholder, and the inspector
/// puts the real key back on the way upstream, so a compromised tool inside cannot exfiltrate
/// the key.
public enum Placeholder {
    /// Prefixes that SDKs and agents check before sending (they reject keys of the wrong shape).
    static let knownPrefixes = ["sk-ant-api03-", "sk-ant-oat01-", "sk-ant-admin01-", "sk-proj-",
                                "sk-svcacct-", "sk-or-v1-", "sk-", "AIza", "gsk_", "xai-"]

    /// One placeholder per variable that is set (non-empty) on the host.
    public static func make(variables: [String], hostEnvironment: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        var rng = SystemRandomNumberGenerator()
        for name in variables {
            guard let real = hostEnvironment[name], !real.isEmpty else { continue }
            var placeholder = make(for: real, using: &rng)
            while placeholder == real { placeholder = make(for: real, using: &rng) }
            out[name] = placeholder
        }
        return out
    }

    /// Under `--upstream stub` no key is needed, but the vendors' SDKs refuse to send a request
    /// without one (the anthropic SDK: "Could not resolve authentication method"). So each API
    /// for which the host sets none of the profile's keys gets one fixed stand-in, in the first
    /// of its variables the profile lists: only one, since Claude Code warns when both a key and
    /// a token are set, and google-genai when both GEMINI_API_KEY and GOOGLE_API_KEY are. It
    /// stands for no real key, so the inspector has nothing to restore.
    public static func stubKeys(variables: [String], hostEnvironment: [String: String]) -> [String: String] {
        func isSet(_ name: String) -> Bool { !(hostEnvironment[name] ?? "").isEmpty }
        var covered = Set(variables.filter(isSet).compactMap { APIFamily(variable: $0) })
        var out: [String: String] = [:]
        for name in variables where !isSet(name) {
            let family = APIFamily(variable: name)
            if let f = family, !covered.insert(f).inserted { continue }
            out[name] = stubKey(for: family)
        }
        return out
    }

    /// Shaped like the vendor's keys (see `knownPrefixes`), and saying what it is.
    static func stubKey(for family: APIFamily?) -> String {
        switch family {
        case .anthropic?: return "sk-ant-api03-veil-stub-key"
        case .openai?: return "sk-veil-stub-key"
        case .gemini?: return "AIza-veil-stub-key"
        case nil: return "veil-stub-key"
        }
    }

    /// Keeps the visible prefix and, after it, each character's class (digit, lower, upper,
    /// punctuation kept as is) so that format checks on the placeholder pass as on the key.
    static func make<R: RandomNumberGenerator>(for real: String, using rng: inout R) -> String {
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

    public static func visiblePrefix(of real: String) -> String {
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
