import CSeccomp
import Foundation
import VeilLaunch
import VeilProxy
import VeilProfile
import VeilSandbox
import VeilScan

/// `veil doctor`: can this host run the sandbox, and what does the agent see instead of the
/// host's fingerprint? The sandbox column comes from a real sandbox: veil runs itself inside
/// (`veil run -- veil __facts`) and reports what it reads there.
public enum Doctor {
    public struct Check: Sendable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    public struct Row: Sendable {
        public var fact: String
        public var host: String
        public var sandbox: String
        /// The sandbox shows a host value (empty host values never count).
        public var leaks: Bool
    }

    public static func run(profile: String?, output: (String) -> Void) -> Int32 {
        var checks = hostChecks()
        let host = HostFacts.capture()
        var rows: [Row] = []
        let started: Bool
        switch sandboxFacts(profile: profile) {
        case .success(let inside):
            checks.append(Check(name: "sandbox starts", ok: true, detail: "veil ran itself inside and read its facts"))
            rows = compare(host: host, sandbox: inside)
            started = true
        case .failure(let message):
            checks.append(Check(name: "sandbox starts", ok: false, detail: message))
            started = false
        }
        if let apparmor = AppArmorUserNamespaces().check(uid: getuid(), sandboxStarted: started, binaries: installedBinaries()) {
            checks.insert(apparmor, at: checks.count - 1)
        }
        for c in checks { output("\(c.ok ? "ok  " : "FAIL") \(c.name): \(c.detail)") }
        if !rows.isEmpty { output(""); output(table(rows)) }
        let ok = checks.allSatisfy(\.ok) && !rows.contains(where: \.leaks)
        output(ok ? "\nveil doctor: this host can run veil." : "\nveil doctor: problems found (see above).")
        return ok ? 0 : 1
    }

    static func hostChecks() -> [Check] {
        var checks: [Check] = []
        let maxNS = readTrimmed("/proc/sys/user/max_user_namespaces") ?? "?"
        checks.append(Check(name: "user namespaces", ok: maxNS != "0", detail: "max_user_namespaces = \(maxNS)"))
        if let v = readTrimmed("/proc/sys/kernel/unprivileged_userns_clone") {
            checks.append(Check(name: "unprivileged user namespaces (Debian sysctl)", ok: v == "1" || getuid() == 0,
                                detail: "kernel.unprivileged_userns_clone = \(v)"))
        }
        checks.append(limitsCheck(cgroup: Cgroup.placement(),
                                  pidMaxPerNamespace: KernelIdentity.pidMaxIsPerNamespace(release: HostKernel.uname().release)))
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        checks.append(Check(name: "seccomp", ok: status.contains("Seccomp:"), detail: "libseccomp \(seccompVersion())"))
        checks.append(trustCheck(environment: ProcessInfo.processInfo.environment))
        return checks
    }

    /// What https upstreams will be verified against, and a real handshake verified with it:
    /// a trust variable naming nothing, or a store that does not load, fails, since the
    /// inspector then refuses or fails every https upstream.
    static func trustCheck(environment: [String: String]) -> Check {
        let trust = UpstreamTrust(environment: environment)
        func check(_ ok: Bool, _ detail: String) -> Check { Check(name: "upstream TLS trust", ok: ok, detail: detail) }
        if let problem = trust.problem { return check(false, "\(problem): https upstreams are refused") }
        do throws(TrustHandshake.Failure) {
            try TrustHandshake.verify(trust)
            return check(true, "\(trust.source) (a loopback TLS handshake verified with it)")
        } catch {
            switch error {
            case .doesNotLoad(let why):
                return check(false, "\(trust.source) does not load (\(why)): every https upstream fails")
            case .handshake(let why):
                return check(false, "\(trust.source): a loopback TLS handshake verified with it failed (\(why))")
            case .loopback(let why):
                return check(false, "\(trust.source): no loopback TLS server to try it with (\(why))")
            }
        }
    }

    /// veil's two binaries as installed, symlinks resolved (what an AppArmor profile names).
    public static func installedBinaries() -> [String] {
        let candidates = [Binaries.sibling(Binaries.launcherName), Binaries.ownPath()]
        return candidates.filter { access($0, X_OK) == 0 }.map { path -> String in CommandResolver.realpath(path) ?? path }
    }

