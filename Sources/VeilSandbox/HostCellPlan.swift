/// What compare's host arm asks of its cell (`HostCell`), as the command line of
/// `veil __host-arm`: the ports to listen on inside, the non-loopback addresses the agent dials,
/// the files laid over the host's (its hosts file, its trust bundles), where the recorder waits
/// for the listening sockets, and the agent's command. Pure: rendered by veil-core, parsed by
/// the launcher, which must stay single-threaded to make a user namespace.
public struct HostCellPlan: Sendable, Equatable {
    public static let command = "__host-arm"

    public struct Overlay: Sendable, Equatable {
        public var source: String
        public var target: String
        public init(source: String, target: String) { (self.source, self.target) = (source, target) }
    }

    /// Listening sockets made inside, handed to the recorder in this order.
    public var ports: [Int] = []
    /// IPv4/IPv6 literals (other than loopback) the agent dials: added to the cell's lo.
    public var addresses: [String] = []
    public var overlays: [Overlay] = []
    /// Entered once the overlays are in (the real workdir, over which its copy is laid).
    public var cwd: String?
    /// A unix socket of the recorder's (filesystem sockets reach across network namespaces).
    public var socketPath = ""
    public var argv: [String] = []

    public init() {}

    public func arguments() -> [String] {
        var out = [Self.command, "--socket", socketPath]
        for p in ports { out += ["--listen", String(p)] }
        for a in addresses { out += ["--address", a] }
        for o in overlays { out += ["--overlay", o.source, o.target] }
        if let cwd { out += ["--cwd", cwd] }
        return out + ["--"] + argv
    }

    /// nil for anything but a well-formed plan with a command: the launcher then hands the
    /// line to veil-core, which says what is wrong.
    public static func parse(_ args: [String]) -> HostCellPlan? {
        guard args.first == command else { return nil }
        var plan = HostCellPlan()
        var i = 1
        while i < args.count, args[i] != "--" {
            switch args[i] {
            case "--socket" where i + 1 < args.count:
                plan.socketPath = args[i + 1]
                i += 2
            case "--listen" where i + 1 < args.count:
                guard let p = Int(args[i + 1]), p > 0, p < 65536 else { return nil }
                plan.ports.append(p)
                i += 2
            case "--address" where i + 1 < args.count:
                plan.addresses.append(args[i + 1])
                i += 2
            case "--cwd" where i + 1 < args.count:
                plan.cwd = args[i + 1]
                i += 2
            case "--overlay" where i + 2 < args.count:
                plan.overlays.append(Overlay(source: args[i + 1], target: args[i + 2]))
                i += 3
            default:
                return nil
            }
        }
        guard i < args.count, !plan.socketPath.isEmpty else { return nil }
        plan.argv = Array(args[(i + 1)...])
        return plan.argv.isEmpty ? nil : plan
    }
}
