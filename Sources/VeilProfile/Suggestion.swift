/// "Did you mean …": the closest of `candidates` to a mistyped word, when one is close enough
/// to be a plausible typo (the same edit distance rule as profile keys).
public enum Suggestion {
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let best = candidates.map { ($0, ProfileSchema.editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 > 0, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }
}
