import VeilProfile

/// What one run's scanner looks for: the host canaries and the profile's rules.
/// Built once per run; `Scanner.init` compiles it into matchers.
public struct ScanConfig: Sendable {
    public var canaries: [Canary]
    public var rules: [Profile.Rule]

    public init(canaries: [Canary], rules: [Profile.Rule] = []) {
        self.canaries = canaries
        self.rules = rules
    }
}
