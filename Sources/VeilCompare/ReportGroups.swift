// How the reports group differences: by area of the request (the rows of the HTML overview,
// `area` in JSON) and, in probe, variations that change the prompt in exactly the same way
// (shown once, the others pointing to it). One definition for the terminal, JSON and HTML.

public enum ReportArea: String, Sendable, CaseIterable {
    /// A request sent on one side only.
    case request
    case headers
    case systemPrompt = "system prompt"
    case messages
    case tools
    case otherFields = "other body fields"
    /// A body that is not JSON, compared as text.
    case textBody = "text body"
    /// compare: the agent's own stdout, exit status and files (not gating).
    case output

    /// By the body's top-level key: each API names its parts differently (Anthropic `system`,
    /// OpenAI Responses `instructions`, Gemini `systemInstruction`); a system message inside
    /// `messages` (Chat Completions) counts as messages.
    public static func of(_ d: Difference) -> ReportArea {
        if d.request == 0 { return .output }
        if d.path == "request" { return .request }
        if d.path.hasPrefix("header:") { return .headers }
        if d.path == "$" { return .textBody }
        switch topKey(d.path) {
        case "system", "instructions", "systemInstruction", "system_instruction", "preamble": return .systemPrompt
        case "messages", "contents", "input", "prompt": return .messages
        case "tools", "functions", "tool_choice", "toolConfig", "tool_config": return .tools
        default: return .otherFields
        }
    }

    /// `$.system[0].text` → `system`, `$["x-y"].z` → `x-y`.
    static func topKey(_ path: String) -> String {
        var rest = Substring(path)
        guard rest.hasPrefix("$") else { return "" }
        rest = rest.dropFirst()
        if rest.hasPrefix(".") { return String(rest.dropFirst().prefix { $0 != "." && $0 != "[" }) }
        if rest.hasPrefix("[\""), let v = try? JSONValue.parse(String(rest.dropFirst().prefix { $0 != "]" })), let k = v.stringValue {
            return k
        }
        return ""
    }
}

/// Differences counted by area and kind, in the order both are declared.
public struct KindMatrix: Equatable, Sendable {
    public var rows: [(area: ReportArea, counts: [DifferenceKind: Int])]

    public init(_ ds: [Difference]) {
        var counts: [ReportArea: [DifferenceKind: Int]] = [:]
        for d in ds { counts[ReportArea.of(d), default: [:]][d.kind, default: 0] += 1 }
        rows = ReportArea.allCases.compactMap { a in counts[a].map { (a, $0) } }
    }

    public static func == (a: KindMatrix, b: KindMatrix) -> Bool {
        a.rows.map(\.area) == b.rows.map(\.area) && a.rows.map(\.counts) == b.rows.map(\.counts)
    }
}

/// probe: which variations repeat an earlier one's differences exactly.
public struct ProbeFolding: Sendable {
    /// [dimension][variation] → the (dimension, variation) first shown with the same differences.
    public var sameAs: [[(dimension: Int, variation: Int)?]]

    public init(_ r: ProbeResult) {
        var first: [[String]: (Int, Int)] = [:]
        sameAs = r.dimensions.enumerated().map { di, d in
            d.variations.enumerated().map { vi, v -> (dimension: Int, variation: Int)? in
                guard !v.differences.isEmpty else { return nil }
                let key = v.differences.map { "\($0.request)|\($0.path)|\($0.kind.rawValue)|\($0.left)|\($0.right)" }
                if let f = first[key] { return f }
                first[key] = (di, vi)
                return nil
            }
        }
    }

    /// `tz = Asia/Shanghai`.
    public static func name(_ r: ProbeResult, _ at: (dimension: Int, variation: Int)) -> String {
        let d = r.dimensions[at.dimension]
        return d.name + " = " + d.variations[at.variation].value
    }
}
