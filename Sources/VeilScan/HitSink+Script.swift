// Mixed-script words, after UTS #39's "single script" restriction: a word that mixes Latin
// with Cyrillic or Greek letters (`pаypal` with U+0430) reads as ASCII and is not. Words
// wholly in one script (Russian prose, Greek formulas) are fine.

extension HitSink {
    /// Longest stretch examined either side of the suspicious letter.
    static let maxWordBytes = 96

    mutating func mixedScript(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) {
        // Walk back to the start of the word.
        var start = pos
        while pos - start < HitSink.maxWordBytes, let prev = HitSink.previous(p, n, start),
              Covert.script(prev.cp) != nil, !(rawEscapes && Matcher.isEscapeLetter(p, prev.start)) {
            start = prev.start
        }
        // Counted first, collected only for a mixed word: Russian prose has a word to check
        // at every Cyrillic letter, and an array per word was most of its scan.
        var latin = 0, greek = 0, cyrillic = 0
        var i = start
        // The letters after `pos` are not visited again: the view's trigger is read here for
        // each (`тсео` holds look-alikes after a first letter that is none), and the visits
        // resume at the first one of another class (a combining Cyrillic letter is a mark).
        var resume: Int? = nil
        while i < n, i - pos < HitSink.maxWordBytes, let d = HitSink.decode(p, n, i), let s = Covert.script(d.cp) {
            switch s {
            case .latin: latin += 1
            case .greek: greek += 1
            case .cyrillic: cyrillic += 1
            case .other: break
            }
            if i > pos, resume == nil {
                let t = d.cp < 0x800 ? m.compiled.traits(d.cp) : CompiledPatterns.traits(of: d.cp)
                if t & CompiledPatterns.changedTrait != 0 { foldFound = true }
                let covertOnly = t & (CompiledPatterns.covertTrait | CompiledPatterns.letterTrait) == CompiledPatterns.covertTrait
                if covertOnly { resume = i }
            }
            i += d.len
        }
        wordCheckedUntil = i
        covertResume = max(covertResume, resume ?? i)
        guard (latin > 0 ? 1 : 0) + (greek > 0 ? 1 : 0) + (cyrillic > 0 ? 1 : 0) >= 2 else { return }
        // Report the letters of the minority script(s): the odd ones out in the word.
        let major: Covert.Script = latin >= greek && latin >= cyrillic ? .latin : (cyrillic >= greek ? .cyrillic : .greek)
        var odd: [(cp: UInt32, at: Int)] = []
        var k = start
        while k < i, let d = HitSink.decode(p, n, k) {
            if let s = Covert.script(d.cp), s != .other, s != major { odd.append((d.cp, k)) }
            k += d.len
        }
        let names = [latin > 0 ? "Latin" : nil, greek > 0 ? "Greek" : nil, cyrillic > 0 ? "Cyrillic" : nil]
            .compactMap { $0 }.joined(separator: "+")
        let word = String(decoding: UnsafeRawBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        let first = odd.first!.at
        add(.mixedScript, p, n, first, i, codePoints: odd.prefix(16).map(\.cp),
            detail: "\(names) word \"\(visible(word))\": " + HitSink.describe(odd.map(\.cp)))
    }
}
