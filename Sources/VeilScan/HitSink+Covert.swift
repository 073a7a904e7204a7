import VeilProfile

// Covert-channel characters in context. The class of a code point comes from Covert.swift;
// whether it is a finding depends on its neighbours: U+FE0F after an emoji is presentation,
// U+2019 between two letters is inside a word, a Cyrillic letter is only suspicious in a
// word that also has Latin letters.

extension HitSink {
    /// UTF-8 scalar at `i`, or nil when the bytes there are not valid UTF-8.
    static func decode(_ p: UnsafeRawPointer, _ n: Int, _ i: Int) -> (cp: UInt32, len: Int)? {
        let b0 = UInt32(Matcher.byte(p, i))
        if b0 < 0x80 { return (b0, 1) }
        let len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0
        guard len > 0, b0 < 0xF5, i + len <= n else { return nil }
        var cp = b0 & (0x7F >> UInt32(len))
        for k in 1 ..< len {
            let b = UInt32(Matcher.byte(p, i + k))
            guard b & 0xC0 == 0x80 else { return nil }
            cp = cp << 6 | (b & 0x3F)
        }
        return (cp, len)
    }

    /// The scalar ending just before `i` (and where it starts).
    static func previous(_ p: UnsafeRawPointer, _ n: Int, _ i: Int) -> (cp: UInt32, start: Int)? {
        var s = i - 1
        while s >= 0, i - s <= 4, Matcher.byte(p, s) & 0xC0 == 0x80 { s -= 1 }
        guard s >= 0, let d = decode(p, n, s), s + d.len == i else { return nil }
        return (d.cp, s)
    }

    mutating func covert(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) {
        guard let (cp, len) = HitSink.decode(p, n, pos) else { return }
        covertResume = pos + len
        if Fold.changes(cp) { foldFound = true }
        switch Covert.classify(cp) {
        case .none: return
        case .control: control(p, n, pos, len, cp)
        case .privateUse: addCharacter(.privateUse, p, n, pos, pos + len, cp)
        case .mark: markRun(p, n, pos)
        case .invisible:
            if cp == 0xFEFF && pos == textStart { return }  // a byte-order mark at the start is harmless
            if cp == 0x200D && isEmojiJoiner(p, n, pos, len) { return }
            addCharacter(.invisible, p, n, pos, pos + len, cp)
        case .tag: tagRun(p, n, pos)
        case .variationSelector: selectorRun(p, n, pos)
        case .lookalike:
            guard pos > 0, pos + len < n, Matcher.isWord(Matcher.byte(p, pos - 1)),
                  Matcher.isWord(Matcher.byte(p, pos + len)),
                  !(rawEscapes && Matcher.isEscapeLetter(p, pos - 1)) else { return }
            if cp == 0x2013 && HitSink.isNumericRange(p, n, pos, len) { return }
            addCharacter(.lookalike, p, n, pos, pos + len, cp, word: word(p, n, pos, len))
        case .space: addCharacter(.unusualSpace, p, n, pos, pos + len, cp)
        case .confusableLetter: if pos >= wordCheckedUntil { mixedScript(p, n, pos, m) }
        }
    }

    /// The word a look-alike sits in: the ASCII letters, digits and `_` either side of it
    /// (32 bytes at most each), with the character. An escape letter (`\nDon’t`) is no part.
    func word(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ len: Int) -> String {
        var a = pos, b = pos + len
        while a > 0, pos - a < 32, Matcher.isWord(Matcher.byte(p, a - 1)), !(rawEscapes && Matcher.isEscapeLetter(p, a - 1)) {
            a -= 1
        }
        while b < n, b - pos - len < 32, Matcher.isWord(Matcher.byte(p, b)) { b += 1 }
        return String(decoding: UnsafeRawBufferPointer(start: p + a, count: b - a), as: UTF8.self)
    }

