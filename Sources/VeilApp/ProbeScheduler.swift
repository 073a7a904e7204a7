import VeilProfile
import Foundation
import VeilCompare

/// Runs probe's `veil run` subprocesses, up to `jobs` at a time (each is an independent
/// sandbox with its own loopback, workdir copy and state), with a progress line on a TTY.
struct ProbeScheduler {
    let options: ProbeOptions
    let workdir: String
    let space: RunWorkspace
    let jobs: Int

    func run(_ specs: [ProbeRunSpec]) throws -> [ProbeOutcome] {
        var outcomes = [ProbeOutcome?](repeating: nil, count: specs.count)
        var running: [(index: Int, child: ChildProcess, started: Date)] = []
        var next = 0, finished = 0
        let tty = isatty(STDERR_FILENO) == 1
        let finishedSignal = DispatchSemaphore(value: 0)
        while finished < specs.count {
            while running.count < jobs, next < specs.count {
                let child = try launch(specs[next], index: next, signal: finishedSignal)
                running.append((next, child, Date()))
                next += 1
            }
            if tty { progress(finished, specs.count, running.map { specs[$0.index].name }) }
            _ = finishedSignal.wait(timeout: .now() + 1)
            for (k, r) in running.enumerated().reversed() {
                let overdue = Date().timeIntervalSince(r.started) > options.timeout
                guard r.child.finished || overdue else { continue }
                let status = r.child.wait(timeout: overdue ? 0 : 5)
                outcomes[r.index] = outcome(r.index, r.child, status)
                running.remove(at: k)
                finished += 1
            }
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return outcomes.map { $0! }
    }

    func launch(_ spec: ProbeRunSpec, index: Int, signal: DispatchSemaphore) throws -> ChildProcess {
        let dir = space.path("run-\(index)")
        let copy = try CompareWorkdir.copy(workdir, into: dir + "/work")
        var args = [ChildProcess.veilBinary(), "run", "--upstream", "stub", "--record", dir + "/record.jsonl", "--workdir", copy]
        if let p = options.profile { args += ["--profile", p] }
        if let d = spec.decoy { args += ["--decoy", "\(d.dimension.rawValue)=\(d.value)"] }
        var env = ProcessInfo.processInfo.environment
        // A private state directory per run: every run starts from the same fresh profile home
        // (so first-run behaviour cannot differ between runs) and no two runs share files.
        env["XDG_STATE_HOME"] = dir + "/state"
        let child = try ChildProcess(argv: args + ["--"] + options.command, environment: env, cwd: copy, logPrefix: dir + "/veil")
        let previous = child.process.terminationHandler
        child.process.terminationHandler = { p in
            previous?(p)
            signal.signal()
        }
        Verbosity.say(1, "probe: run \(index + 1) (\(spec.name)): " + (args + ["--"] + options.command).joined(separator: " "))
        try child.start()
        return child
    }

    func outcome(_ index: Int, _ child: ChildProcess, _ status: Int32) -> ProbeOutcome {
        let record = (try? String(contentsOfFile: space.root + "/run-\(index)/record.jsonl", encoding: .utf8)) ?? ""
        let tail = status == 0 ? "" : ChildProcess.tail(child.stderr, lines: 3)
        let requests = RecordLoader.parse(record).requests
        Verbosity.say(2, "probe: run \(index + 1) exited \(status), \(requests.count) request(s)")
        return ProbeOutcome(status: status, requests: requests, stderrTail: tail)
    }

    func progress(_ done: Int, _ total: Int, _ names: [String]) {
        let line = "\r\u{1B}[Kveil probe: \(done)/\(total) runs done; running: " + names.joined(separator: ", ")
        FileHandle.standardError.write(Data(String(line.prefix(160)).utf8))
    }
}
