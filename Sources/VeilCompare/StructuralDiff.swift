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
    /// The two request bodies' bytes, for byte ranges (empty where there is no body).
    var bodies: ([UInt8], [UInt8]) = ([], [])

    init(normalizer: Normalizer, attributor: Attributor, request: Int, endpoint: String) {
        self.normalizer = normalizer
        self.attributor = attributor
        self.request = request
        self.endpoint = endpoint
    }

    /// Where a compared value came from, per side.
    enum Origin {
        /// A value of the JSON body; `key` is its object key (the normaliser's rules use it).
        case json(SourceNode, key: String?)
        /// The whole body, as plain text.
        case text
        case none(BodyBytesUnknown)
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

    mutating func compare(_ a: JSONValue?, _ b: JSONValue?, path: String, origins o: (Origin, Origin)) {
        switch (a, b) {
        case (nil, nil): return
        case let (x?, nil): whole(path, text(x), absentText, origins: (o.0, .none(.absent)))
        case let (nil, y?): whole(path, absentText, text(y), origins: (.none(.absent), o.1))
        case let (.object(x)?, .object(y)?):
            let keys = x.map(\.0) + y.map(\.0).filter { k in !x.contains { $0.0 == k } }
            for k in keys {
                compare(a?[k], b?[k], path: Self.child(path, key: k), origins: (Self.member(o.0, k), Self.member(o.1, k)))
            }
        case let (.array(x)?, .array(y)?): compareArrays(x, y, path: path, origins: o)
        case let (.string(x)?, .string(y)?): compareText(x, y, path: path, origins: o)
        case let (x?, y?): if x != y { whole(path, text(x), text(y), origins: o) }
        }
    }

    static func member(_ o: Origin, _ key: String) -> Origin {
        if case .json(let n, _) = o { return n[key].map { .json($0, key: key) } ?? .none(.other) }
        return o
    }

    static func element(_ o: Origin, _ i: Int) -> Origin {
        if case .json(let n, _) = o { return n[i].map { .json($0, key: nil) } ?? .none(.other) }
        return o
    }

    mutating func compareArrays(_ x: [JSONValue], _ y: [JSONValue], path: String, origins o: (Origin, Origin)) {
        if x.count == y.count {
            for i in x.indices { compare(x[i], y[i], path: path + "[\(i)]", origins: (Self.element(o.0, i), Self.element(o.1, i))) }
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
                compare(k < l.count ? x[i] : nil, k < r.count ? y[j] : nil, path: p,
                        origins: (Self.element(o.0, i), Self.element(o.1, j)))
            }
        }
    }

    mutating func compareText(_ x: String, _ y: String, path: String, origins o: (Origin, Origin)) {
        guard x != y else { return }
        let a = Array(x.unicodeScalars), b = Array(y.unicodeScalars)
        let hunks = TextDiff.hunks(a, b)
        let la = locate(x, o.0, bodies.0, path: path, hunks.map(\.left)), lb = locate(y, o.1, bodies.1, path: path, hunks.map(\.right))
        for (n, h) in hunks.enumerated() {
            let (kind, detail) = attributor.classify(a, b, h)
            let fa = Attributor.fieldRange(a, h.left), fb = Attributor.fieldRange(b, h.right)
            differences.append(Difference(
                request: request, endpoint: endpoint, path: path,
                left: shown(a[fa], limit: 300), right: shown(b[fb], limit: 300), kind: kind, detail: detail,
                leftSide: Self.side(a, h.left, la[n]), rightSide: Self.side(b, h.right, lb[n]), leftRange: h.left))
        }
    }

    /// The body byte ranges of scalar ranges of `compared`, the normalised text: normalised
    /// again from the original with a map back to it (only texts that differ pay for that).
    func locate(_ compared: String, _ o: Origin, _ body: [UInt8], path: String, _ ranges: [Range<Int>]) -> [BodyBytes] {
        let span: Range<Int>, json: Bool, original: String, key: String?
        switch o {
        case .none(let why): return ranges.map { _ in .unknown(why) }
        case .text: (span, json, original, key) = (0 ..< body.count, false, String(decoding: body, as: UTF8.self), nil)
        case .json(.string(let r), let k):
            guard let s = BodyOffsets.decoded(body, r) else { return ranges.map { _ in .unknown(.other) } }
            (span, json, original, key) = (r, true, s, k)
        // Only normalisation turns a number into text (`<epoch>`).
        case .json(.scalar, _): return ranges.map { _ in .unknown(.normalised) }
        case .json: return ranges.map { _ in .unknown(.other) }
        }
        let (again, map) = normalizer.stringMapped(original, key: key, path: path)
        guard again == compared else { return ranges.map { _ in .unknown(.other) } }
        return ranges.map { r in
            guard let o = map.original(r) else { return .unknown(.normalised) }
            let at = BodyOffsets.offsets(body, span, json: json, at: [o.lowerBound, o.upperBound])
            return .span(offset: at[0], length: at[1] - at[0])
        }
    }

    static func side(_ s: [Unicode.Scalar], _ r: Range<Int>, _ bytes: BodyBytes) -> DiffSide {
        let lo = max(0, r.lowerBound - 60), hi = min(s.count, r.upperBound + 60)
        return DiffSide(before: string(s[lo ..< r.lowerBound]), changed: string(s[r].prefix(DiffSide.changedLimit)),
                        after: string(s[r.upperBound ..< hi]), changedLength: r.count, bytes: bytes)
    }

    static func string(_ s: ArraySlice<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    /// A value that differs as a whole (absent, another type, a number): its bytes are the
    /// whole value's.
    mutating func whole(_ path: String, _ x: String, _ y: String, origins o: (Origin, Origin)) {
        let (kind, detail) = attributor.classifyWhole(x == absentText ? "" : x, y == absentText ? "" : y)
        func side(_ t: String, _ o: Origin, _ body: [UInt8]) -> DiffSide {
            let bytes: BodyBytes
            switch o {
            case .none(let why): bytes = .unknown(why)
            case .text: bytes = .span(offset: 0, length: body.count)
            case .json(let n, _): bytes = .span(offset: n.span.lowerBound, length: n.span.count)
            }
            if bytes == .unknown(.absent) { return DiffSide(changed: "", bytes: bytes) }
            let s = Array(t.unicodeScalars)
            return DiffSide(changed: Self.string(s.prefix(DiffSide.changedLimit)), changedLength: s.count, bytes: bytes)
        }
        differences.append(Difference(request: request, endpoint: endpoint, path: path, left: shown(x), right: shown(y), kind: kind,
                                      detail: detail, leftSide: side(x, o.0, bodies.0), rightSide: side(y, o.1, bodies.1)))
    }

    func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.rendered()
    }
}
