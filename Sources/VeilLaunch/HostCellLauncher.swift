import Glibc
import VeilProfile
import VeilSandbox

/// `veil __host-arm …`: compare's host arm (`HostCell`), run by the launcher because a user
/// namespace can only be made by a single-threaded process, which veil-core is not.
public enum HostCellLauncher {
    /// nil when `arguments` are not a host-arm line; otherwise only returns on failure.
    public static func run(_ arguments: [String]) -> Int32? {
        guard arguments.first == HostCellPlan.command else { return nil }
        guard let plan = HostCellPlan.parse(arguments) else {
            stderrLine("veil: \(HostCellPlan.command) is veil compare's own; its line was not readable")
            return 125
        }
        do {
            try HostCell.enter(plan)
        } catch let e as SandboxError {
            let d = e.description
            stderrLine(d.hasPrefix("veil: ") ? "veil: host arm: " + d.dropFirst(6) : d)
            return e.exitStatus
        } catch {
            stderrLine("veil: host arm: \(error)")
            return 125
        }
    }
}
