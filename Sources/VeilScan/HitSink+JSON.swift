// The one pass over a JSON body. The C kernel classifies 64 bytes per step and marks only
// the positions this walk must see: real quotes, brackets and commas outside strings, and
// inside strings the prefilter hits. It also knows escapes and strings (simdjson's bit
// tricks), so the many `\n` and `\"` of source code cost nothing here, and it rejects a body
// with a byte outside strings that cannot be JSON. The bytes between two marks outside
// strings are checked here (`JSONWalk.isBareGap`): whitespace, a colon and one number or
// literal, nothing else, so that `{"x": 192.168.3.17}` cannot pass a host address as JSON.
// Whatever fails goes back to the caller, which rescans everything as raw text: nothing can
// hide in malformed JSON.
//
// Escapes of one letter (`\n`, `\"`, `\\`) cannot sit inside a canary, so they are just
// stepped over (and count as word breaks). `\/` and `\uXXXX` can spell a canary or a
// covert character: a string holding one is decoded and scanned again from its start.

import CVeilScanKernel

extension HitSink {
    mutating func scanJSON(matcher m: Matcher) -> Bool {
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
        let budget = joinBudget ?? HitSink.joinBudget(bodySize: n)
        joins = Joins.open(m.view, bodySize: n, budget: budget)
        defer {
            joinWork = budget - joins.budget
            joins.close()
        }
        var walk = Walk()
        var carry = veil_json_carry()
        let tables = m.compiled.kernel
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: HitSink.window) { words in
            let out = words.baseAddress!
            var block = 0
            while block << 6 < n {
                let filled = veil_json_events(p, n, block << 6, HitSink.window, tables, &carry, out)
                guard filled >= 0 else { return false }
                var w = HitSink.nextWord(out, 0, filled)
                while w < filled {
                    var bits = out[w]
                    while bits != 0 {
                        let pos = (block + w) << 6 + bits.trailingZeroBitCount
                        bits &= bits &- 1
                        if pos < walk.resume { continue }
                        if let done = event(p, n, pos, m, frames, &walk) { return done }
                    }
                    w = HitSink.nextWord(out, w + 1, filled)
                }
                block += filled
            }
            return false  // the body ended inside a string or a container
        }
    }

    /// What the walk keeps between events.
    struct Walk {
        var inString = false
        /// The string being scanned is an object key.
        var key = false
        /// Findings before the current string (dropped if it must be decoded).
        var before = 0
        /// Events before this offset were already handled (a decoded string).
        var resume = 0
        /// Where the bytes outside strings not yet checked begin (after the last mark).
        var bare = 0
        var scratch: Scratch? = nil
    }

    /// One marked position; returns the scan's result once the body is done.
    @inline(__always)
    private mutating func event(_ p: UnsafeRawPointer, _ n: Int, _ pos: Int, _ m: Matcher,
                                _ frames: UnsafeMutablePointer<PathFrame>, _ walk: inout Walk) -> Bool? {
        let b = Matcher.byte(p, pos)
        if walk.inString {
            switch b {
            case 0x22:
                if walk.key { HitSink.keyEnded(p, n, &frames[depth - 1], pos) }
                walk.inString = false
                walk.bare = pos + 1
                if foldFound { lookAgainInPlace(p, end: pos, since: walk.before, m) }
                join(p, n, stringStart, pos, key: walk.key, m, frames)
            case 0x5C:  // `\u`, `\/`, `\b` or `\f`
                guard let end = decodeAndScan(p, n, stringStart, walk.before, m, &walk.scratch) else { return false }
                if walk.key { HitSink.keyEnded(p, n, &frames[depth - 1], end) }
                join(p, n, stringStart, end, key: walk.key, m, frames)
                walk.inString = false
                walk.resume = end + 1
                walk.bare = end + 1
            default: if mustVisit(p, n, pos, m) { visit(p, n, pos, m) }
            }
            return nil
        }
        // Mostly nothing or a colon lies between two marks (compact JSON): checked inline.
        let gap = pos - walk.bare
        if gap > 1 || (gap == 1 && Matcher.byte(p, walk.bare) != 0x3A) {
            guard JSONWalk.isBareGap(p, walk.bare, pos) else { return false }
        }
        walk.bare = pos + 1
        switch b {
        case 0x22:
            walk.key = depth <= HitSink.maxDepth && !frames[depth - 1].isArray && frames[depth - 1].keyStart < 0
            if walk.key { frames[depth - 1].keyStart = pos + 1; frames[depth - 1].keyEnd = -1 }
            stringStart = pos + 1
            textStart = pos + 1
            walk.before = findings.count
            walk.inString = true
            foldFound = false
        case 0x7B, 0x5B:
            if depth < HitSink.maxDepth {
                frames[depth] = PathFrame(isArray: b == 0x5B)
                frames[depth].stream = depth == 0 ? 1 : frames[depth - 1].memberStream
            }
            depth += 1
        case 0x7D, 0x5D:
            depth -= 1
            if depth == 0 {
                var i = pos + 1
                while i < n, JSONWalk.isSpace(p, i) { i += 1 }
                if i == n { readDeferredJoins(p, n, m) }
                return i == n
            }
        default:  // a comma
            if depth == 0 { return false }
            if depth <= HitSink.maxDepth {
                if frames[depth - 1].isArray { frames[depth - 1].index += 1 } else { frames[depth - 1].keyStart = -1 }
            }
        }
        return nil
    }

    /// An object's key ends at raw offset `end`: its values' stream is the key's.
    @inline(__always)
    static func keyEnded(_ p: UnsafeRawPointer, _ n: Int, _ f: inout PathFrame, _ end: Int) {
        f.keyEnd = end
        f.valueStream = stream(p, n, f.keyStart, end)
    }

    /// The slow path for strings with `\/`, `\u`, `\b` or `\f` escapes: forget what the in-place scan
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
