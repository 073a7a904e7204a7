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
        var kept: [UInt8] = []
        kept.reserveCapacity(n)
        var origin: [Int32] = []
        origin.reserveCapacity(n)
        var i = 0, changed = false
        while i < n {
            let b = Matcher.byte(p, i)
            // In raw JSON text a character after a backslash stays: taking it out would turn
            // the next letter into an escape letter (`\` + U+200D + `zh-CN`).
            if b < 0x20 || b >= 0x7F, !(rawEscapes && Matcher.isEscapeLetter(p, i)),
               let (cp, len) = HitSink.decode(p, n, i), let folded = Fold.of(cp) {
                kept += folded
                for _ in folded { origin.append(Int32(i)) }
                i += len
                changed = true
                continue
            }
            kept.append(b)
            origin.append(Int32(i))
            i += 1
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
        return (gap(s), gap(e))
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
