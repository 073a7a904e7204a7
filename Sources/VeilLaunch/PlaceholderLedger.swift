import VeilSandbox

/// A profile's key stand-ins, kept stable across its runs: agents store the key they were given
/// (Codex in `~/.codex/auth.json`, Claude Code approves a key by its last characters), and the
/// profile's home persists, so a placeholder that changed every run would be sent stale later
/// or asked about again. Placeholders are made from a seed veil keeps beside the profile's home
/// (never inside it), and every one ever issued stays restorable: the inspector swaps any of
/// them for the key the host sets now. A placeholder is worthless outside veil either way.
///
/// The file: `seed <hex>` then one `VARIABLE<TAB>placeholder` line per placeholder issued.
public struct PlaceholderLedger: Sendable, Equatable {
    public static let file = "placeholders"
    /// Placeholders kept per variable (the oldest go first).
    static let keep = 16

    public var seed: [UInt64]
    public var issued: [(variable: String, placeholder: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.seed == b.seed && a.issued.map { $0.variable + "\t" + $0.placeholder } == b.issued.map { $0.variable + "\t" + $0.placeholder }
    }

    /// nil: no ledger, or one that does not parse (a fresh seed is made then).
    public static func parse(_ text: String) -> PlaceholderLedger? {
        var lines = text.split(separator: "\n")
        guard let first = lines.first, first.hasPrefix("seed "), case let hex = first.dropFirst(5), hex.count == 64 else {
            return nil
        }
        var seed: [UInt64] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let next = hex.index(i, offsetBy: 16)
            guard let word = UInt64(hex[i..<next], radix: 16) else { return nil }
            seed.append(word)
            i = next
        }
        lines.removeFirst()
        let issued = lines.compactMap { line -> (String, String)? in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        return PlaceholderLedger(seed: seed, issued: issued)
    }

    public static func fresh() -> PlaceholderLedger {
        var rng = SystemRandomNumberGenerator()
        return PlaceholderLedger(seed: (0..<4).map { _ in rng.next() }, issued: [])
    }

    public func render() -> String {
        let hex = seed.map { w in
            let s = String(w, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
        return "seed \(hex)\n" + issued.map { "\($0.variable)\t\($0.placeholder)\n" }.joined()
    }

    /// Notes this run's placeholders; true when the ledger changed.
    public mutating func note(_ current: [String: String]) -> Bool {
        var changed = false
        for (variable, placeholder) in current.sorted(by: { $0.key < $1.key })
        where !issued.contains(where: { $0.variable == variable && $0.placeholder == placeholder }) {
            issued.append((variable, placeholder))
            let mine = issued.indices.filter { issued[$0].variable == variable }
            if mine.count > Self.keep { issued.remove(at: mine[0]) }
            changed = true
        }
        return changed
    }

    /// What else each variable's agent may still send: the placeholders of earlier runs.
    public func earlier(than current: [String: String]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (variable, placeholder) in issued where current[variable] != nil && current[variable] != placeholder {
            out[variable, default: []].append(placeholder)
        }
        return out
    }

    /// The profile's ledger, made and saved when absent or changed.
    public static func load(_ state: StateDirs, profile: String) -> PlaceholderLedger {
        state.read(file, profile: profile).flatMap(parse) ?? fresh()
    }
}
