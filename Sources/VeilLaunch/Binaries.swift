import Glibc
import VeilSandbox

/// veil is two executables installed side by side: `veil`, small, which runs sandboxes, and
/// `veil-core`, which has everything else (the inspector, doctor, compare, probe, …) and can
/// run sandboxes too. Each finds the other next to its own real path.
public enum Binaries {
    public static let launcherName = "veil"
    public static let coreName = "veil-core"

    /// This process's binary, symlinks resolved.
    public static func ownPath() -> String {
        CommandResolver.realpath("/proc/self/exe") ?? CommandLine.arguments[0]
    }

    public static func sibling(_ name: String) -> String {
        let own = ownPath()
        guard let slash = own.lastIndex(of: "/") else { return name }
        return String(own[...slash]) + name
    }

    /// What runs sandboxes for veil-core's own subprocesses (doctor, compare, probe, shims):
    /// the `veil` beside it, else veil-core itself.
    public static func launcher() -> String {
        let veil = sibling(launcherName)
        return access(veil, X_OK) == 0 ? veil : ownPath()
    }
}
