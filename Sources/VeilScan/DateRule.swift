// The `iso-date` rule: a date written YYYY/MM/DD, YYYY.MM.DD, DD/MM/YYYY, MM-DD-YYYY, …
// where the profile expects ISO 8601 (YYYY-MM-DD). The covert channel this catches
// changed `2026-07-01` into `2026/07/01` when the host looked Chinese.

enum DateRule {
    /// The date starting at the digit run that ends at `pos` (whose next byte is a
    /// separator), as a decoded range, or nil.
    static func match(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, escapes: Bool) -> Range<Int>? {
        var s = pos
        while s > 0, pos - s < 3, Matcher.isDigit(Matcher.byte(p, s - 1)) { s -= 1 }
        if s > 0, !(escapes && Matcher.isEscapeLetter(p, s - 1)) {
            let c = Matcher.byte(p, s - 1)
            // Not the middle of a longer number, version or date.
            if Matcher.isWord(c) || c == 0x2E || c == 0x2F || c == 0x2D || c == 0x3A { return nil }
        }
        guard let g1 = digits(p, n, s), g1.len > 0, g1.end < n else { return nil }
        let sep = Matcher.byte(p, g1.end)
        guard let g2 = digits(p, n, g1.end + 1), (1 ... 2).contains(g2.len), g2.end < n,
              Matcher.byte(p, g2.end) == sep,
              let g3 = digits(p, n, g2.end + 1), g3.len > 0 else { return nil }
        let e = g3.end
        if e < n {
            let c = Matcher.byte(p, e)
            let next: UInt8 = e + 1 < n ? Matcher.byte(p, e + 1) : 0
            if Matcher.isWord(c) || ((c == 0x2E || c == 0x2F || c == 0x2D || c == 0x3A) && Matcher.isDigit(next)) {
                return nil
            }
        }
        if g1.len == 4 && (1 ... 2).contains(g3.len) && sep != 0x2D {
            return (1 ... 12).contains(g2.value) && (1 ... 31).contains(g3.value) ? s ..< e : nil
        }
        if (1 ... 2).contains(g1.len) && g3.len == 4 {
            let a = g1.value, b = g2.value
            let plausible = (1 ... 31).contains(a) && (1 ... 12).contains(b) || (1 ... 12).contains(a) && (1 ... 31).contains(b)
            return plausible && (1900 ... 2199).contains(g3.value) ? s ..< e : nil
        }
        return nil
    }

    private static func digits(_ p: UnsafeRawPointer, _ n: Int, _ s: Int) -> (len: Int, end: Int, value: Int)? {
        var i = s, v = 0
        while i < n, i - s < 5, Matcher.isDigit(Matcher.byte(p, i)) {
            v = v * 10 + Int(Matcher.byte(p, i) - 0x30)
            i += 1
        }
        return i - s == 5 ? nil : (i - s, i, v)
    }
}

extension HitSink {
    mutating func checkDate(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher) {
        guard let r = DateRule.match(p, n, pos, escapes: rawEscapes) else { return }
        dateResume = r.upperBound
        let text = String(decoding: UnsafeRawBufferPointer(start: p + r.lowerBound, count: r.count), as: UTF8.self)
        for name in m.dateRules {
            add(.rule, p, n, r.lowerBound, r.upperBound,
                detail: "rule \"\(name)\": date \"\(visible(text))\" is not ISO 8601 (YYYY-MM-DD)", rule: name)
        }
    }
}
