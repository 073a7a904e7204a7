/// Credential masking: the agent only ever holds a per-run placeholder (made by the launcher,
/// VeilLaunch's `Placeholder`); the inspector puts the real key back on the way upstream, so a
/// compromised tool inside cannot exfiltrate the key.
public enum CredentialMask {
    public struct Entry: Sendable, Equatable {
        public var variable: String
        public var placeholder: String
        public var real: String
        public init(variable: String, placeholder: String, real: String) {
            self.variable = variable
            self.placeholder = placeholder
            self.real = real
        }
    }
}
