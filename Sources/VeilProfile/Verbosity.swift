import Glibc

/// `-v` on every command, repeatable: 0 says only what must be said, 1 what veil decided
/// (profile, workdir, what the agent's environment lost or got, each run of probe, each
/// request of inspect), 2 how (mounts, limits, routes, the host arm's plan). Set once, before
/// any thread starts, by the command line; read everywhere.
public enum Verbosity {
    nonisolated(unsafe) public private(set) static var level = 0

    public static func set(_ level: Int) { Self.level = max(0, level) }

    /// One `veil: …` line on standard error when the level is at least `at` (a request's target
    /// in it is the agent's text: shown, not obeyed).
    public static func say(_ at: Int, _ message: @autoclosure () -> String) {
        guard level >= at else { return }
        let line = Array(("veil: " + TerminalText.line(message()) + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
