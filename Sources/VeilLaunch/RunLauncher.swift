import Glibc
import VeilProfile
import VeilSandbox

/// `veil run`: plan the sandbox from the profile and the host, start it, hand its inspector
/// socket to the inspector process, and return the agent's exit status.
public enum RunLauncher {
    /// `core`: the `veil-core` binary that serves the inspector.
    public static func run(_ o: RunOptions, core: String) -> Int32 {
        Verbosity.set(max(Verbosity.level, o.verbosity))
        do {
            // The sandbox's PID 1 first, while veil is single-threaded: the kernel makes its
            // namespaces on another CPU while veil plans.
            let pending = try Sandbox.clonePID1()
            let prepared: Prepared
            do { prepared = try prepare(o, environment: ProcessEnvironment.current(), pending, core: core) } catch {
                pending.cancel()
                throw error
            }
            if Verbosity.level > 0 { describe(prepared) }
            return try launch(prepared, pending, core: core)
        } catch let e as SandboxError {
            stderrLine(e.description)
            return e.exitStatus
        } catch let e as CustomStringConvertible {
            stderrLine(e.description.hasPrefix("veil") ? e.description : "veil: \(e.description)")
            return 125
        } catch {
            stderrLine("veil: \(error)")
            return 125
        }
    }

    struct Prepared {
        var profileName: String
        var plan: LaunchPlan
        var handoff: InspectorHandoff
        /// Started before the plan, when the run needs its CA (`InspectorProcess.spawnEarly`).
        var inspector: InspectorProcess?
        var workdir: String
        /// The terminal's modes before the agent, put back after it.
        var terminalModes: TerminalModes?
    }

