/// How much a finding of the inspector matters, lowest first. A gate (`--fail-on LEVEL`)
/// fails a run on any finding at or above its level; `marker` is the default gate.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    /// Curly quotes and dashes in a word the agent writes itself: a word of its profile's
    /// `own_typography`, learned from its neutral prompt (`veil probe` lists them). The
    /// same character elsewhere (an apostrophe swapped into a word the agent writes in
    /// ASCII: the 2026 incident's marker) is a `marker`.
    case typography
    /// Found and forwarded: it may mark the host or carry data.
    case marker
    /// Found and blocked: the request never left.
    case block

    /// The typography people and agents write every day: curly quotes, en and em dashes.
    /// Only these can be an agent's own (`own_typography`); a modifier letter apostrophe
    /// (U+02BC) or prime (U+02B9) in a word is always a marker.
    public static func isTypography(_ c: UInt32) -> Bool {
        c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D || c == 0x2013 || c == 0x2014
    }

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
