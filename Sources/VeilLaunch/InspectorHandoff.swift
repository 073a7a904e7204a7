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

    public var options: RunOptions
    public var workdir: String
    public var placeholders: [String: String]

    public init(options: RunOptions, workdir: String, placeholders: [String: String]) {
        self.options = options
        self.workdir = workdir
        self.placeholders = placeholders
    }

    public func arguments() -> [String] {
        var out = [Self.command, "--host-workdir", workdir]
        for (k, v) in placeholders.sorted(by: { $0.key < $1.key }) { out += ["--placeholder", k + "=" + v] }
        return out + RunArguments.render(options)
    }

    public static func parse(_ args: [String]) -> InspectorHandoff? {
        guard args.first == command else { return nil }
        var workdir: String?
        var placeholders: [String: String] = [:]
        var i = 1
        while i + 1 < args.count {
            let value = args[i + 1]
            if args[i] == "--host-workdir" {
                workdir = value
            } else if args[i] == "--placeholder", let eq = value.firstIndex(of: "=") {
                placeholders[String(value[..<eq])] = String(value[value.index(after: eq)...])
            } else {
                break
            }
            i += 2
        }
        guard let w = workdir, let o = RunArguments.parse(Array(args[i...])) else { return nil }
        return InspectorHandoff(options: o, workdir: w, placeholders: placeholders)
    }
}
