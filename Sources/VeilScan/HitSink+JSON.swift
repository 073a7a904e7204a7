// The one pass over a JSON body. Outside strings only structure is checked (a byte that
// cannot appear there means "not JSON": the caller rescans everything as raw text, so
// nothing can hide in malformed JSON). Inside strings the text is scanned in place: the
// SIMD prefilter also flags quotes and backslashes, so finding the end of a string and
// scanning it are the same loop.
//
// Escapes of one letter (`\n`, `\"`, `\\`) cannot sit inside a canary, so they are just
// stepped over (and count as word breaks). `\/` and `\uXXXX` can spell a canary or a
// covert character: a string holding one is decoded and scanned again from its start.

extension HitSink {
    mutating func scanJSON(matcher m: Matcher) -> Bool {
        switch m.prefilterTable.shape {
        case .small: return scanJSON(m, SmallShape.self)
        case .large: return scanJSON(m, LargeShape.self)
        case .dynamic: return scanJSON(m, DynamicShape.self)
        }
    }

    private mutating func scanJSON<S: PrefilterShape>(_ m: Matcher, _ shape: S.Type) -> Bool {
        guard let p = body.baseAddress else { return false }
        let n = body.count
        var i = 0
        while i < n, JSONWalk.isSpace(p, i) { i += 1 }
        guard i < n, Matcher.byte(p, i) == 0x7B || Matcher.byte(p, i) == 0x5B else { return false }
        base = 0; escaped = false; rawEscapes = true
        // The container stack, kept as the walk passes each bracket and comma, so that a
        // finding's path is written from it at once (no second walk, no strings otherwise).
        let frames = UnsafeMutablePointer<PathFrame>.allocate(capacity: HitSink.maxDepth)
        defer { path = nil; depth = 0; frames.deallocate() }
        path = frames
        var scratch: Scratch? = nil
        let counts = m.prefilterTable.counts
        return m.prefilterTable.vectors.withUnsafeBufferPointer { vec in
            JSONWalk.outside.withUnsafeBufferPointer { outside in
                while i < n {
                    switch outside[Int(Matcher.byte(p, i))] {
                    case 0: i += 1
                    case 1:
                        let key = depth <= HitSink.maxDepth && !frames[depth - 1].isArray && frames[depth - 1].keyStart < 0
                        if key { frames[depth - 1].keyStart = i + 1; frames[depth - 1].keyEnd = -1 }
                        guard let end = jsonString(p, n, i + 1, vec, counts, m, &scratch, S.self) else { return false }
                        if key { frames[depth - 1].keyEnd = end }
                        i = end + 1
                    case 3:
                        if depth < HitSink.maxDepth { frames[depth] = PathFrame(isArray: Matcher.byte(p, i) == 0x5B) }
                        depth += 1; i += 1
                    case 4:
                        depth -= 1; i += 1
                        if depth == 0 {
                            while i < n, JSONWalk.isSpace(p, i) { i += 1 }
                            return i == n
                        }
                    case 5:
                        if depth == 0 { return false }
                        if depth <= HitSink.maxDepth {
                            if frames[depth - 1].isArray { frames[depth - 1].index += 1 } else { frames[depth - 1].keyStart = -1 }
                        }
                        i += 1
                    default: return false
                    }
                }
                return false
            }
        }
    }

    /// Scans the string whose content starts at `start`; returns its closing quote.
    private mutating func jsonString<S: PrefilterShape>(_ p: UnsafeRawPointer, _ n: Int, _ start: Int,
                                                        _ vec: UnsafeBufferPointer<SIMD16<UInt8>>,
                                                        _ counts: Matcher.PrefilterCounts, _ m: Matcher,
                                                        _ scratch: inout Scratch?, _: S.Type) -> Int? {
        stringStart = start
        textStart = start
        let before = findings.count
        let quote = SIMD16<UInt8>(repeating: 0x22), backslash = SIMD16<UInt8>(repeating: 0x5C)
        var i = start
        var skip = start  // the letter of an escape just stepped over
        while i + 17 <= n {
            let v = p.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            let v1 = p.loadUnaligned(fromByteOffset: i + 1, as: SIMD16<UInt8>.self)
            let hits = prefilter(v, v1, counts, vec, S.self)
            let special = unsafeBitCast((v .== quote)._storage | (v .== backslash)._storage, to: HitBits.self)
            var w = (hits.lo | special.lo) & 0x8080_8080_8080_8080
            var offset = 0
            while true {
                while w != 0 {
                    let pos = i + offset + w.trailingZeroBitCount >> 3
                    w &= w &- 1
                    if pos < skip { continue }
                    switch Matcher.byte(p, pos) {
                    case 0x22: return pos
                    case 0x5C:
                        let c = Matcher.byte(p, pos + 1)
                        if c == 0x75 || c == 0x2F { return decodeAndScan(p, n, start, before, m, &scratch) }
                        skip = pos + 2
                    default: visit(p, n, pos, m)
                    }
                }
                if offset == 8 { break }
                offset = 8
                w = (hits.hi | special.hi) & 0x8080_8080_8080_8080
            }
            i += 16
        }
        i = max(i, skip)
        while i < n {  // the last bytes of the body, one at a time
            switch Matcher.byte(p, i) {
            case 0x22: return i
            case 0x5C:
                guard i + 1 < n else { return nil }
                let c = Matcher.byte(p, i + 1)
                if c == 0x75 || c == 0x2F { return decodeAndScan(p, n, start, before, m, &scratch) }
                i += 2
            default:
                visit(p, n, i, m)
                i += 1
            }
        }
        return nil
    }

    /// The slow path for strings with `\/` or `\u` escapes: forget what the in-place scan
    /// found there, decode the string and scan the decoded text.
    private mutating func decodeAndScan(_ p: UnsafeRawPointer, _ n: Int, _ start: Int, _ before: Int,
                                        _ m: Matcher, _ scratch: inout Scratch?) -> Int? {
        truncate(to: before)
        guard let end = JSONWalk.closingQuote(p, n, start) else { return nil }
        let buffer = scratch ?? Scratch()
        scratch = buffer
        guard let len = JSONWalk.unescapeString(p, start, end, into: buffer) else { return nil }
        scanText(UnsafeRawBufferPointer(start: buffer.base, count: len), base: start, stringStart: start,
                 escaped: true, matcher: m)
        // Back to scanning the body in place.
        base = 0; escaped = false; rawEscapes = true
        covertResume = 0; wordCheckedUntil = 0; dateResume = 0
        return end
    }
}
