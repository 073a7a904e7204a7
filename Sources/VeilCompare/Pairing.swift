// Which request of one run corresponds to which of the other. Agents send several model calls
// (a title, a quota probe, the real prompt), sometimes concurrently, so plain order can cross
// them: requests pair within one endpoint, by order, preferring a partner of the same shape
// (model, number of messages, streaming, number of tools) — shape never depends on wording.

public struct RequestPair: Equatable, Sendable {
    /// 1-based, in the order of the left (host / baseline) run; unpaired right requests last.
    public var number: Int
    public var left: RecordedRequest?
    public var right: RecordedRequest?
}

public enum Pairing {
    public static func pair(_ left: [RecordedRequest], _ right: [RecordedRequest]) -> [RequestPair] {
        var used = Array(repeating: false, count: right.count)
        let rightShapes = right.map(shape)
        var pairs: [RequestPair] = []
        for l in left {
            let s = shape(l)
            let candidates = right.indices.filter { !used[$0] && right[$0].endpoint == l.endpoint }
            let pick = candidates.first { rightShapes[$0] == s } ?? candidates.first
            if let j = pick { used[j] = true }
            pairs.append(RequestPair(number: pairs.count + 1, left: l, right: pick.map { right[$0] }))
        }
        for j in right.indices where !used[j] {
            pairs.append(RequestPair(number: pairs.count + 1, left: nil, right: right[j]))
        }
        return pairs
    }

    static func shape(_ r: RecordedRequest) -> String {
        guard let j = r.json else { return "text" }
        func count(_ key: String) -> Int {
            if case .array(let a)? = j[key] { return a.count }
            return -1
        }
        let model = j["model"]?.stringValue ?? ""
        let stream: String
        if case .bool(let b)? = j["stream"] { stream = b ? "s" : "n" } else { stream = "-" }
        return "\(model)|\(count("messages"))|\(count("contents"))|\(count("input"))|\(count("tools"))|\(stream)"
    }
}
