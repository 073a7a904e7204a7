// What the inspector reports. Findings are plain data: the scanner makes them,
// the decision function judges them, records and reports serialise them.

/// The classes of finding. The raw values appear in records, reports and errors.
public enum FindingKind: String, Sendable, Codable, CaseIterable {
    /// A host fact captured before normalisation (user name, time zone, path, …).
    case canary
    /// A character of the tag block U+E0000–E007F (hidden text).
    case tag
    /// An invisible character: format (zero-width, bidi control, soft hyphen, other Cf),
    /// default-ignorable, a C0/C1 control other than tab, LF and CR, U+2800 BRAILLE PATTERN BLANK.
    case invisible
    /// A variation selector outside an emoji sequence.
    case variationSelector = "variation-selector"
    /// Look-alike punctuation inside an otherwise-ASCII word (U+2019, U+02BC, …).
    case lookalike
    /// A word mixing scripts (UTS #39 style), e.g. Latin with Cyrillic.
    case mixedScript = "mixed-script"
    /// A space character other than U+0020 (NBSP, thin space, line and paragraph separators, …).
    case unusualSpace = "unusual-space"
    /// A profile rule (forbidden pattern, date format).
    case rule
    /// A private-use code point (U+E000–F8FF, planes 15 and 16): meaningless to a reader,
    /// meaningful to whoever agreed on it.
    case privateUse = "private-use"
    /// More than `HitSink.maxMarks` combining marks on one character (Zalgo text, or bits).
    case markRun = "mark-run"
}

public struct Finding: Sendable, Codable, Equatable {
    public var kind: FindingKind
    /// JSON path of the string, e.g. `$.messages[0].content[1].text`; `header:user-agent`
    /// for headers; `$` for a body that is not JSON.
    public var path: String
    /// Byte offset of the match within the request body (or header value).
    public var offset: Int
    /// The code points found, for character findings; empty for canaries.
    public var codePoints: [UInt32]
    /// What was found, written visibly: `U+02BC`, or the canary label and value.
    public var detail: String
    /// A short excerpt around the match, with invisible characters made visible.
    public var excerpt: String
    /// For `rule` findings, the name of the profile rule (its own mode may override).
    public var rule: String?
    /// For look-alikes: the word the character sits in (`Don’t`), as `own_typography` lists it.
    public var word: String?
    /// True when that word is one of the profile's `own_typography`: the agent writes it
    /// itself (severity `typography`). Absent otherwise.
    public var ownTypography: Bool?

    public init(kind: FindingKind, path: String, offset: Int, codePoints: [UInt32] = [],
                detail: String, excerpt: String, rule: String? = nil) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.codePoints = codePoints
        self.detail = detail
        self.excerpt = excerpt
        self.rule = rule
    }
}

/// A value that must never leave the sandbox, with what it is.
public struct Canary: Sendable, Equatable, Codable {
    /// Human label: "host name", "user name", "time zone", "home path", …
    public var label: String
    public var value: String
    public init(label: String, value: String) {
        self.label = label
        self.value = value
    }
}

extension Finding {
    /// The same finding made by another look at the text (decoded, transcoded, as sent): it
    /// names the same thing the same way, wherever it points. A rule's detail names the rule.
    public func says(theSameAs other: Finding) -> Bool {
        kind == other.kind && detail == other.detail && rule == other.rule
    }
}
