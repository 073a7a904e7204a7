import Foundation

/// Ubuntu 23.10 and later (GitHub's ubuntu-24.04 runners among them) let an unprivileged
/// program make a user namespace only when an AppArmor profile grants it `userns`
/// (`kernel.apparmor_restrict_unprivileged_userns = 1`); Ubuntu ships such a profile for
/// bubblewrap. This is veil's: what doctor checks, and the profile it prints for the fix.
public struct AppArmorUserNamespaces: Sendable, Equatable {
    /// The sysctl's value: nil where the kernel has no such restriction (no AppArmor, or not
    /// Ubuntu's patch), true when it is on.
    public var restricted: Bool?

    /// Read from `procSys` (`/proc/sys`; a fixture directory in tests).
    public init(procSys: String = "/proc/sys") {
        let path = procSys + "/kernel/apparmor_restrict_unprivileged_userns"
        let value = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        restricted = value.map { $0 != "0" }
    }

    public static let profilePath = "/etc/apparmor.d/veil"

    /// A profile that confines nothing and grants `userns`, for each of veil's binaries (the
    /// launcher makes the sandbox; veil-core runs sandboxes itself when no launcher is beside
    /// it). Paths must be the installed, real ones: AppArmor attaches by path.
    public static func profile(binaries: [String]) -> String {
        var out = ["# veil: lets veil make user namespaces where AppArmor restricts them",
                   "# (kernel.apparmor_restrict_unprivileged_userns = 1). Written by `veil doctor --apparmor-profile`.",
                   "abi <abi/4.0>,", "include <tunables/global>", ""]
        for path in binaries {
            let name = path.split(separator: "/").last.map(String.init) ?? "veil"
            out += ["profile \(name) \(path) flags=(unconfined) {", "  userns,", "",
                    "  include if exists <local/\(name)>", "}", ""]
        }
        return out.joined(separator: "\n")
    }

    /// The commands that install the profile (root), and the alternative for a throwaway CI
    /// machine.
    public static func fix(binaries: [String]) -> String {
        """
        veil doctor --apparmor-profile | sudo tee \(profilePath) >/dev/null && sudo apparmor_parser -r \(profilePath)
          (on a throwaway CI runner instead: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)
          for: \(binaries.joined(separator: ", "))
        """
    }

    /// Doctor's line. Root is not restricted; an unprivileged user is unless a profile grants
    /// veil `userns`, which shows as the sandbox starting.
    func check(uid: uid_t, sandboxStarted: Bool, binaries: [String]) -> Doctor.Check? {
        guard let restricted else { return nil }
        let name = "AppArmor user-namespace restriction"
        let setting = "kernel.apparmor_restrict_unprivileged_userns = \(restricted ? 1 : 0)"
        if !restricted || uid == 0 { return Doctor.Check(name: name, ok: true, detail: setting) }
        if sandboxStarted {
            return Doctor.Check(name: name, ok: true, detail: setting + "; an AppArmor profile lets veil make user namespaces")
        }
        return Doctor.Check(name: name, ok: false, detail: setting + ": unprivileged user namespaces need an AppArmor "
                            + "profile for veil. Install it:\n  " + AppArmorUserNamespaces.fix(binaries: binaries))
    }
}
