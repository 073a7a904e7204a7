import VeilScan

// Two request bodies compared as structure, path by path: objects by key, arrays by position
// (or aligned when an element was inserted), strings by the word/character diff. Both sides are
// normalised first (volatile values → placeholders), and every replacement is noted.

struct StructuralDiff {
    let normalizer: Normalizer
    let attributor: Attributor
    let request: Int
    let endpoint: String
    var differences: [Difference] = []
    var volatile: Set<VolatileHit> = []

    init(normalizer: Normalizer, attributor: Attributor, request: Int, endpoint: String) {
        self.normalizer = normalizer
        self.attributor = attributor
        self.request = request
        self.endpoint = endpoint
    }

    // MARK: normalisation

    mutating func normalize(_ v: JSONValue, path: String, key: String?) -> JSONValue {
        switch v {
        case .object(let members):
            return .object(members.map { ($0.0, normalize($0.1, path: Self.child(path, key: $0.0), key: $0.0)) })
        case .array(let items):
            return .array(items.enumerated().map { normalize($0.element, path: path + "[\($0.offset)]", key: nil) })
        case .string(let s):
            let (t, rules) = normalizer.string(s, key: key, path: path)
            note(rules, path)
            return .string(t)
        case .number(let n):
            let (t, rules) = normalizer.number(n, key: key)
            note(rules, path)
            return rules.isEmpty ? v : .string(t)
        default: return v
        }
    }

    mutating func note(_ rules: [String], _ path: String) {
        for r in rules { volatile.insert(VolatileHit(request: request, path: path, rule: r)) }
    }

    static func child(_ path: String, key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ($0.value >= 0x30 && $0.value <= 0x39) || (($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A) || $0 == "_"
        } && !(key.unicodeScalars.first!.value >= 0x30 && key.unicodeScalars.first!.value <= 0x39)
        return plain ? path + "." + key : path + "[" + JSONValue.quote(key) + "]"
    }

    // MARK: diff

    mutating func compare(_ a: JSONValue?, _ b: JSONValue?, path: String) {
        switch (a, b) {
        case (nil, nil): return
        case let (x?, nil): whole(path, text(x), absentText)
        case let (nil, y?): whole(path, absentText, text(y))
        case let (.object(x)?, .object(y)?):
            let keys = x.map(\.0) + y.map(\.0).filter { k in !x.contains { $0.0 == k } }
            for k in keys { compare(a?[k], b?[k], path: Self.child(path, key: k)) }
        case let (.array(x)?, .array(y)?): compareArrays(x, y, path: path)
        case let (.string(x)?, .string(y)?): compareText(x, y, path: path)
        case let (x?, y?): if x != y { whole(path, text(x), text(y)) }
        }
    }

    mutating func compareArrays(_ x: [JSONValue], _ y: [JSONValue], path: String) {
        if x.count == y.count {
            for i in x.indices { compare(x[i], y[i], path: path + "[\(i)]") }
            return
        }
        // Different lengths: align on the elements' text so one inserted element does not
        // shift every later one into a difference.
        var ids: [String: Int] = [:]
        func id(_ v: JSONValue) -> Int {
            let t = v.rendered()
            if let n = ids[t] { return n }
            ids[t] = ids.count
            return ids.count - 1
        }
        let regions = Myers.diff(x.map(id), y.map(id), maxEdits: 500) ?? [(0 ..< x.count, 0 ..< y.count)]
        for (l, r) in regions {
            for k in 0 ..< max(l.count, r.count) {
                let i = l.lowerBound + k, j = r.lowerBound + k
                let p = path + "[\(k < l.count ? i : j)]"
                compare(k < l.count ? x[i] : nil, k < r.count ? y[j] : nil, path: p)
            }
        }
    }

    mutating func compareText(_ x: String, _ y: String, path: String) {
        guard x != y else { return }
        let a = Array(x.unicodeScalars), b = Array(y.unicodeScalars)
        for h in TextDiff.hunks(a, b) {
            let (kind, detail) = attributor.classify(a, b, h)
            let fa = Attributor.fieldRange(a, h.left), fb = Attributor.fieldRange(b, h.right)
            differences.append(Difference(
                request: request, endpoint: endpoint, path: path,
                left: shown(a[fa], limit: 300), right: shown(b[fb], limit: 300), kind: kind, detail: detail,
                leftSide: Self.side(a, h.left), rightSide: Self.side(b, h.right), leftRange: h.left))
        }
    }

    static func side(_ s: [Unicode.Scalar], _ r: Range<Int>) -> DiffSide {
        let lo = max(0, r.lowerBound - 60), hi = min(s.count, r.upperBound + 60)
        return DiffSide(before: shown(s[lo ..< r.lowerBound]), changed: shown(s[r]), after: shown(s[r.upperBound ..< hi]))
    }

    /// A value that differs as a whole (absent, another type, a number).
    mutating func whole(_ path: String, _ x: String, _ y: String) {
        let (kind, detail) = attributor.classifyWhole(x == absentText ? "" : x, y == absentText ? "" : y)
        differences.append(Difference(request: request, endpoint: endpoint, path: path, left: shown(x), right: shown(y),
                                      kind: kind, detail: detail))
    }

    func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.rendered()
    }
}