    /// Which of a profile's [limits] this host lets veil enforce, and how to enable the rest.
    static func limitsCheck(cgroup: String?, pidMaxPerNamespace: Bool) -> Check {
        let pids = pidMaxPerNamespace ? "pids for the whole sandbox (its PID namespace's pid_max)"
            : "pids per sandbox user (RLIMIT_NPROC; not for root: this kernel is older than 6.14, whose pid_max is per PID namespace)"
        let memory = cgroup.map { "memory for the whole sandbox (a cgroup v2 under \($0))" }
            ?? ("memory per process (RLIMIT_DATA) and of files in memory (/tmp, /var/tmp, /dev/shm, /run: one tmpfs); for the whole "
                + "sandbox, shared memory included, run veil in a delegated cgroup v2 subtree: systemd-run --user --scope -p Delegate=yes "
                + "veil …, or a container with its own cgroup namespace")
        return Check(name: "resource limits", ok: true, detail: "\(pids); \(memory); open files, core, CPU time per process")
    }

    static func compare(host h: HostFacts, sandbox s: HostFacts) -> [Row] {
        func row(_ fact: String, _ hv: String, _ sv: String) -> Row {
            Row(fact: fact, host: hv, sandbox: sv, leaks: !hv.isEmpty && hv == sv)
        }
        func list(_ xs: [String]) -> String { xs.joined(separator: " ") }
        return [
            row("time zone", h.timeZone, s.timeZone),
            row("locale", list(h.locales), list(s.locales).isEmpty ? "C.UTF-8" : list(s.locales)),
            row("host name", h.hostname, s.hostname),
            row("kernel release", h.kernelRelease, s.kernelRelease),
            row("user name", h.userName, s.userName),
            row("full name", h.fullName, s.fullName),
            row("uid", String(h.uid), String(s.uid)),
            row("home", h.home, s.home),
            row("workdir", h.workdir, s.workdir),
            row("DNS servers", list(h.dnsServers.filter { !$0.hasPrefix("127.") }), list(s.dnsServers.filter { !$0.hasPrefix("127.") })),
            row("machine-id", h.machineID, s.machineID),
            row("addresses", list(h.addresses), list(s.addresses)),
            row("proxy hosts", list(h.proxyHosts.filter { $0 != "127.0.0.1" && $0 != "localhost" }), list(s.proxyHosts.filter { $0 != "127.0.0.1" && $0 != "localhost" })),
        ]
    }

    static func table(_ rows: [Row]) -> String {
        let w0 = max(5, rows.map(\.fact.count).max() ?? 0)
        let w1 = min(40, max(4, rows.map(\.host.count).max() ?? 0))
        func cell(_ s: String, _ w: Int) -> String {
            let t = s.count > w ? String(s.prefix(w - 1)) + "…" : s
            return t + String(repeating: " ", count: max(0, w - t.count))
        }
        var out = "\(cell("fact", w0))  \(cell("host", w1))  sandbox\n"
        for r in rows {
            out += "\(cell(r.fact, w0))  \(cell(r.host.isEmpty ? "-" : r.host, w1))  \(r.sandbox.isEmpty ? "-" : r.sandbox)"
            out += r.leaks ? "   <- same as host\n" : "\n"
        }
        return out
    }

    enum Outcome { case success(HostFacts), failure(String) }

    static func sandboxFacts(profile: String?) -> Outcome {
        // `veil run` as the user runs it, with veil-core's `__facts` inside.
        let exe = Binaries.launcher(), core = Binaries.ownPath()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["run"] + (profile.map { ["--profile", $0] } ?? []) + ["--", core, "__facts"]
        Verbosity.say(1, "doctor: the sandbox's side from " + ([exe] + p.arguments!).joined(separator: " "))
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return .failure("cannot start \(exe): \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, let facts = try? JSONDecoder().decode(HostFacts.self, from: data) else {
            return .failure("`veil run` failed (status \(p.terminationStatus)): \(errText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return .success(facts)
    }

    /// The facts as seen from where this process runs, as JSON (the `__facts` command).
    public static func factsJSON() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return (try? enc.encode(HostFacts.capture())).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func seccompVersion() -> String {
        guard let v = seccomp_version() else { return "?" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }

    static func readTrimmed(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
