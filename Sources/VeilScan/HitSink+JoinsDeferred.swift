// The junctions the budget left (HitSink+Joins.swift): each stream from its first string,
// read once. Before each string only the stream's last `longest - 1` bytes of text are
// kept (no canary reaching past the junction holds more of them), and of each string only
// its first and last that many: one pass over the body, however its strings are cut. A
// canary found is then read in full by `readJoin`, as far back as it reaches, and
// reported as the per-junction read reports it.

extension HitSink {
    /// Largest `Joins.budget` for a body of `bodySize` bytes: the junction reads of prompts
    /// take a few percent of it (the benchmark corpus: see the tests).
    static func joinBudget(bodySize: Int) -> Int { bodySize / 8 + (64 << 10) }

    mutating func readDeferredJoins(_ p: UnsafeRawPointer, _ n: Int, _ m: Matcher) {
        let from = joins.deferred
        guard from >= 0, let slots = joins.slots else { return }
        let vm = m.view
        let keep = vm.longest - 1
        guard keep >= 1 else { return }
        // A pattern found once is reported once: a body built of one split canary repeated
        // must not cost a full read per copy.
        var reported = Set<Int>()
        var chain: [Int] = []
        // The stream's text: what is kept of it, then the string being read.
        var text = Joined(origins: false)
        for slot in 0 ..< joins.slotCount where slots[slot].last >= from {
            chain.removeAll(keepingCapacity: true)
            var k = slots[slot].last
            while k >= 0 {
                chain.append(k)
                k = joins.prev(k)
            }
            text.bytes.removeAll(keepingCapacity: true)
            for k in chain.reversed() {
                let s = joins.start(k), e = joins.end(k)
                let junction = text.bytes.count
                let read = HitSink.readPiece(p, n, k, from: s, e, limit: keep, into: &text)
                joins.budget -= 1 + read
                let whole = s + read == e
                if text.bytes.count == junction { continue }  // nothing in the view
                if k >= from, junction > 0 {
                    // How far back the canaries not yet reported reach (0: none here).
                    var back = 0
                    text.bytes.withUnsafeBytes { buf in
                        HitSink.crossings(buf.baseAddress!, buf.count, junction, vm) { k, s in
                            if reported.insert(k).inserted { back = max(back, junction - s) }
                            return false
                        }
                    }
                    if back > 0 { readJoin(p, n, joins.prev(k), k, chain: true, m, back: back) }
                }
                if !whole {
                    text.bytes.removeAll(keepingCapacity: true)
                    joins.budget -= HitSink.readPiece(p, n, k, s, e, fromEnd: keep, into: &text)
                } else if text.bytes.count > 4 * keep {
                    text.bytes.removeFirst(text.bytes.count - keep)
                }
            }
        }
    }
}
