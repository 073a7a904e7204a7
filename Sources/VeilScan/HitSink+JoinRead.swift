// Reading one junction of a stream in full (HitSink+Joins.swift): the stream's text just
// before it and the new string's start, decoded and normalised, each byte mapped back to the
// body. A canary across the junction is reported with every string it spans: their paths
// (`$.messages[0].content[0].text + $.messages[0].content[1].text`), the offset of its first
// byte, the pieces as they were sent, and the code points the view changed.

extension HitSink {
    /// The joined text around a junction, and where each byte came from (`origins` false:
    /// the bytes alone, for the deferred pass).
    struct Joined {
        var bytes: [UInt8] = []
        var origin: [Int32] = []
        /// Index of the string each byte came from (into `Joins`).
        var piece: [Int32] = []
        var origins = true

        mutating func removeSince(_ start: Int) {
            bytes.removeLast(bytes.count - start)
            if origins {
                origin.removeLast(origin.count - start)
                piece.removeLast(piece.count - start)
            }
        }

        mutating func append(_ other: Joined) {
            bytes += other.bytes
            origin += other.origin
            piece += other.piece
        }
    }

    /// Strings `a` (and, along the stream, the ones before it) and `b`: the canaries across
    /// their junction. `back`: how much text before the junction to read, when the deferred
    /// pass knows (HitSink+JoinsDeferred.swift); else as much as the longest canary, charged
    /// to the body's budget, and a junction of a stream the budget cannot pay for is left to
    /// that pass.
    @inline(never)
    mutating func readJoin(_ p: UnsafeRawPointer, _ n: Int, _ a: Int, _ b: Int, chain: Bool, _ m: Matcher,
                           back: Int? = nil) {
        let vm = m.view
        let reach = vm.longest
        guard reach >= 2 else { return }
        let budgeted = back == nil
        if budgeted {
            if chain, joins.budget <= 0 { return joins.deferred = b }
            guard quickJoin(p, a, b, chain: chain, vm) != false else { return }
        }
        // The stream's text before the junction, its last strings first. Strings the view
        // leaves empty (a lone `\u200b` between the letters of a canary) add nothing: the
        // read goes on past them to as much text as a canary can hold.
        let want = back ?? reach
        var parts: [Joined] = [], have = 0, k = a
        while k >= 0, have < want {
            if budgeted, chain, joins.budget <= 0 { return joins.deferred = b }
            var part = Joined()
            joins.budget -= 1 + HitSink.readPiece(p, n, k, joins.start(k), joins.end(k), fromEnd: want - have, into: &part)
            have += part.bytes.count
            parts.append(part)
            k = chain ? joins.prev(k) : -1
        }
        var all = Joined()
        for part in parts.reversed() { all.append(part) }
        let junction = all.bytes.count
        joins.budget -= HitSink.readPiece(p, n, b, from: joins.start(b), joins.end(b), limit: reach, into: &all)
        guard junction > 0, all.bytes.count > junction else { return }
        let c = vm.compiled
        all.bytes.withUnsafeBytes { buf in
            HitSink.crossings(buf.baseAddress!, buf.count, junction, vm) { k, s in
                addJoined(vm.patterns[k], p, n, all, s, s + Int(c.infos[k].count))
                return false
            }
        }
    }

    /// The patterns that hold the two bytes met at `junction` of `q[0 ..< total]` (folded
    /// text) there and match: each with where it starts, until `found` says stop.
    @inline(__always)
    static func crossings(_ q: UnsafeRawPointer, _ total: Int, _ junction: Int, _ vm: Matcher,
                          _ found: (_ pattern: Int, _ start: Int) -> Bool) {
        let c = vm.compiled
        let x = Matcher.lower(q.load(fromByteOffset: junction - 1, as: UInt8.self))
        let y = Matcher.lower(q.load(fromByteOffset: junction, as: UInt8.self))
        for (k, at) in vm.pairPlaces.of(x, y) {
            let s = junction - Int(at), count = Int(c.infos[Int(k)].count)
            if s >= 0, s + count <= total, c.matches(Int(k), q, total, s, escapes: false), found(Int(k), s) { return }
        }
    }

