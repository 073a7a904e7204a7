// A second look at a text holding a character the normalised view changes (Fold.swift): an
// invisible character, a control, a mark, a compatibility form, a look-alike letter. The
// view is scanned for canaries and rules only, with the canaries folded the same way. To a
// model, `Asia/Shang⁠hai` with a word joiner inside and `Ａｓｉａ／Ｓｈａｎｇｈａｉ` are the
// time zone, so they must block as one; the characters alone are at most reported. A
// finding made there points at the original text: its offsets, excerpt and matched text
// are the original's, and its code points are the ones the view changed. Rare in English
// prompts, so the copy it takes costs nothing on the common path.

extension HitSink {
    /// The view being scanned: for each of its bytes, where its scalar starts in the text
    /// it was made from (`p[0 ..< n]`, counted as the first look counted).
    struct View {
        var origin: [Int32]
        let p: UnsafeRawPointer
        let n: Int
    }

    /// `p[0 ..< n]`: the text just scanned, counted from `base` as that scan counted it;
    /// findings from index `since` on are its own (what this look finds again is dropped).
    mutating func lookAgainNormalised(_ p: UnsafeRawPointer, _ n: Int, since: Int, _ m: Matcher) {
        foldFound = false
        // Written in place, in one pass: Russian prose (a look-alike in every other word) is
        // all second looks, and an append and a folded array per byte were most of its scan.
        let capacity = n * Fold.growth
        var kept: [UInt8] = [], changed = false
        let escapes = rawEscapes
        let origin = [Int32](unsafeUninitializedCapacity: capacity) { origin, written in
            kept = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                (count, changed) = HitSink.normalise(p, n, escapes, out.baseAddress!, origin.baseAddress!)
            }
            written = kept.count
        }
        guard changed else { return }
        let saved = (textStart, covertResume, wordCheckedUntil, dateResume)
        let before = findings.count
        view = View(origin: origin, p: p, n: n)
        textStart = 0
        kept.withUnsafeBytes { scanRun($0.baseAddress!, $0.count, m.view) }
        view = nil
        (textStart, covertResume, wordCheckedUntil, dateResume) = saved
        var k = before
        while k < findings.count {
            let f = findings[k]
            if findings[since ..< before].indices.contains(where: { findings[$0].kind == f.kind && meta[$0] == meta[k] }) {
                dropFinding(at: k)
            } else {
                k += 1
            }
        }
    }

    /// The view of `p[0 ..< n]` into `out`, and for each byte written the offset of the
    /// scalar it came from; its length, and whether any scalar changed. In raw JSON text
    /// (`escapes`) a character after a backslash stays: taking it out would turn the next
    /// letter into an escape letter (`\` + U+200D + `zh-CN`).
    static func normalise(_ p: UnsafeRawPointer, _ n: Int, _ escapes: Bool, _ out: UnsafeMutablePointer<UInt8>,
                          _ origin: UnsafeMutablePointer<Int32>) -> (Int, Bool) {
        // The table's packed words, not `Fold.of`'s arrays: a retain and a release per
        // scalar were a third of a scan of Russian prose.
        Fold.withPacked { index, packed in
            var i = 0, o = 0, changed = false
            while i < n {
                let b = Matcher.byte(p, i)
                if b &- 0x20 < 0x5F || (escapes && Matcher.isEscapeLetter(p, i)) {
                    out[o] = b; origin[o] = Int32(i); o += 1; i += 1
                    continue
                }
                // A two-byte scalar kept, dropped or made one byte (Cyrillic, Greek, `ı`):
                // without a branch on which, for prose that mixes look-alikes and other letters.
                if b &- 0xC2 < 0x1E, i + 1 < n, Matcher.byte(p, i + 1) & 0xC0 == 0x80 {
                    let b1 = Matcher.byte(p, i + 1), cp = Int(b & 0x1F) << 6 | Int(b1 & 0x3F)
                    let page = Int(index[cp >> 8])
                    let word = page < 0 ? 0 : packed[page &* 256 &+ (cp & 0xFF)]
                    if word & 0xF <= 1 {
                        let keep = word == 0
                        out[o] = keep ? b : UInt8(truncatingIfNeeded: word >> 8)
                        out[o + 1] = b1
                        origin[o] = Int32(i); origin[o + 1] = Int32(i + 1)
                        o += keep ? 2 : Int(word & 0xF)
                        changed = changed || !keep
                        i += 2
                        continue
                    }
                }
                guard let (cp, len) = HitSink.decode(p, n, i) else {
                    out[o] = b; origin[o] = Int32(i); o += 1; i += 1
                    continue
                }
                var word: UInt64 = 0
                if cp < 0x20000, !(0xD800 ... 0xDFFF).contains(cp) {
                    let page = Int(index[Int(cp >> 8)])
                    if page >= 0 { word = packed[page &* 256 &+ Int(cp & 0xFF)] }
                } else if let folded = Fold.of(cp) {
                    word = Fold.pack(folded)
                }
                if word & 0xF == 0xF, let folded = Fold.of(cp) {  // longer than a word holds
                    for x in folded { out[o] = x; origin[o] = Int32(i); o += 1 }
                    changed = true
                } else if word != 0 {
                    var bytes = word >> 8
                    for _ in 0 ..< Int(word & 0xF) {
                        out[o] = UInt8(truncatingIfNeeded: bytes); origin[o] = Int32(i); o += 1; bytes >>= 8
                    }
                    changed = true
                } else {
                    for k in i ..< i + len { out[o] = Matcher.byte(p, k); origin[o] = Int32(k); o += 1 }
                }
                i += len
            }
            return (o, changed)
        }
    }

    /// A JSON string scanned in place, `p[stringStart ..< end]`.
    mutating func lookAgainInPlace(_ p: UnsafeRawPointer, end: Int, since: Int, _ m: Matcher) {
        base = stringStart
        lookAgainNormalised(p + stringStart, end - stringStart, since: since, m)
        base = 0
    }

    /// Whether the view dropped characters just before `s` and just after `e`.
    func breaks(_ view: View, _ s: Int, _ e: Int) -> (before: Bool, after: Bool) {
        func gap(_ i: Int) -> Bool {
            guard i > 0, i < view.origin.count else { return false }
            let a = Int(view.origin[i - 1])
            return Int(view.origin[i]) > a + (HitSink.decode(view.p, view.n, a)?.len ?? 1)
        }
        // A letter the view made from a non-ASCII one (Cyrillic а → a) is a word edge, as that
        // letter is in the text itself: the view must not be stricter than the raw look, or
        // zero-width characters that force the view would hide `аzh-CN`'s zh-CN.
        func foreign(_ i: Int) -> Bool {
            guard i >= 0, i < view.origin.count else { return false }
            return Matcher.byte(view.p, Int(view.origin[i])) >= 0x80
        }
        return (gap(s) || foreign(s - 1), gap(e) || foreign(e))
    }

    /// Range `s ..< e` of the view in the text it was made from (whole scalars).
    func original(_ s: Int, _ e: Int) -> (Int, Int) {
        guard let view else { return (s, e) }
        let start = s < view.origin.count ? Int(view.origin[s]) : view.n
        guard e > s, e - 1 < view.origin.count else { return (start, start) }
        let last = Int(view.origin[e - 1])
        return (start, last + (HitSink.decode(view.p, view.n, last)?.len ?? 1))
    }

    /// The scalars of the original `s ..< e` that the view changed: what disguised the match.
    func disguise(_ s: Int, _ e: Int) -> [UInt32] {
        guard let view else { return [] }
        var out: [UInt32] = []
        var i = s
        while i < e, out.count < 64, let (cp, len) = HitSink.decode(view.p, view.n, i) {
            if Fold.of(cp) != nil { out.append(cp) }
            i += len
        }
        return out
    }
}
