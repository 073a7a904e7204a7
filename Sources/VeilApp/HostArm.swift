import CVeilShim
import Foundation
import VeilLaunch
import VeilProfile
import VeilProxy
import VeilSandbox

/// Compare's host arm: the agent as the host runs it, every variable unchanged, in a cell
/// (`HostCell`) whose network leads only to a recorder here. The recorder is an inspector that
/// blocks nothing, listens on the ports of the agent's base URLs and proxies, answers TLS with
/// a certificate from a CA made for this run (and trusted in the cell only), answers CONNECT
/// as a proxy would, and forwards to the compare's upstream.
final class HostArm {
    let child: ChildProcess
    let record: String
    private var listener: Int32
    private var recorder: Inspector?

    /// Writes the cell's files into `space` and makes the child; `start` runs it.
    /// `copy` is laid over `workdir` in the cell: the agent works in the copy at the real path.
    init(profile: Profile, environment env: [String: String], upstream: String, command: [String],
         workdir: String, copy: String, space: RunWorkspace) throws {
        let plan = HostArmPlan(profile: profile, environment: env)
        let ca = try RunCA()
        record = space.path("host.jsonl")
        var cell = HostCellPlan()
        cell.ports = plan.ports
        cell.addresses = plan.addresses
        cell.socketPath = space.path("cell.sock")
        cell.argv = command
        cell.overlays.append(.init(source: copy, target: workdir))
        cell.cwd = workdir

        let trust = HostArmTrust(environment: env, resolve: Self.resolve)
        let caFile = space.path("ca.pem")
        try ca.certificatePEM.write(toFile: caFile, atomically: false, encoding: .utf8)
        cell.overlays += try Self.overlays(plan, trust: trust, ca: ca, space: space)
        var cellEnv = env
        for (name, value) in trust.added { cellEnv[name] = value.isEmpty ? caFile : value }

        Verbosity.say(1, "compare: host arm listens on port(s) \(cell.ports.map(String.init).joined(separator: ", "))"
            + (plan.names.isEmpty ? "" : "; \(plan.names.joined(separator: ", ")) → 127.0.0.1")
            + (plan.addresses.isEmpty ? "" : "; on its lo: \(plan.addresses.joined(separator: ", "))")
            + (trust.added.isEmpty ? "" : "; sets \(trust.added.keys.sorted().joined(separator: ", ")) (unset on the host)"))
        for o in cell.overlays { Verbosity.say(2, "compare: host arm lays \(o.source) over \(o.target)") }
        listener = try Self.listen(cell.socketPath)
        config = Self.recorderConfig(profile: profile, environment: env, upstream: upstream, plan: plan, ca: ca, record: record)
        ports = cell.ports.count
        do {
            child = try ChildProcess(argv: [Binaries.launcher()] + cell.arguments(), environment: cellEnv, cwd: copy,
                                     logPrefix: space.path("host"))
        } catch {
            close(listener)
            throw error
        }
    }

    private let config: InspectorConfig
    private let ports: Int

    /// The files laid over the host's in the cell, written into `space`: the hosts file with
    /// the names first, nsswitch.conf with `files` first where it is not, and each trust
    /// bundle with the run's CA appended.
    static func overlays(_ plan: HostArmPlan, trust: HostArmTrust, ca: RunCA, space: RunWorkspace) throws -> [HostCellPlan.Overlay] {
        var out: [HostCellPlan.Overlay] = []
        let hostsTarget = resolve("/etc/hosts") ?? "/etc/hosts"
        let hostsCopy = space.path("hosts.txt")
        try plan.hostsFile(original: read(hostsTarget)).write(toFile: hostsCopy, atomically: false, encoding: .utf8)
        out.append(.init(source: hostsCopy, target: hostsTarget))
        if let target = resolve("/etc/nsswitch.conf"), let text = HostArmPlan.nsswitch(original: read(target)) {
            let copy = space.path("nsswitch.txt")
            try text.write(toFile: copy, atomically: false, encoding: .utf8)
            out.append(.init(source: copy, target: target))
        }
        for (i, bundle) in trust.bundles.enumerated() {
            let copy = space.path("bundle-\(i).pem")
            var text = read(bundle)
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            try (text + ca.certificatePEM).write(toFile: copy, atomically: false, encoding: .utf8)
            out.append(.init(source: copy, target: bundle))
        }
        return out
    }

    /// An inspector that records and blocks nothing (this arm shows what the agent does outside
    /// veil): TLS terminated at its listeners and in tunnels, CONNECT to the profile's hosts
    /// and the ones the agent dials, everything to the compare's upstream.
    static func recorderConfig(profile: Profile, environment env: [String: String], upstream: String, plan: HostArmPlan,
                               ca: RunCA, record: String) -> InspectorConfig {
        var modes = Profile.Modes()
        (modes.canary, modes.tag, modes.covert, modes.rule) = (.report, .report, .report, .report)
        var config = InspectorConfig(routes: InspectorWiring.make(profile: profile, hostEnvironment: env, upstreamOverride: upstream).routes,
                                     modes: modes, recordPath: record,
                                     connectAllow: profile.inspector.connectAllow + plan.endpoints.map(\.description),
                                     hostEnvironment: env)
        config.runCA = ca
        config.routesOnly = true
        config.listenersTerminateTLS = true
        return config
    }

    /// Starts the cell and serves the sockets it hands over; returns once the agent runs.
    func start(timeout: Double = 20) throws {
        try child.start()
        let deadline = Date() + timeout
        var conn: Int32 = -1
        while conn < 0 {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) > 0 { conn = accept(listener, nil, nil) }
            if conn >= 0 { break }
            if child.finished || Date() > deadline {
                if !child.finished { _ = child.wait(timeout: 0) }
                throw CompareError("the host arm could not start (exit \(child.status)):\n" + ChildProcess.tail(child.stderr, lines: 4))
            }
        }
        defer { close(conn) }
        var fds: [Int32] = []
        for _ in 0..<ports {
            let fd = veil_recv_fd(conn)
            guard fd >= 0 else {
                for f in fds { close(f) }
                throw CompareError("the host arm's cell did not hand over its sockets (\(String(cString: strerror(errno))))")
            }
            fds.append(fd)
        }
        recorder = try Inspector.start(boundSockets: fds, config: config)
        var word: UInt8 = 1
        _ = write(conn, &word, 1)
    }

    /// Idempotent.
    func shutdown() {
        recorder?.shutdown()
        if listener >= 0 { close(listener) }
        listener = -1
    }

    static func listen(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw CompareError("cannot make the host arm's socket (\(String(cString: strerror(errno))))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw CompareError("the temporary directory's path is too long for a unix socket (\(path)); set TMPDIR to a shorter one")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in for (i, b) in bytes.enumerated() { buf[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, Glibc.listen(fd, 1) == 0 else {
            close(fd)
            throw CompareError("cannot listen at \(path) (\(String(cString: strerror(errno))))")
        }
        return fd
    }

    static func resolve(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        var st = stat()
        let real = String(cString: r)
        return stat(real, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? real : nil
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
