import VeilScan

// The evidence: one difference between two runs' outbound requests, already attributed.
// `left`/`right` and `detail` are written visibly (VeilScan's `visible`: non-ASCII as
// [U+XXXX]) for terminals; each side's `DiffSide` keeps the real characters and where they sit
// in the request body, for the JSON and HTML reports, which show code points as structure.

public enum DifferenceKind: String, Sendable, CaseIterable {
    /// A host fact (or, in probe, the decoy value) appears on one side only.
    case canary
    /// A covert-channel code point appears or disappears (look-alike, invisible, odd space).
    case covertChar = "covert-char"
    /// The same digits written differently: a date separator, a number format.
    case format
    case unexplained
}

/// One side of a change: a little text before it, the changed text, a little after, as
/// compared (after normalisation: a volatile value reads `<uuid>`), in real characters.
public struct DiffSide: Equatable, Sendable {
    /// At most this many scalars of a change are kept (its length says how many it had).
    public static let changedLimit = 2000
    public var before: String
    public var changed: String
    /// The change's length in scalars; more than `changed` holds when it was cut at the limit.
    public var changedLength: Int
    public var after: String
    /// Where the change sits in the side's request body.
    public var bytes: BodyBytes

    public init(before: String = "", changed: String, after: String = "", changedLength: Int? = nil,
                bytes: BodyBytes = .unknown(.other)) {
        self.before = before
        self.changed = changed
        self.changedLength = changedLength ?? changed.unicodeScalars.count
        self.after = after
        self.bytes = bytes
    }
}

/// The byte range of a change in a request body as recorded (`requestBody`'s UTF-8 bytes: for a
/// JSON body the JSON text as sent, so an escaped `\u02bc` spans its six bytes), or why there is
/// none.
public enum BodyBytes: Equatable, Sendable {
    case span(offset: Int, length: Int)
    case unknown(BodyBytesUnknown)
}

public enum BodyBytesUnknown: String, Sendable, CaseIterable {
    /// A header's value: not in the body.
    case header
    /// The agent's own output (stdout, a file, the exit status): not a request.
    case output
    /// Nothing on this side (an absent value or request).
    case absent
    /// A request with no partner on the other side: the whole request is the difference.
    case unpairedRequest = "unpaired-request"
    /// The change touches a volatile value that normalisation replaced (`<uuid>`): the compared
    /// text is not what was sent there, so no exact byte range exists.
    case normalised
    /// No span was recorded (a report built by hand, or a body that did not parse twice alike).
    case other
}

public struct Difference: Equatable, Sendable {
    /// The request pair's number (1-based); 0 for the agent's own output (compare).
    public var request: Int
    public var endpoint: String
    /// `$.system[0].text`, `header:user-agent`, `request` (unpaired), `stdout`, `file:NAME`, `exit`.
    public var path: String
    /// The changed word(s), visible, on the left (host / baseline) and right (veil / variation).
    public var left: String
    public var right: String
    public var kind: DifferenceKind
    /// Why this kind: the canary's label and value, the code points, the format change.
    public var detail: String
    public var leftSide: DiffSide
    public var rightSide: DiffSide
    /// Scalar range of the change in the left text (nil: the whole value), so that probe can
    /// tell whether a variation changed the same spot that differs between two baselines.
    public var leftRange: Range<Int>?

    public init(request: Int, endpoint: String, path: String, left: String, right: String,
                kind: DifferenceKind, detail: String, leftSide: DiffSide? = nil, rightSide: DiffSide? = nil,
                leftRange: Range<Int>? = nil) {
        self.request = request
        self.endpoint = endpoint
        self.path = path
        self.left = left
        self.right = right
        self.kind = kind
        self.detail = detail
        self.leftSide = leftSide ?? DiffSide(changed: left)
        self.rightSide = rightSide ?? DiffSide(changed: right)
        self.leftRange = leftRange
    }
}

/// A value replaced by a placeholder before diffing (or, in probe, a spot that differs
/// between two identical baseline runs).
public struct VolatileHit: Equatable, Hashable, Sendable {
    public var request: Int
    public var path: String
    public var rule: String
    public init(request: Int, path: String, rule: String) {
        self.request = request
        self.path = path
        self.rule = rule
    }
}

/// Shown for an absent value.
public let absentText = "(absent)"

/// Visible text, shortened in the middle beyond `limit` scalars so a report stays readable.
func shown(_ s: ArraySlice<Unicode.Scalar>, limit: Int = 600) -> String {
    var t = String.UnicodeScalarView()
    if s.count <= limit {
        t.append(contentsOf: s)
        return visible(String(t))
    }
    let head = s.prefix(limit / 2), tail = s.suffix(limit / 2)
    var a = String.UnicodeScalarView(), b = String.UnicodeScalarView()
    a.append(contentsOf: head)
    b.append(contentsOf: tail)
    return visible(String(a)) + " … [\(s.count - limit) more] … " + visible(String(b))
}

func shown(_ s: String, limit: Int = 600) -> String { shown(ArraySlice(Array(s.unicodeScalars)), limit: limit) }