    /// `pending`: the sandbox gets the plan's basics as soon as the profile is known.
    static func prepare(_ o: RunOptions, environment env: [String: String], _ pending: Sandbox.Pending,
                        core: String) throws -> Prepared {
        guard let name = o.command.first else { throw SandboxError(.resolve, errno: ENOENT, "no command given") }
        var (profile, reference) = try ProfileSelection.load(o.profile, command: name, trustProject: o.trustProject)
        Decoy.apply(o.decoys, to: &profile)
        let port = profile.inspector.port
        try pending.sendBasics(Planner.basics(profile, inspectorPort: port))
        let account = HostAccount.current()
        let hostHome = env["HOME"] ?? account.home
        let cwd = HostFiles.currentDirectory()
        let state = StateDirs(environment: env, home: hostHome)
        let workdirArg = o.workdir.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd
        let checked = try CheckedWorkdir.resolve(workdirArg, refusing: WorkdirPolicy(
            homes: [hostHome, account.home], stateRoot: state.root, allowHome: o.allowHomeWorkdir))
        let workdir = checked.path
        let machineID = try state.prepare(profile: profile.name)

        var ledger = PlaceholderLedger.load(state, profile: profile.name)
        var wiring = LaunchWiring.make(profile: profile, hostEnvironment: env, port: port, upstream: o.upstream,
                                       placeholderSeed: ledger.seed)
        if ledger.note(wiring.placeholders) { try state.write(PlaceholderLedger.file, profile: profile.name, ledger.render()) }
        var chosen = o
        chosen.profile = reference
        var handoff = InspectorHandoff(options: chosen, workdir: workdir, placeholders: wiring.placeholders)
        handoff.earlier = ledger.earlier(than: wiring.placeholders)
        // A profile that allows CONNECT gets the run's CA, which only the inspector may hold: it
        // starts now and makes the CA while veil plans the rest.
        let early = wiring.needsRunCA ? try InspectorProcess.spawnEarly(core: core, handoff: handoff) : nil
        do {
            let command = try CommandResolver.resolve(name, searchPath: env["PATH"] ?? "/usr/bin:/bin", cwd: cwd,
                                                      home: hostHome, environment: env)
            state.carryIn(profile.filesystem.homeFiles, from: hostHome, profile: profile.name)
            let avoid = [account.userName, account.hostname] + account.fullName.split(separator: " ").map(String.init)
            let workdirName = try WorkdirRegistry.neutralName(for: workdir, stateRoot: state.root, avoid: avoid)

            let decoyHosts = Decoy.applyNetwork(o.decoys, to: &wiring.environment, port: port)
            var inputs = PlanInputs(
                profile: profile, hostEnvironment: env, hostHome: hostHome, command: command,
                arguments: Array(o.command.dropFirst()), hostWorkdir: workdir, workdirName: workdirName,
                profileHome: state.home(profile.name), machineID: machineID, bootID: randomUUID(), layout: .probe())
            inputs.hostWorkdirIdentity = (checked.device, checked.inode)
            inputs.hostKernelRelease = HostKernel.uname().release
            inputs.agentIsHostRoot = getuid() == 0
            inputs.hostCPUInfo = HostFiles.read("/proc/cpuinfo").map { String(decoding: $0, as: UTF8.self) }
            inputs.environmentOverrides = wiring.environment
            inputs.inspectorPort = port
            inputs.extraHosts = decoyHosts
            if let locale = o.decoys.last(where: { $0.dimension == .locale }) { inputs.forcedLocale = locale.value }
            inputs.runCA = try early?.certificate()

            var plan = Planner.plan(inputs)
            if !profile.filesystem.homeWrite.isEmpty {
                // The agent's variables, for `${NAME}`: made only when a text names one.
                let namesOne = profile.filesystem.homeWrite.contains { $0.text.utf8.contains(UInt8(ascii: "$")) }
                var agentEnvironment: [String: String] = [:]
                for entry in plan.environment where namesOne {
                    guard let eq = entry.firstIndex(of: "=") else { continue }
                    agentEnvironment[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
                }
                state.writeIn(profile.filesystem.homeWrite, environment: agentEnvironment, profile: profile.name)
            }
            plan.terminal = TerminalControl.current()
            return Prepared(profileName: profile.name, plan: plan, handoff: handoff, inspector: early, workdir: workdir,
                            terminalModes: TerminalModes.save(plan.terminal))
        } catch {
            early?.abandon()
            throw error
        }
    }

    static func launch(_ p: Prepared, _ pending: Sandbox.Pending, core: String) throws -> Int32 {
        let sandbox: Sandbox
        // What the sandbox cannot guard in the workdir's repositories, seen before the agent
        // exists and while the sandbox mounts (GitControlWatch).
        var git = GitControlWatch.none
        do { sandbox = try pending.completeSetup(p.plan) { git = .atLaunch(workdir: p.workdir) } } catch {
            p.inspector?.abandon()
            throw error
        }
        let o = p.handoff.options
        var inspector = p.inspector
        var attempted = inspector != nil, startFailed = false
        if let early = inspector {
            early.hand(socket: sandbox.inspectorSocket)
            if let fd = sandbox.inspectorSocket { close(fd) }
        }
        func startInspector() {
            guard !attempted, let fd = sandbox.inspectorSocket else { return }
            attempted = true
            do { inspector = try InspectorProcess.spawn(core: core, handoff: p.handoff, socket: fd) } catch {
                // Fail closed, and at once: the agent's connections are refused, and the run says why.
                startFailed = true
                stderrLine("\(error)")
            }
            // The inspector holds the socket now; should it die, the agent is refused, not left hanging.
            close(fd)
        }
        // Results asked for: the inspector starts now, alongside the sandbox's own setup, and
        // writes them even if the agent never calls its model. Otherwise it starts on the
        // agent's first connection, so a run that never talks to a model pays nothing for it.
        if o.wantsResults { startInspector() }
        var status: Int32
        let modes = p.terminalModes
        do {
            try sandbox.awaitExec()
            status = sandbox.wait(onFirstConnection: attempted ? nil : startInspector)
        } catch {
            modes?.restore()
            _ = inspector?.stop()
            throw error
        }
        // Before veil's own lines, which a raw terminal would run together.
        modes?.restore()
        let hits = reportLimits(status: status, limits: p.plan.limits, cgroup: sandbox.cgroup)
        if let i = inspector {
            let found = i.stop(hits: hits)
            if found == InspectorHandoff.markerStatus {
                if o.failOn != nil { status = InspectorHandoff.markerStatus }
            } else if found == 125 || (found != 0 && status == 0) {
                status = 125
            }
        } else if startFailed && status == 0 {
            status = 125
        }
        for line in git.afterRun(workdir: p.workdir) { stderrLine(line) }
        return status
    }

    /// One line for each limit the agent ran into that veil can see; the same for `--report`.
    static func reportLimits(status: Int32, limits: Profile.Limits, cgroup: Cgroup?) -> InspectorHandoff.LimitHits {
        var out = InspectorHandoff.LimitHits(cpuTime: status == 128 + SIGXCPU && limits.cpuSeconds > 0)
        if out.cpuTime { stderrLine("veil: the agent used up its CPU time (limits.cpu_seconds = \(limits.cpuSeconds))") }
        guard let hits = cgroup?.hits() else { return out }
        (out.pidsRefused, out.oomKills) = (hits.pids, hits.oomKills)
        if hits.pids > 0 {
            stderrLine("veil: the sandbox hit its process limit (limits.pids = \(limits.pids)): \(hits.pids) fork(s) refused")
        }
        if hits.oomKills > 0 {
            stderrLine("veil: the kernel killed \(hits.oomKills) process(es) at the sandbox's memory limit (limits.memory_mb = \(limits.memoryMB))")
        }
        return out
    }

    /// `-v`: what the run decided; `-vv`: how the sandbox is built.
    static func describe(_ p: Prepared) {
        let plan = p.plan
        Verbosity.say(1, "profile \(p.profileName); workdir \(plan.cwd); exec \(plan.argv.joined(separator: " "))")
        let r = plan.environmentReport
        if !r.dropped.isEmpty { Verbosity.say(1, "dropped from the environment: \(r.dropped.joined(separator: " "))") }
        if !r.rewritten.isEmpty { Verbosity.say(1, "rewritten: \(r.rewritten.joined(separator: " "))") }
        if !r.passed.isEmpty { Verbosity.say(1, "passed through: \(r.passed.joined(separator: " "))") }
        Verbosity.say(1, "inspector: " + (p.inspector != nil ? "started before the sandbox (it holds the run's CA)"
            : p.handoff.options.wantsResults ? "starts with the sandbox (results were asked for)" : "starts on the agent's first connection")
            + (p.handoff.options.upstream.map { ", upstream \($0)" } ?? ""))
        for op in plan.mounts { Verbosity.say(2, "mount \(op)") }
        let l = plan.limits
        Verbosity.say(2, "limits: pids \(l.pids), memory_mb \(l.memoryMB), open_files \(l.openFiles), core_mb \(l.coreMB), cpu_seconds \(l.cpuSeconds)")
    }


    /// A random (version 4) UUID, as /proc/sys/kernel/random/boot_id shows one.
    static func randomUUID() -> String {
        var rng = SystemRandomNumberGenerator()  // two getrandom calls, not sixteen
        let words = (rng.next() as UInt64, rng.next() as UInt64)
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for i in 0..<16 {
            var b = UInt8(truncatingIfNeeded: (i < 8 ? words.0 : words.1) >> (UInt64(i % 8) * 8))
            if i == 6 { b = (b & 0x0F) | 0x40 }
            if i == 8 { b = (b & 0x3F) | 0x80 }
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