    /// An en dash next to a digit is a range ("60s–270s", "20–30 min"), ordinary typography;
    /// but not inside something shaped like a date ("2026–07–01"), where it is format drift.
    static func isNumericRange(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ len: Int) -> Bool {
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < n && (0x30 ... 0x39).contains(Matcher.byte(p, i)) }
        guard isDigit(pos - 1) || isDigit(pos + len) else { return false }
        var before = 0
        while before < 5, isDigit(pos - 1 - before) { before += 1 }
        var after = 0
        while after < 3, isDigit(pos + len + after) { after += 1 }
        if before == 4 && after == 2 { return false }                  // 2026–07
        if before == 2 && after == 2 {                                  // 07–01 after a year
            let y = pos - 3
            if y >= 0, Matcher.byte(p, y) == 0x2D || (y >= 2 && Matcher.byte(p, y) == 0x93 && isDigit(y - 3)) {
                return false
            }
        }
        return true
    }

    /// A control character (C0 but tab, LF, CR; DEL; C1). ESC starting a terminal sequence
    /// (`ESC [` colours, `ESC ]` titles and links) is tool output an agent passes on every
    /// day, not hidden data.
    mutating func control(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ len: Int, _ cp: UInt32) {
        if cp == 0x1B, pos + 1 < n, Matcher.byte(p, pos + 1) == 0x5B || Matcher.byte(p, pos + 1) == 0x5D { return }
        addCharacter(.invisible, p, n, pos, pos + len, cp)
    }

    /// More combining marks on one character than any writing system stacks: Vietnamese
    /// puts two on a vowel, vocalised Arabic and Hebrew, Thai and the Indic scripts up to
    /// three or four; five or more is Zalgo text, or marks chosen to carry bits.
    static let maxMarks = 4

    /// The code points of the run of `kind` that starts at `pos`, and where it ends.
    private static func run(of kind: CovertClass, _ p: UnsafeRawPointer, _ n: Int, _ pos: Int) -> (cps: [UInt32], end: Int) {
        var cps: [UInt32] = []
        var i = pos
        while i < n, let d = HitSink.decode(p, n, i), Covert.classify(d.cp) == kind {
            cps.append(d.cp)
            i += d.len
        }
        return (cps, i)
    }

    private mutating func markRun(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int) {
        let (cps, i) = HitSink.run(of: .mark, p, n, pos)
        covertResume = i
        guard cps.count > HitSink.maxMarks else { return }
        add(.markRun, p, n, pos, i, codePoints: Array(cps.prefix(64)),
            detail: "\(cps.count) combining marks in a row: " + HitSink.describe(cps))
    }

    /// U+200D between two emoji builds one emoji (👨‍👩‍👧); anywhere else it hides data.
    private func isEmojiJoiner(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ len: Int) -> Bool {
        guard let prev = HitSink.previous(p, n, pos), let next = HitSink.decode(p, n, pos + len) else { return false }
        let prevOK = Covert.isEmojiBase(prev.cp) || prev.cp == 0xFE0F || (0x1F3FB ... 0x1F3FF).contains(prev.cp)
        return prevOK && Covert.isEmojiBase(next.cp)
    }

    /// One finding per run of tag characters (plane 14 but its selectors), with the ASCII
    /// they spell; those above U+E007F stand for the bytes above ASCII. An emoji flag
    /// (🏴 + lowercase tags + U+E007F CANCEL TAG, e.g. England) is not hidden text.
    private mutating func tagRun(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int) {
        let (cps, i) = HitSink.run(of: .tag, p, n, pos)
        covertResume = i
        if let prev = HitSink.previous(p, n, pos), prev.cp == 0x1F3F4, cps.count <= 8, cps.last == 0xE007F,
           cps.dropLast().allSatisfy({ (0xE0030 ... 0xE0039).contains($0) || (0xE0061 ... 0xE007A).contains($0) }) {
            return
        }
        var hidden = ""
        for c in cps {
            let a = c - 0xE0000
            hidden += (0x20 ..< 0x7F).contains(a) ? String(UnicodeScalar(UInt8(a))) : "[\(codePointName(c))]"
        }
        let shown = cps.prefix(64)
        add(.tag, p, n, pos, i, codePoints: Array(shown),
            detail: "\(cps.count) tag characters (\(codePointName(cps[0]))…) hiding \"\(visible(hidden))\"")
    }

    /// Runs of variation selectors: one after an emoji (or a keycap digit) chooses its
    /// presentation, one ideographic selector after a CJK ideograph picks a glyph; more
    /// than one, or anywhere else, carries data (each selector can encode a byte).
    private mutating func selectorRun(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int) {
        var cps: [UInt32] = []
        var i = pos
        while i < n, let d = HitSink.decode(p, n, i), Covert.classify(d.cp) == .variationSelector {
            cps.append(d.cp)
            i += d.len
        }
        covertResume = i
        if cps.count == 1, let prev = HitSink.previous(p, n, pos) {
            let c = cps[0]
            if (c == 0xFE0E || c == 0xFE0F) && (Covert.isEmojiBase(prev.cp) || Covert.isKeycapBase(prev.cp)) { return }
            if Covert.isIdeograph(prev.cp) && (c >= 0xE0100 || c <= 0xFE02) { return }
            // A Mongolian free variation selector after a Mongolian letter picks its form.
            if c >= 0x180B && c <= 0x180F && prev.cp >= 0x1820 && prev.cp <= 0x18AF { return }
        }
        add(.variationSelector, p, n, pos, i, codePoints: Array(cps.prefix(64)), detail: HitSink.describe(cps))
    }
}
