import VeilScan

// Why a difference exists, in order of evidence: a canary (a host fact, or in probe the decoy
// value, on one side only) beats a covert character, which beats a format drift; what none
// explains is `unexplained` — still a difference, and still counted.

public struct Attributor: Sendable {
    /// A canary and how it matches: anywhere, or only as a whole word or path (CompareCanaries).
    struct Entry: Sendable {
        var canary: Canary
        var wholeWord: Bool
    }

    var entries: [Entry]
    public var canaries: [Canary] { entries.map(\.canary) }
    /// Names of the two sides in details ("host"/"veil", "baseline"/"variation").
    public var sideNames: (String, String)

    /// `canaries` match anywhere and need 3 scalars; `wholeWord` ones match at any length, but
    /// only as a whole word, or for a path a whole path.
    public init(canaries: [Canary], wholeWord: [Canary] = [], sideNames: (String, String) = ("host", "veil")) {
        // Longest first: "/home/alice/project" is a better explanation than "alice".
        let all = canaries.filter { $0.value.unicodeScalars.count >= 3 }.map { Entry(canary: $0, wholeWord: false) }
            + wholeWord.filter { !$0.value.isEmpty }.map { Entry(canary: $0, wholeWord: true) }
        self.entries = all.enumerated().sorted {
            let (a, b) = ($0.element.canary.value.unicodeScalars.count, $1.element.canary.value.unicodeScalars.count)
            return a != b ? a > b : $0.offset < $1.offset
        }.map(\.element)
        self.sideNames = sideNames
    }

