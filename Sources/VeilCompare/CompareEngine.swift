import VeilScan

// Two runs' outbound requests → attributed differences and the volatile values set aside.

public struct RequestsComparison: Equatable, Sendable {
    public var pairs: Int
    public var differences: [Difference]
    public var volatile: [VolatileHit]
}

public enum CompareEngine {
    public static func compare(_ left: [RecordedRequest], _ right: [RecordedRequest],
                               normalizer: Normalizer, attributor: Attributor) -> RequestsComparison {
        let pairs = Pairing.pair(left, right)
        var diffs: [Difference] = []
        var volatile = Set<VolatileHit>()
        for p in pairs {
            let endpoint = (p.left ?? p.right)!.endpoint
            var sd = StructuralDiff(normalizer: normalizer, attributor: attributor, request: p.number, endpoint: endpoint)
            let unpaired: (StructuralDiff.Origin, StructuralDiff.Origin) = (.none(.unpairedRequest), .none(.absent))
            switch (p.left, p.right) {
            case let (l?, r?):
                sd.bodies = (Array(l.body.utf8), Array(r.body.utf8))
                compareHeaders(l, r, &sd)
                compareBodies(l, r, &sd)
            case let (l?, nil): sd.whole("request", l.endpoint + "\n" + l.body, absentText, origins: unpaired)
            case let (nil, r?): sd.whole("request", absentText, r.endpoint + "\n" + r.body, origins: (unpaired.1, unpaired.0))
            case (nil, nil): break
            }
            diffs += sd.differences
            volatile.formUnion(sd.volatile)
        }
        let sortedVolatile = volatile.sorted { ($0.request, $0.path, $0.rule) < ($1.request, $1.path, $1.rule) }
        return RequestsComparison(pairs: pairs.count, differences: diffs, volatile: sortedVolatile)
    }

    static func compareBodies(_ l: RecordedRequest, _ r: RecordedRequest, _ sd: inout StructuralDiff) {
        if let a = l.json, let b = r.json {
            let na = sd.normalize(a, path: "$", key: nil), nb = sd.normalize(b, path: "$", key: nil)
            // The byte spans come from a second pass over the same bytes, so they always parse.
            func origin(_ body: [UInt8]) -> StructuralDiff.Origin { SourceNode.parse(body).map { .json($0, key: nil) } ?? .none(.other) }
            sd.compare(na, nb, path: "$", origins: (origin(sd.bodies.0), origin(sd.bodies.1)))
        } else {
            let (a, ra) = sd.normalizer.string(l.body, key: nil, path: "$")
            let (b, rb) = sd.normalizer.string(r.body, key: nil, path: "$")
            sd.note(ra + rb, "$")
            sd.compareText(a, b, path: "$", origins: (.text, .text))
        }
    }

    /// Headers by lower-cased name (repeated ones joined), compared as text at `header:NAME`.
    static func compareHeaders(_ l: RecordedRequest, _ r: RecordedRequest, _ sd: inout StructuralDiff) {
        func table(_ req: RecordedRequest) -> [(String, String)] {
            var order: [String] = []
            var values: [String: [String]] = [:]
            for h in req.headers {
                let n = h.name.lowercased()
                let (v, rules) = sd.normalizer.header(name: n, value: h.value)
                sd.note(rules, "header:" + n)
                guard let v else { continue }
                if values[n] == nil { order.append(n) }
                values[n, default: []].append(v)
            }
            return order.map { ($0, values[$0]!.joined(separator: ", ")) }
        }
        let a = table(l), b = table(r)
        let names = a.map(\.0) + b.map(\.0).filter { n in !a.contains { $0.0 == n } }
        for n in names {
            let x = a.first { $0.0 == n }?.1, y = b.first { $0.0 == n }?.1
            let header: (StructuralDiff.Origin, StructuralDiff.Origin) = (.none(.header), .none(.header))
            switch (x, y) {
            case let (x?, y?): sd.compareText(x, y, path: "header:" + n, origins: header)
            case let (x?, nil): sd.whole("header:" + n, x, absentText, origins: (header.0, .none(.absent)))
            case let (nil, y?): sd.whole("header:" + n, absentText, y, origins: (.none(.absent), header.1))
            default: break
            }
        }
    }
}
