import VeilProfile
import VeilScan

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

extension APIKind {
    /// The API a profile variable belongs to, by its name (VeilProfile's APIFamily): how
    /// base URLs become routes and keys are tied to their vendor's routes.
    public static func of(variable name: String) -> APIKind {
        switch APIFamily(variable: name) {
        case .anthropic?: return .anthropic
        case .openai?: return .openai
        case .gemini?: return .gemini
        case nil: return .unknown
        }
    }
}