    /// The common case, without heap copies: plain ASCII on both sides (a `\n`, `\t` or `\r`
    /// escape ends a side: no canary holds one). Whether a pattern crosses the junction (then
    /// `readJoin` reads it in full to report it); nil when the sides are not that simple.
    private mutating func quickJoin(_ p: UnsafeRawPointer, _ a: Int, _ b: Int, chain: Bool, _ vm: Matcher) -> Bool? {
        let reach = vm.longest - 1
        let joins = self.joins
        let (crosses, read) = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * reach) { buf -> (Bool?, Int) in
            // The stream's text before the junction, backwards into buf[from ..< reach].
            var from = reach, k = a, pieces = 0
            gather: while from > 0, k >= 0 {
                pieces += 1
                let s = joins.start(k)
                var i = joins.end(k)
                while i > s, from > 0 {
                    let c = Matcher.byte(p, i - 1)
                    if c &- 0x20 >= 0x5F { return (nil, pieces + reach - from) }
                    if Matcher.isEscapeLetter(p, i - 1) {
                        if c == 0x6E || c == 0x74 || c == 0x72 { break gather }
                        return (nil, pieces + reach - from)
                    }
                    if c == 0x5C { return (nil, pieces + reach - from) }
                    from -= 1
                    buf[from] = c
                    i -= 1
                }
                if i > s { break }
                k = chain ? joins.prev(k) : -1
            }
            // The new string's start into buf[reach ..< to].
            var to = reach, i = joins.start(b)
            let e = joins.end(b)
            while i < e, to < 2 * reach {
                let c = Matcher.byte(p, i)
                if c &- 0x20 >= 0x5F { return (nil, pieces + to - from) }
                if c == 0x5C {
                    let x = i + 1 < e ? Matcher.byte(p, i + 1) : 0
                    if x == 0x6E || x == 0x74 || x == 0x72 { break }
                    return (nil, pieces + to - from)
                }
                buf[to] = c
                to += 1
                i += 1
            }
            guard from < reach, to > reach else { return (false, pieces + to - from) }
            var crosses = false
            HitSink.crossings(UnsafeRawPointer(buf.baseAddress! + from), to - from, reach - from, vm) { _, _ in
                crosses = true
                return true
            }
            return (crosses, pieces + to - from)
        }
        self.joins.budget -= read
        return crosses
    }

    /// Decoded and normalised content of string `index` (raw `s ..< e`): its last `fromEnd`
    /// bytes or so, or its first `limit`. Returns how many raw bytes it read.
    @discardableResult
    static func readPiece(_ p: UnsafeRawPointer, _ n: Int, _ index: Int, _ s: Int, _ e: Int, fromEnd: Int?,
                          limit: Int = .max, into out: inout Joined) -> Int {
        guard let back = fromEnd else { return readPiece(p, n, index, from: s, e, limit: limit, into: &out) }
        // Plain ASCII (no escape) is itself in the view: as many bytes as the longest canary.
        // Else the view may drop most of what is read (`\u200b` after every letter), so the
        // window grows until it holds that many bytes of view or the whole string.
        let plain = (max(s, e - back) ..< e).allSatisfy { Matcher.byte(p, $0) &- 0x20 < 0x5F && Matcher.byte(p, $0) != 0x5C }
        var window = plain ? back : 8 * back
        let start = out.bytes.count
        var read = 0
        while true {
            read += readPiece(p, n, index, from: HitSink.pieceStart(p, s, e, window), e, limit: .max, into: &out)
            guard out.bytes.count - start < back, e - s > window else { return read }
            out.removeSince(start)
            window *= 4
        }
    }

    /// Where to read the last `window` raw bytes of string `s ..< e` from: a character's
    /// start, and an escape's rather than inside one.
    static func pieceStart(_ p: UnsafeRawPointer, _ s: Int, _ e: Int, _ window: Int) -> Int {
        guard e - s > window else { return s }
        var i = e - window
        while i > s, Matcher.byte(p, i) & 0xC0 == 0x80 { i -= 1 }
        for j in max(s, i - 11) ..< i where Matcher.byte(p, j) == 0x5C && !Matcher.isEscapeLetter(p, j) {
            return j
        }
        return i
    }

    /// Decoded and normalised content of string `index` from raw offset `from` to `e`, at
    /// most `limit` bytes of it (or a scalar's more). Returns how many raw bytes it read.
    @discardableResult
    static func readPiece(_ p: UnsafeRawPointer, _ n: Int, _ index: Int, from: Int, _ e: Int, limit: Int,
                          into out: inout Joined) -> Int {
        var i = from
        var tmp: (UInt32, UInt32) = (0, 0)
        let start = out.bytes.count
        while i < e, out.bytes.count - start < limit {
            let b = Matcher.byte(p, i)
            // Plain ASCII is itself in the view: no decoding, no array per byte.
            if b &- 0x20 < 0x5F, b != 0x5C {
                append(&out, b, i, index)
                i += 1
                continue
            }
            var cp: UInt32, next: Int
            if b == 0x5C {
                let decoded = withUnsafeMutableBytes(of: &tmp) { t -> (Int, UInt32)? in
                    let o = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    guard let (nx, count) = JSONWalk.unescape(p, e, i, into: o),
                          let d = HitSink.decode(UnsafeRawPointer(o), count, 0) else { return nil }
                    return (nx, d.cp)
                }
                // An escape JSON does not have (`\A`): the backslash as sent, and on. Stopping
                // there lost the rest of the piece, and with it a canary the junction ends: a tail
                // read from before such an escape (as a long tail with `\u200b` after every
                // letter is) held nothing.
                guard let (nx, c) = decoded else { append(&out, b, i, index); i += 1; continue }
                (cp, next) = (c, nx)
                let bytes = Fold.of(cp) ?? Array(String(Unicode.Scalar(cp) ?? "\u{FFFD}").utf8)
                for x in bytes { append(&out, x, i, index) }
            } else {
                guard let d = HitSink.decode(p, e, i) else { append(&out, b, i, index); i += 1; continue }
                (cp, next) = (d.cp, i + d.len)
                if let bytes = Fold.of(cp) {
                    for x in bytes { append(&out, x, i, index) }
                } else if Unicode.Scalar(cp) != nil, d.len == (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4) {
                    // Unchanged: the scalar's own UTF-8, as sent.
                    for k in i ..< next { append(&out, Matcher.byte(p, k), i, index) }
                } else {
                    for x in String(Unicode.Scalar(cp) ?? "\u{FFFD}").utf8 { append(&out, x, i, index) }
                }
            }
            i = next
        }
        return i - from
    }

    @inline(__always)
    private static func append(_ out: inout Joined, _ b: UInt8, _ at: Int, _ index: Int) {
        out.bytes.append(b)
        guard out.origins else { return }
        out.origin.append(Int32(at))
        out.piece.append(Int32(index))
    }

    /// A canary across strings: one finding, naming every string it spans.
    private mutating func addJoined(_ pat: Pattern, _ p: UnsafeRawPointer, _ n: Int, _ j: Joined, _ s: Int, _ e: Int) {
        var parts: [(index: Int, from: Int, to: Int)] = []
        for k in s ..< e {
            let index = Int(j.piece[k]), at = Int(j.origin[k])
            if let last = parts.last, last.index == index {
                parts[parts.count - 1].to = at
            } else {
                parts.append((index, at, at))
            }
        }
        var texts: [String] = [], paths: [String] = [], cps: [UInt32] = []
        for part in parts {
            // Through the end of the part's last character (or escape).
            var to = part.to + 1
            while to < joins.end(part.index), Matcher.byte(p, to) & 0xC0 == 0x80 { to += 1 }
            var tmp: (UInt32, UInt32) = (0, 0)
            if Matcher.byte(p, part.to) == 0x5C {
                to = withUnsafeMutableBytes(of: &tmp) { t in
                    JSONWalk.unescape(p, n, part.to, into: t.baseAddress!.assumingMemoryBound(to: UInt8.self))?.next ?? to
                }
            }
            let text = JSONPath.decodeKey(p, n, part.from, to)
            texts.append("\"" + visible(text) + "\"")
            cps += text.unicodeScalars.map(\.value).filter { Fold.of($0) != nil }
            paths.append(JSONPath.path(in: body, at: part.from))
        }
        let detail = pat.rule.map { "rule \"\($0)\" forbids " } ?? "\(pat.label) "
        let kind: FindingKind = pat.rule == nil ? .canary : .rule
        guard admit(FindingClass(kind, Array(cps.prefix(64)), pat.rule)) else { return }
        let start = Int(j.origin[s])
        findings.append(Finding(kind: kind, path: paths.joined(separator: " + "), offset: start,
                                codePoints: Array(cps.prefix(64)), detail: detail + texts.joined(separator: " + "),
                                excerpt: texts.joined(separator: " + "), rule: pat.rule))
        meta.append((-1 - Int(j.piece[s]), start, Int(j.origin[e - 1]) + 1))
        runs.append(1)
    }
}
