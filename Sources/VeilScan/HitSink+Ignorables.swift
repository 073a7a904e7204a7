// A second look at a text in which an invisible character, a variation selector or a tag was
// found: the same text without them, for canaries and rules only. To a model,
// `Asia/Shang⁠hai` with a word joiner inside is the time zone, so it must block as one; the
// invisible character alone is only reported by default. Rare in real prompts, so the copy
// it takes costs nothing on the common path.

extension HitSink {
    /// `p[0 ..< n]`: the text just scanned, counted from `base` as that scan counted it;
    /// findings from index `since` on are its own (what this look finds again is dropped).
    mutating func lookAgainWithoutIgnorables(_ p: UnsafeRawPointer, _ n: Int, since: Int, _ m: Matcher) {
        ignorableFound = false
        var kept: [UInt8] = []
        kept.reserveCapacity(n)
        var map: [(at: Int, bytes: Int)] = []
        var i = 0, dropped = 0
        while i < n {
            // In raw JSON text a character after a backslash stays: taking it out would turn
            // the next letter into an escape letter (`\` + U+200D + `zh-CN`).
            if Matcher.byte(p, i) >= 0x80, !(rawEscapes && Matcher.isEscapeLetter(p, i)),
               let (cp, len) = HitSink.decode(p, n, i), HitSink.isIgnorable(cp) {
                i += len
                dropped += len
                map.append((kept.count, dropped))
                continue
            }
            kept.append(Matcher.byte(p, i))
            i += 1
        }
        guard dropped > 0 else { return }
        let saved = (textStart, covertResume, wordCheckedUntil, dateResume)
        let before = findings.count
        removed = map
        textStart = 0
        kept.withUnsafeBytes { scanRun($0.baseAddress!, $0.count, m) }
        removed = nil
        (textStart, covertResume, wordCheckedUntil, dateResume) = saved
        var k = before
        while k < findings.count {
            let f = findings[k]
            if findings[since ..< before].contains(where: { $0.kind == f.kind && $0.detail == f.detail }) {
                dropFinding(at: k)
            } else {
                k += 1
            }
        }
    }

    /// A JSON string scanned in place, `p[stringStart ..< end]`.
    mutating func lookAgainInPlace(_ p: UnsafeRawPointer, end: Int, since: Int, _ m: Matcher) {
        base = stringStart
        lookAgainWithoutIgnorables(p + stringStart, end - stringStart, since: since, m)
        base = 0
    }

    static func isIgnorable(_ cp: UInt32) -> Bool {
        switch Covert.classify(cp) {
        case .invisible, .tag, .variationSelector: return true
        default: return false
        }
    }
}
