/// What a run tells its inspector process (`veil-core __inspector`), as a command line: the
/// run's own options (with the profile that was chosen), the resolved workdir (a canary) and
/// the key placeholders the agent was given. The inspector derives everything else (routes,
/// canaries, rules, real keys) from the same profile and the host environment it inherits.
public struct InspectorHandoff: Sendable, Equatable {
    public static let command = "__inspector"
    /// The listening socket's descriptor in the inspector process.
    public static let socketFD: Int32 = 3
    /// Exit status of an inspector that found something (the run's `--fail-on-marker` status).
    public static let markerStatus: Int32 = 3

    /// The limits the sandbox hit, as far as veil could see them; they travel to the
    /// inspector as the value of the SIGTERM that stops it (sigqueue), for `--report`.
    public struct LimitHits: Sendable, Equatable {
        public var pidsRefused = 0
        public var oomKills = 0
        public var cpuTime = false
        public init(pidsRefused: Int = 0, oomKills: Int = 0, cpuTime: Bool = false) {
            (self.pidsRefused, self.oomKills, self.cpuTime) = (pidsRefused, oomKills, cpuTime)
        }

        public var isEmpty: Bool { pidsRefused == 0 && oomKills == 0 && !cpuTime }

        /// 15 bits each (saturated) and a flag: one signal value.
        public var packed: Int32 {
            Int32(min(pidsRefused, 0x7FFF) << 16 | min(oomKills, 0x7FFF) << 1 | (cpuTime ? 1 : 0))
        }

        public init(packed v: Int32) {
            self.init(pidsRefused: Int(v >> 16) & 0x7FFF, oomKills: Int(v >> 1) & 0x7FFF, cpuTime: v & 1 == 1)
        }
    }

    public var options: RunOptions
    public var workdir: String
    public var placeholders: [String: String]
    /// Placeholders earlier runs of the profile issued (`PlaceholderLedger`): still restored.
    public var earlier: [String: [String]] = [:]
    /// Started before the sandbox (a profile that allows CONNECT): descriptor 3 is then a
    /// socket to veil, on which the inspector sends the run CA's certificate and receives the
    /// listening socket (`InspectorProcess.spawnEarly`).
    public var awaitsSocket = false

    public init(options: RunOptions, workdir: String, placeholders: [String: String], awaitsSocket: Bool = false) {
        self.options = options
        self.workdir = workdir
        self.placeholders = placeholders
        self.awaitsSocket = awaitsSocket
    }

    public func arguments() -> [String] {
        var out = [Self.command, "--host-workdir", workdir]
        if awaitsSocket { out += ["--await-socket", "1"] }
        for (k, v) in placeholders.sorted(by: { $0.key < $1.key }) { out += ["--placeholder", k + "=" + v] }
        for (k, vs) in earlier.sorted(by: { $0.key < $1.key }) { for v in vs { out += ["--earlier", k + "=" + v] } }
        return out + RunArguments.render(options)
    }

    public static func parse(_ args: [String]) -> InspectorHandoff? {
        guard args.first == command else { return nil }
        var workdir: String?
        var placeholders: [String: String] = [:]
        var earlier: [String: [String]] = [:]
        var awaitsSocket = false
        var i = 1
        while i + 1 < args.count {
            let value = args[i + 1]
            if args[i] == "--host-workdir" {
                workdir = value
            } else if args[i] == "--await-socket" {
                awaitsSocket = value == "1"
            } else if args[i] == "--placeholder", let eq = value.firstIndex(of: "=") {
                placeholders[String(value[..<eq])] = String(value[value.index(after: eq)...])
            } else if args[i] == "--earlier", let eq = value.firstIndex(of: "=") {
                earlier[String(value[..<eq]), default: []].append(String(value[value.index(after: eq)...]))
            } else {
                break
            }
            i += 2
        }
        guard let w = workdir, let o = RunArguments.parse(Array(args[i...])) else { return nil }
        var h = InspectorHandoff(options: o, workdir: w, placeholders: placeholders, awaitsSocket: awaitsSocket)
        h.earlier = earlier
        return h
    }
}
