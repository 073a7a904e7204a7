import VeilProfile

/// Stand-ins for API keys: the agent only ever holds a placeholder, and the inspector puts the
/// real key back on the way upstream, so a compromised tool inside cannot exfiltrate the key.
/// With a profile's seed (`PlaceholderLedger`) the same key gets the same placeholder every run.
public enum Placeholder {
    /// Prefixes that SDKs and agents check before sending (they reject keys of the wrong shape).
    static let knownPrefixes = ["sk-ant-api03-", "sk-ant-oat01-", "sk-ant-admin01-", "sk-proj-",
                                "sk-svcacct-", "sk-or-v1-", "sk-", "AIza", "gsk_", "xai-"]

    /// One placeholder per variable that is set (non-empty) on the host; random without a seed.
    public static func make(variables: [String], hostEnvironment: [String: String], seed: [UInt64]? = nil) -> [String: String] {
        var out: [String: String] = [:]
        var system = SystemRandomNumberGenerator()
        for name in variables {
            guard let real = hostEnvironment[name], !real.isEmpty else { continue }
            var seeded = seed.map { SeededGenerator(seed: $0, label: name) }
            func next() -> String { seeded != nil ? make(for: real, using: &seeded!) : make(for: real, using: &system) }
            var placeholder = next()
            while placeholder == real { placeholder = next() }
            out[name] = placeholder
        }
        return out
    }

    /// Under `--upstream stub` no key is needed, but the vendors' SDKs refuse to send a request
    /// without one (the anthropic SDK: "Could not resolve authentication method"). So each API
    /// for which the host sets none of the profile's keys gets one fixed stand-in, in the first
    /// of its variables the profile lists: only one, since Claude Code warns when both a key and
    /// a token are set, and google-genai when both GEMINI_API_KEY and GOOGLE_API_KEY are. It
    /// stands for no real key, so the inspector has nothing to restore. Grouped by vendor, not
    /// by the API's shape: the host's OPENAI_API_KEY covers nothing of kimi-cli's KIMI_API_KEY.
    public static func stubKeys(variables: [String], hostEnvironment: [String: String]) -> [String: String] {
        func isSet(_ name: String) -> Bool { !(hostEnvironment[name] ?? "").isEmpty }
        func vendor(_ name: String) -> String? { APIFamily(variable: name) == nil ? nil : APIFamily.vendor(ofVariable: name) }
        var covered = Set(variables.filter(isSet).compactMap(vendor))
        var out: [String: String] = [:]
        for name in variables where !isSet(name) {
            if let v = vendor(name), !covered.insert(v).inserted { continue }
            out[name] = stubKey(for: APIFamily(variable: name))
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
        // Drawn by hand rather than randomElement: a seeded placeholder must not change with
        // the standard library's way of drawing.
        func pick(_ set: [Character]) -> Character { set[Int(rng.next() % UInt64(set.count))] }
        for c in real.dropFirst(prefix.count) {
            if c.isASCII && c.isNumber { out.append(pick(digits)) }
            else if c.isASCII && c.isLowercase { out.append(pick(lower)) }
            else if c.isASCII && c.isUppercase { out.append(pick(upper)) }
            else if c == "-" || c == "_" || c == "." { out.append(c) }
            else { out.append(pick(lower)) }
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

/// xoshiro256** from a profile's seed and a variable's name: the same stream for the same pair,
/// different ones for different variables. Not for secrets (a placeholder is none).
struct SeededGenerator: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: [UInt64], label: String) {
        // FNV-1a of the label, spread over the four words by splitmix64.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var x = h
        func splitmix() -> UInt64 {
            x &+= 0x9e37_79b9_7f4a_7c15
            var z = x
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let w = seed + [0, 0, 0, 0]
        s = (w[0] ^ splitmix(), w[1] ^ splitmix(), w[2] ^ splitmix(), w[3] ^ splitmix())
        if s == (0, 0, 0, 0) { s.0 = 1 }
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}
