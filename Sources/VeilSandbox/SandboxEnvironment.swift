import VeilProfile

/// What `-v` shows: which host variables were dropped and which were rewritten.
public struct EnvironmentReport: Sendable, Equatable {
    public var dropped: [String] = []
    public var rewritten: [String] = []
    public var passed: [String] = []
    public init() {}
}

/// Builds the sandbox environment from an allowlist. Nothing is copied by default:
/// proxies, mirrors, input methods, DISPLAY, SSH_AUTH_SOCK, LANGUAGE and LC_* all go.
public enum SandboxEnvironment {
    /// Host variables that are safe to copy as they are (terminal capabilities only).
    static let terminalVariables = ["TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR"]

    public struct Inputs: Sendable {
        public var host: [String: String]
        public var profile: Profile
        public var home: String
        public var cwd: String
        public var path: String
        public var locale: String
        public var shell: String
        /// Variables set by the launcher after the profile (base URLs, masked keys, proxies).
        public var overrides: [String: String]
        public init(host: [String: String], profile: Profile, home: String, cwd: String, path: String,
                    locale: String, shell: String, overrides: [String: String] = [:]) {
            self.host = host
            self.profile = profile
            self.home = home
            self.cwd = cwd
            self.path = path
            self.locale = locale
            self.shell = shell
            self.overrides = overrides
        }
    }

    /// Returns `NAME=value` strings (sorted, deterministic) and the report.
    public static func build(_ i: Inputs) -> (env: [String], report: EnvironmentReport) {
        let id = i.profile.identity
        var env: [String: String] = [
            "PATH": i.path, "HOME": i.home, "USER": id.user, "LOGNAME": id.user,
            "SHELL": i.shell, "TZ": id.tz, "LANG": i.locale, "LC_ALL": i.locale, "PWD": i.cwd,
        ]
        var report = EnvironmentReport()
        for name in terminalVariables { if let v = i.host[name] { env[name] = v } }
        for name in i.profile.env.pass {
            if let v = i.host[name] { env[name] = v; report.passed.append(name) }
        }
        for (k, v) in i.profile.env.set { env[k] = v }
        for (k, v) in i.overrides { env[k] = v }
        if env["TERM"] == nil { env["TERM"] = "xterm-256color" }

        for (k, v) in i.host.sorted(by: { $0.key < $1.key }) {
            guard let inside = env[k] else { report.dropped.append(k); continue }
            if inside != v { report.rewritten.append(k) }
        }
        report.passed.sort()
        let list = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return (list, report)
    }
}
