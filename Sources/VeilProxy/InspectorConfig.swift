import VeilProfile
import VeilScan

/// Where a request goes after inspection.
public enum Upstream: Sendable, Equatable {
    /// The built-in deterministic model API (answered in-process, no socket).
    case stub
    /// A base URL such as `https://api.anthropic.com` or `https://api.openai.com/v1`.
    case url(String)
}

/// One API's upstream. A route whose `api` is `.unknown` catches requests no other route claims.
public struct Route: Sendable, Equatable {
    public var api: APIKind
    public var upstream: Upstream
    public init(api: APIKind, upstream: Upstream) {
        self.api = api
        self.upstream = upstream
    }
}

/// Everything the inspector needs; built by `veil run` from the profile and host, or by
/// `veil inspect` from flags.
public struct InspectorConfig: Sendable {
    public var routes: [Route]
    /// Host facts that must never leave the sandbox.
    public var canaries: [Canary]
    public var rules: [Profile.Rule]
    public var modes: Profile.Modes
    /// Words the agent writes with typography itself (the profile's `own_typography`).
    public var ownTypography: [String] = []
    /// Largest request body accepted; larger ones get 413 in the API's error format.
    public var maxBodyBytes: Int
    /// Request bytes held at once over all connections; beyond it, 503 and a close.
    public var maxBufferedBytes: Int = 256 << 20
    /// Agent connections open at once (`max_connections`); one beyond is closed at once.
    public var maxConnections: Int = 512
    /// From a request's first byte to its last; beyond it, 408 and a close.
    public var requestTimeoutSeconds: Int64 = 30
    /// An idle keep-alive connection is closed after this.
    public var idleTimeoutSeconds: Int64 = 75
    /// JSONL record of every exchange (nil: no record).
    public var recordPath: String?
    /// Directories the agent can write (its workdir, its profile home): a record file below
    /// one is opened without following any symlink there (ConfinedPath).
    public var agentTrees: [String] = []
    /// Per-run placeholders the agent sees, and the real values put back upstream.
    public var credentials: [CredentialMask.Entry]
    /// Hosts (optionally `host:port`, or `*.suffix`) a CONNECT or absolute-form request may reach.
    public var connectAllow: [String]
    /// The host's environment: its HTTP(S)_PROXY / NO_PROXY (either case) apply upstream.
    public var hostEnvironment: [String: String]
    /// The run's CA: with it the inspector terminates the TLS of each allowed CONNECT and
    /// inspects what flows; without it every CONNECT is refused.
    public var runCA: RunCA? = nil
    /// Every request follows `routes` (a run with `--upstream`: the stub or a chosen server gets
    /// all model traffic): one inside a tunnel, or one naming an allowed host, goes by its path
    /// instead of to the host it names.
    public var routesOnly = false
    /// A connection that opens with a TLS handshake is answered with a certificate from
    /// `runCA` for the name it asks for (SNI), as a tunnel is: compare's host arm listens where
    /// the agent's https base URL points, and the agent dials it directly.
    public var listenersTerminateTLS = false
    /// Upper bound for establishing an upstream connection.
    public var connectTimeoutSeconds: Int64
    /// Upper bound for silence on an upstream connection; long because model calls stream slowly.
    public var readTimeoutSeconds: Int64
    /// Largest response body kept per exchange in the record (the rest is still forwarded).
    public var recordResponseBytes: Int
    /// What the record gets in one run at most (`max_record_bytes`); then one closing line.
    public var maxRecordBytes: Int = 1 << 30
    /// Event-loop threads serving agents and talking upstream.
    public var threads: Int
    /// Told one line (`BlockNotice`) for each request blocked: `veil run` writes it to the
    /// terminal, so a block is seen whatever the agent does with its error.
    public var onBlock: (@Sendable (String) -> Void)? = nil
    /// Told one line when something the user asked for stops (the record is full).
    public var onNotice: (@Sendable (String) -> Void)? = nil
    /// Told one line per exchange (`METHOD /path → upstream: decision status`), for `-v`.
    public var onExchange: (@Sendable (String) -> Void)? = nil

    public init(routes: [Route],
                canaries: [Canary] = [],
                rules: [Profile.Rule] = [],
                modes: Profile.Modes = Profile.Modes(),
                maxBodyBytes: Int = 64 << 20,
                recordPath: String? = nil,
                credentials: [CredentialMask.Entry] = [],
                connectAllow: [String] = [],
                hostEnvironment: [String: String] = [:],
                connectTimeoutSeconds: Int64 = 10,
                readTimeoutSeconds: Int64 = 600,
                recordResponseBytes: Int = 1 << 20,
                threads: Int = 2) {
        self.routes = routes
        self.canaries = canaries
        self.rules = rules
        self.modes = modes
        self.maxBodyBytes = maxBodyBytes
        self.recordPath = recordPath
        self.credentials = credentials
        self.connectAllow = connectAllow
        self.hostEnvironment = hostEnvironment
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.recordResponseBytes = recordResponseBytes
        self.threads = threads
    }
}
