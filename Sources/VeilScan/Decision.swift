import VeilProfile

/// What the inspector does with one request.
public enum Decision: Sendable, Equatable {
    case forward
    /// Nothing is forwarded; `reason` says what was found and where (it reaches the agent,
    /// so it names the kind and the matched text, never a host value the agent did not write).
    case block(reason: String)
}

/// Pure: the same findings, modes and rules always give the same decision.
public func decide(_ findings: [Finding], modes: Profile.Modes, rules: [Profile.Rule]) -> Decision {
    var blocking: [Finding] = []
    for f in findings where mode(of: f, modes: modes, rules: rules) == .block {
        blocking.append(f)
    }
    guard let first = blocking.first else { return .forward }
    var reason = "\(first.kind.rawValue) \(first.detail) at \(first.path) (byte \(first.offset))"
    if blocking.count > 1 { reason += " and \(blocking.count - 1) more" }
    return .block(reason: reason)
}

/// The mode that applies to one finding.
public func mode(of f: Finding, modes: Profile.Modes, rules: [Profile.Rule]) -> Profile.Mode {
    switch f.kind {
    case .canary: return modes.canary
    case .tag: return modes.tag
    case .rule:
        if let name = f.rule, let r = rules.first(where: { $0.name == name }), let m = r.mode { return m }
        return modes.rule
    case .lookalike:
        // Ordinary typography (curly quotes, en/em dashes) is recorded but never blocks:
        // people paste prose with it every day.
        if FindingClass(f).typography { return .report }
        return modes.covert
    case .invisible, .variationSelector, .mixedScript, .unusualSpace, .privateUse, .markRun:
        return modes.covert
    }
}

/// How much one finding matters (`--fail-on`): what blocks is `block`; a curly quote or dash
/// in a word the agent writes itself is `typography`; anything else found is a `marker`.
public func severity(of f: Finding, modes: Profile.Modes, rules: [Profile.Rule]) -> Severity {
    if mode(of: f, modes: modes, rules: rules) == .block { return .block }
    return FindingClass(f).own ? .typography : .marker
}

/// What `mode(of:)` and `severity(of:)` judge a finding by: two findings of one class always
/// get the same mode and severity, whatever the profile. (The scanner keeps one of each class
/// past its cap.)
struct FindingClass: Hashable {
    let kind: FindingKind
    let rule: String?
    /// Ordinary typography only (curly quotes, dashes): a look-alike that never blocks.
    let typography: Bool
    /// Ordinary typography in a word of the profile's `own_typography`.
    let own: Bool

    init(_ kind: FindingKind, _ codePoints: [UInt32], _ rule: String?, own: Bool = false) {
        self.kind = kind
        self.rule = rule
        typography = kind == .lookalike && !codePoints.isEmpty && codePoints.allSatisfy(Severity.isTypography)
        self.own = typography && own
    }

    init(_ f: Finding) { self.init(f.kind, f.codePoints, f.rule, own: f.ownTypography == true) }
}
