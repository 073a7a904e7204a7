import Testing
@testable import VeilSandbox

@Suite struct WorkdirPolicyTests {
    static let policy = WorkdirPolicy(homes: ["/home/alice", "/home/alice/"], stateRoot: "/home/alice/.local/state/veil")

    @Test(arguments: ["/", "/etc", "/etc/ssh", "/usr", "/usr/local/lib", "/var", "/var/lib/dpkg", "/proc/1", "/sys",
                      "/home", "/tmp", "/opt", "/boot", "/run/user/1000"])
    func systemDirectoriesAreRefused(_ path: String) {
        #expect(Self.policy.refusal(path)?.contains("system directory") == true)
    }

    @Test(arguments: ["/home/alice/src/app", "/tmp/build-1", "/opt/project", "/srv/www/site", "/var/www/x", "/work/main"])
    func projectDirectoriesAreAccepted(_ path: String) {
        #expect(Self.policy.refusal(path) == nil)
    }

    @Test func theHomeNeedsTheFlagAndWhatIsAboveItIsNeverAllowed() {
        #expect(Self.policy.refusal("/home/alice")?.contains("--allow-home-workdir") == true)
        var allowed = Self.policy
        allowed.allowHome = true
        #expect(allowed.refusal("/home/alice") == nil)
        let deep = WorkdirPolicy(homes: ["/data/users/alice"], stateRoot: "/data/users/alice/.local/state/veil", allowHome: true)
        #expect(deep.refusal("/data/users")?.contains("contains your home") == true)
        #expect(deep.refusal("/data") != nil)
    }

    @Test func veilsOwnStateIsRefused() {
        for path in ["/home/alice/.local/state/veil", "/home/alice/.local/state/veil/profiles/default/home",
                     "/home/alice/.local/state", "/home/alice/.local"] {
            #expect(Self.policy.refusal(path)?.contains("veil's own state") == true, "\(path)")
        }
    }
}
