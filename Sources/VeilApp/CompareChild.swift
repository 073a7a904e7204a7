import Foundation
import VeilLaunch

/// Child processes of compare and probe: the host arm's agent and `veil run` subprocesses.
/// Foundation's Process spawns them (posix_spawn, no Swift code runs in the child), so this is
/// safe in a process whose inspector threads are already running.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String
    private let done = DispatchSemaphore(value: 0)
    private(set) var timedOut = false

    /// `argv[0]` is looked up in `environment["PATH"]` (through /usr/bin/env) unless absolute.
    init(argv: [String], environment: [String: String], cwd: String, logPrefix: String) throws {
        stdoutPath = logPrefix + ".stdout"
        stderrPath = logPrefix + ".stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        if argv[0].hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: argv[0])
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.terminationHandler = { [done] _ in done.signal() }
    }

    func start() throws { try process.run() }

    /// Waits up to `timeout` seconds; past it, SIGTERM, then SIGKILL 5 s later (our own child, by pid).
    func wait(timeout: Double) -> Int32 {
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGTERM)
            if done.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                done.wait()
            }
        }
        return status
    }

    /// Non-blocking check.
    var finished: Bool { !process.isRunning }

    var status: Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// A short helper command (cp), output discarded.
    static func runQuietly(_ path: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// What runs the `veil run` subprocesses: the `veil` launcher beside this binary, as a user
    /// would run it.
    static func veilBinary() -> String { Binaries.launcher() }

    static func tail(_ s: String, lines: Int = 6) -> String {
        s.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
