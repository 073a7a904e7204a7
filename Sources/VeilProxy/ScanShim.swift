// TEMPORARY: stands in for the VeilScan API (APIKind, ScanConfig, Scanner, Decision, decide)
// until the scanner target lands. Delete this file then; nothing else changes.
import VeilProfile
import VeilScan

public enum APIKind: String, Sendable, Codable {
    case anthropic, openai, gemini, unknown

    public static func detect(path: String) -> APIKind {
        let p = path.split(separator: "?").first.map(String.init) ?? path
        if p.hasSuffix("/messages") || p.hasSuffix("/messages/count_tokens") { return .anthropic }
        if p.hasSuffix("/chat/completions") || p.hasSuffix("/responses") || p.hasSuffix("/completions") { return .openai }
        if p.contains(":generateContent") || p.contains(":streamGenerateContent") || p.contains("/v1beta/") { return .gemini }
        return .unknown
    }
}

public struct ScanConfig: Sendable {
    public var canaries: [Canary]
    public var rules: [Profile.Rule]
    public init(canaries: [Canary], rules: [Profile.Rule] = []) {
        self.canaries = canaries
        self.rules = rules
    }
}

public final class Scanner: Sendable {
    let config: ScanConfig
    let needles: [[UInt8]]
    public init(config: ScanConfig) {
        self.config = config
        self.needles = config.canaries.map { Array($0.value.utf8) }
    }

    public func scanBody(_ body: UnsafeRawBufferPointer, api: APIKind) -> [Finding] {
        scanBody(Array(body), api: api)
    }

    public func scanBody(_ body: [UInt8], api: APIKind) -> [Finding] {
        var out: [Finding] = []
        for (i, n) in needles.enumerated() where n.count >= 4 {
            if let off = Self.find(n, in: body) {
                out.append(Finding(kind: .canary, path: "$", offset: off,
                                   detail: config.canaries[i].label, excerpt: ""))
            }
        }
        // Tag block U+E0000–E007F is F3 A0 80..81 xx in UTF-8.
        var i = 0
        while i + 3 < body.count {
            if body[i] == 0xF3, body[i + 1] == 0xA0, body[i + 2] == 0x80 || body[i + 2] == 0x81 {
                out.append(Finding(kind: .tag, path: "$", offset: i, codePoints: [0xE0000],
                                   detail: "U+E00xx", excerpt: ""))
                break
            }
            i += 1
        }
        return out
    }

    public func scanHeaders(_ headers: [(name: String, value: String)]) -> [Finding] { [] }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count, let first = needle.first else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first, hay[i ..< i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

public enum Decision: Sendable, Equatable {
    case forward
    case block(reason: String)
}

public func decide(_ findings: [Finding], modes: Profile.Modes, rules: [Profile.Rule]) -> Decision {
    for f in findings {
        let mode: Profile.Mode
        switch f.kind {
        case .canary: mode = modes.canary
        case .tag: mode = modes.tag
        case .rule: mode = modes.rule
        default: mode = modes.covert
        }
        if mode == .block { return .block(reason: "\(f.kind.rawValue) at \(f.path)") }
    }
    return .forward
}
