import ArgumentParser
import VeilLaunch
import VeilProfile

/// What the shells complete beyond option names (`veil --generate-completion-script bash`,
/// `zsh` or `fish`): profile names as `veil profile list` finds them, probe's dimensions, and
/// files or directories where an option takes one.
enum Completions {
    static let profiles = CompletionKind.custom { _, _, prefix in
        ProfileLoader().list().map(\.name).filter { $0.hasPrefix(prefix) }
    }
    static let dimensions = CompletionKind.list(Decoy.Dimension.allCases.map(\.rawValue))
}
