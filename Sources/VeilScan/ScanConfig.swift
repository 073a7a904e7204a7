import VeilProfile

/// What one run's scanner looks for: the host canaries and the profile's rules, and the
/// words the agent writes with typography itself. Built once per run; `Scanner.init`
/// compiles it into matchers.
public struct ScanConfig: Sendable {
    public var canaries: [Canary]
    public var rules: [Profile.Rule]
    public var ownTypography: Set<String>

    public init(canaries: [Canary], rules: [Profile.Rule] = [], ownTypography: Set<String> = []) {
        self.canaries = canaries
        self.rules = rules
        self.ownTypography = ownTypography
    }
}
