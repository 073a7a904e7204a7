// The profile model: what a profile file says after inheritance is resolved.
// Every field has the value of the `default` profile unless a file overrides it;
// the loader (ProfileLoader) fills these from TOML and reports positions on errors.

public struct Profile: Sendable, Equatable {
    public var name: String
    public var description: String = ""
    /// The profile this one was derived from (already merged in).
    public var extends: String? = nil
    public var agent = Agent()
    public var identity = Identity()
    public var env = Env()
    public var filesystem = Filesystem()
    public var seccomp = Seccomp()
    public var inspector = Inspector()
    public var limits = Limits()

    public init(name: String) { self.name = name }

    /// `[agent]`: which commands pick this profile in `veil run -- CMD`.
    public struct Agent: Sendable, Equatable {
        public var commands: [String] = []
        public init() {}
    }

    /// `[identity]`: what the sandbox says about who and where it is.
    public struct Identity: Sendable, Equatable {
        public var user = "user"
        public var uid: UInt32 = 1000
        public var gid: UInt32 = 1000
        public var fullName = ""
        public var hostname = "localhost"
        public var tz = "UTC"
        /// Preferred locale; the launcher falls back to C.UTF-8 when it is not installed.
        public var locale = "C.UTF-8"
        public init() {}
    }

    /// `[env]`: the environment is built from an allowlist, never copied.
    public struct Env: Sendable, Equatable {
        /// Host variables passed through unchanged when set (e.g. API keys).
        public var pass: [String] = []
        /// Fixed values, applied last.
        public var set: [String: String] = [:]
        public init() {}
    }

    /// `[filesystem]`: extra binds and files carried into the neutral home.
    public struct Filesystem: Sendable, Equatable {
        public var readOnly: [Bind] = []
        public var readWrite: [Bind] = []
        /// Paths relative to the host HOME copied (once, if absent) into the profile's home.
        public var homeFiles: [String] = []
        /// Files veil writes (once, if absent) into the profile's home, `${NAME}` replaced by
        /// the agent's environment: configuration an agent reads only from a file.
        public var homeWrite: [HomeWrite] = []
        public init() {}
    }

    /// `[filesystem.home_write]`: a path relative to the home and its text.
    public struct HomeWrite: Sendable, Equatable {
        public var path: String
        public var text: String
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    /// A host path and where it appears inside (same path when `target` is nil).
    public struct Bind: Sendable, Equatable {
        public var source: String
        public var target: String?
        public init(source: String, target: String? = nil) {
            self.source = source
            self.target = target
        }
    }

    /// `[seccomp]`: changes to the built-in deny list, by syscall name.
    /// What the agent may use (ResourceLimits, Cgroup). 0 means no limit (for `core_mb`: no
    /// core files).
    public struct Limits: Sendable, Equatable {
        /// Processes and threads of the sandbox.
        public var pids = 4096
        /// Memory of the sandbox (a cgroup), else of each process (RLIMIT_DATA).
        public var memoryMB = 8192
        public var openFiles = 65536
        public var coreMB = 0
        public var cpuSeconds = 0
        public init() {}
    }

    public struct Seccomp: Sendable, Equatable {
        public var deny: [String] = []
        public var allow: [String] = []
        public init() {}
    }

    /// `[inspector]`: how the agent's model traffic is routed and judged.
    public struct Inspector: Sendable, Equatable {
        /// Port of the inspector on the sandbox's own loopback.
        public var port: Int = 8080
        /// Base-URL variables and their default upstream when the host does not set them.
        public var baseURLs: [BaseURL] = []
        /// Variables holding credentials: the agent sees a per-run placeholder instead.
        public var keys: [String] = []
        /// Hosts a CONNECT through the inspector may reach.
        public var connectAllow: [String] = []
        /// What happens on a finding, per finding class.
        public var modes = Modes()
        /// Largest request body accepted (413 beyond it).
        public var maxBodyBytes: Int = 64 << 20
        /// Request bytes held at once over all the agent's connections (503 beyond it): many
        /// bodies left unfinished must not hold the host's memory.
        public var maxBufferedBytes: Int = 256 << 20
        /// The agent's connections open at once (closed at once beyond it): each holds buffers
        /// of its own (a read, a head being received), which the byte bound above does not see.
        public var maxConnections: Int = 512
        /// What `--record` writes in one run at most: past it, one line says the record is
        /// full and nothing more is written (an agent's requests must not fill the host's disk).
        public var maxRecordBytes: Int = 1 << 30
        /// From a request's first byte to its last (408 and a close beyond it): a client that
        /// sends its head a byte a second does not keep a connection forever.
        public var requestTimeoutSeconds: Int = 30
        /// An idle keep-alive connection is closed after this.
        public var idleTimeoutSeconds: Int = 75
        /// Profile rules: forbidden patterns and expected formats.
        public var rules: [Rule] = []
        /// Words the agent itself writes with curly quotes or dashes (`Don’t`, `Codex—and`):
        /// found in its prompt they are severity `typography`, below the default gate.
        public var ownTypography: [String] = []
        public init() {}
    }

    public struct BaseURL: Sendable, Equatable {
        public var variable: String
        public var upstream: String
        public init(variable: String, upstream: String) {
            self.variable = variable
            self.upstream = upstream
        }
    }

    public enum Mode: String, Sendable, Equatable, CaseIterable {
        case report, block
    }

    /// Default: block on host canaries and tag-block characters, report the rest.
    public struct Modes: Sendable, Equatable {
        public var canary: Mode = .block
        public var tag: Mode = .block
        public var covert: Mode = .report
        public var rule: Mode = .report
        public init() {}
    }

    /// A profile rule. `pattern` is matched against every string in the request.
    public struct Rule: Sendable, Equatable {
        public enum Kind: String, Sendable, Equatable {
            /// The pattern must not occur.
            case forbid
            /// Dates written in the prompt must be ISO 8601 (YYYY-MM-DD).
            case isoDate = "iso-date"
        }
        public var name: String
        public var kind: Kind
        public var pattern: String = ""
        public var mode: Mode? = nil
        public init(name: String, kind: Kind, pattern: String = "", mode: Mode? = nil) {
            self.name = name
            self.kind = kind
            self.pattern = pattern
            self.mode = mode
        }
    }
}