    /// Attributes one text change.
    public func classify(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], _ h: TextHunk) -> (DifferenceKind, String) {
        if let c = canary(in: a, overlapping: h.left) { return (.canary, "\(c.label) \"\(visible(c.value))\" on the \(sideNames.0) side") }
        if let c = canary(in: b, overlapping: h.right) { return (.canary, "\(c.label) \"\(visible(c.value))\" on the \(sideNames.1) side") }
        let ca = Array(a[h.left]), cb = Array(b[h.right])
        if Attributor.isCovertChange(ca, cb) { return (.covertChar, Attributor.describe(ca) + " → " + Attributor.describe(cb)) }
        let fa = Attributor.field(a, h.left), fb = Attributor.field(b, h.right)
        if Attributor.sameDigits(fa, fb) {
            let what = Attributor.looksLikeDate(fa) || Attributor.looksLikeDate(fb) ? "date written differently" : "number format"
            return (.format, "\(what): \(Attributor.core(fa)) → \(Attributor.core(fb))")
        }
        if Attributor.looksLikeDate(fa), Attributor.looksLikeDate(fb), Attributor.shape(fa) == Attributor.shape(fb) {
            // Same format, another day: typically a local date, i.e. the time zone showing through.
            return (.unexplained, "another date in the same format (a local date depends on the time zone)")
        }
        return (.unexplained, "")
    }

    /// A field without the punctuation around it (`2026/07/01.` → `2026/07/01`), visible.
    static func core(_ s: [Unicode.Scalar]) -> String {
        var lo = 0, hi = s.count
        while lo < hi, !TextDiff.isWord(s[lo]) { lo += 1 }
        while hi > lo, !TextDiff.isWord(s[hi - 1]) { hi -= 1 }
        return visible(String(String.UnicodeScalarView(s[lo ..< hi])))
    }

    static func shape(_ s: [Unicode.Scalar]) -> String {
        String(String.UnicodeScalarView(s.map { $0.properties.numericType == .decimal ? "9" : $0 }))
    }

    /// Attributes a whole value present on one side only (or of another type).
    public func classifyWhole(_ a: String, _ b: String) -> (DifferenceKind, String) {
        let sa = Array(a.unicodeScalars), sb = Array(b.unicodeScalars)
        return classify(sa, sb, TextHunk(left: 0 ..< sa.count, right: 0 ..< sb.count))
    }

    /// The first canary (longest first) with an occurrence that overlaps the changed range
    /// (for an empty range: one that spans its position), case-insensitively.
    func canary(in s: [Unicode.Scalar], overlapping r: Range<Int>) -> Canary? {
        guard !s.isEmpty else { return nil }
        let lower = s.map(Attributor.fold)
        for e in entries {
            let needle = e.canary.value.unicodeScalars.map(Attributor.fold)
            guard needle.count <= lower.count else { continue }
            var i = 0
            while i + needle.count <= lower.count {
                if lower[i] == needle[0], Array(lower[i ..< i + needle.count]) == needle {
                    let occ = i ..< i + needle.count
                    let here = r.isEmpty ? (occ.lowerBound < r.lowerBound && r.lowerBound < occ.upperBound) : occ.overlaps(r)
                    if here, !e.wholeWord || Attributor.isWhole(s, occ) { return e.canary }
                }
                i += 1
            }
        }
        return nil
    }

    /// The occurrence is a whole word (no letter or digit glued on either side) or, for a value
    /// that starts with `/` or `~`, a whole path: nothing path-like before it (`/srv/root` does
    /// not hold `/root`) and a segment end after it (`/root/src` does, `/rootfs` and `/root.bak` do not).
    static func isWhole(_ s: [Unicode.Scalar], _ occ: Range<Int>) -> Bool {
        let first = s[occ.lowerBound], last = s[occ.upperBound - 1]
        let before: Unicode.Scalar? = occ.lowerBound > 0 ? s[occ.lowerBound - 1] : nil
        let after: Unicode.Scalar? = occ.upperBound < s.count ? s[occ.upperBound] : nil
        if first == "/" || first == "~" {
            if let b = before, TextDiff.isWord(b) || "/.-~".unicodeScalars.contains(b) { return false }
            guard let a = after, last != "/" else { return true }
            if a == "/" { return true }
            let next: Unicode.Scalar? = occ.upperBound + 1 < s.count ? s[occ.upperBound + 1] : nil
            return !TextDiff.isWord(a) && a != "-" && !(a == "." && next.map(TextDiff.isWord) == true)
        }
        if TextDiff.isWord(first), let b = before, TextDiff.isWord(b) { return false }
        if TextDiff.isWord(last), let a = after, TextDiff.isWord(a) { return false }
        return true
    }

    static func fold(_ u: Unicode.Scalar) -> UInt32 {
        (u.value >= 0x41 && u.value <= 0x5A) ? u.value | 0x20 : u.value
    }

    /// A covert-channel change: an invisible or unusual-space character on either side, or a
    /// short change (≤ 8 scalars) whose non-ASCII scalars are all look-alike classes
    /// (punctuation, modifier letters and symbols, math symbols, Greek/Cyrillic letters).
    static func isCovertChange(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Bool {
        let all = a + b
        if all.contains(where: isInvisible) { return true }
        let nonASCII = all.filter { $0.value >= 0x80 }
        guard !nonASCII.isEmpty, a.count <= 8, b.count <= 8 else { return false }
        return nonASCII.allSatisfy(isLookalikeClass)
    }

    static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x80 { return false }
        if (0xFE00 ... 0xFE0F).contains(v) || (0xE0000 ... 0xE01EF).contains(v) { return true }
        switch u.properties.generalCategory {
        case .format, .spaceSeparator, .control, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isLookalikeClass(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if (0x0370 ... 0x052F).contains(v) || (0x1D00 ... 0x1DBF).contains(v) { return true }
        switch u.properties.generalCategory {
        case .modifierLetter, .modifierSymbol, .mathSymbol, .connectorPunctuation, .dashPunctuation,
             .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .nonspacingMark, .enclosingMark:
            return true
        default: return false
        }
    }

    static func describe(_ s: [Unicode.Scalar]) -> String {
        if s.isEmpty { return "(nothing)" }
        let names = s.prefix(4).map { describeCodePoint($0.value) }
        return names.joined(separator: " ") + (s.count > 4 ? " …" : "")
    }

    /// The change widened to the surrounding non-space run (at most 40 scalars each way).
    static func field(_ s: [Unicode.Scalar], _ r: Range<Int>) -> [Unicode.Scalar] {
        Array(s[fieldRange(s, r)])
    }

    static func fieldRange(_ s: [Unicode.Scalar], _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo > 0, r.lowerBound - lo < 40, !TextDiff.isSpace(s[lo - 1]) { lo -= 1 }
        while hi < s.count, hi - r.upperBound < 40, !TextDiff.isSpace(s[hi]) { hi += 1 }
        return lo ..< hi
    }

    /// Both fields hold digits, the same digits in the same order, and differ otherwise.
    static func sameDigits(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Bool {
        let da = a.filter { $0.properties.numericType == .decimal }.map { $0.properties.numericValue ?? -1 }
        let db = b.filter { $0.properties.numericType == .decimal }.map { $0.properties.numericValue ?? -1 }
        return da.count >= 2 && da == db && a != b
    }

    /// Four digits, a separator, one or two digits, a separator, one or two digits (or the
    /// day-first and month-first orders).
    static func looksLikeDate(_ s: [Unicode.Scalar]) -> Bool {
        let shape = shape(s)
        return shape.contains("9999") && shape.filter { $0 == "9" }.count >= 6
    }
}
