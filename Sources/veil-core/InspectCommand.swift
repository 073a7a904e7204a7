import ArgumentParser
import Foundation
import VeilProfile
import VeilProxy
import VeilScan

/// `veil inspect`: the inspector alone, for agents that run elsewhere and for benchmarks.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Run the outbound-prompt inspector alone in the foreground (until SIGINT/SIGTERM).")

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(help: "Upstream base URL (e.g. https://api.anthropic.com), or `stub` for the built-in model API.")
    var upstream: String

    @Option(help: "Profile name or file for modes, rules, body limit and CONNECT hosts (default: `default`).", completion: Completions.profiles)
    var profile: String?

    @Option(help: "Append every exchange to this JSONL file (secrets redacted).", completion: .file())
    var record: String?

    @Option(help: "Write the JSON summary here on exit.", completion: .file())
    var report: String?

    @Option(name: .customLong("allow-connect"), help: "A host CONNECT may reach: host (port 443) or host:port (repeatable).")
    var allowConnect: [String] = []

    @Option(name: .customLong("ca-cert"), help: ArgumentHelp(
        "With CONNECT hosts: write the session CA's certificate (PEM) here, for clients to trust.",
        discussion: "Each allowed CONNECT is answered by the inspector with a certificate from a CA made for "
            + "this session (its key never leaves the process); what flows inside is inspected and sent to "
            + "--upstream. Without this file no client can trust the tunnel.", valueName: "file"), completion: .file())
    var caCert: String?

    @OptionGroup var gate: GateOptions

    @Option(help: "Event-loop threads serving agents and upstreams.")
    var threads = 2

    func validate() throws {
        guard (1 ... 64).contains(threads) else { throw ValidationError("--threads wants 1 to 64, got \(threads)") }
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen wants HOST:PORT, got \(listen)") }
        if upstream != "stub", !(upstream.hasPrefix("http://") || upstream.hasPrefix("https://")) {
            throw ValidationError("--upstream wants an http(s) URL or `stub`, got \(upstream)")
        }
    }

    @OptionGroup var verbosity: VerbosityOptions

    func run() throws {
        verbosity.apply()
        let profile: Profile
        do {
            if let name = self.profile {
                profile = try ProfileLoader().load(name)
            } else {
                profile = (try? ProfileLoader().load("default")) ?? Profile(name: "default")
            }
        } catch {
            FileHandle.standardError.write(Data("veil: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let address = ListenAddress(listen)!
        let env = ProcessInfo.processInfo.environment
        var config = InspectorConfig(
            routes: [Route(api: .unknown, upstream: upstream == "stub" ? .stub : .url(upstream))],
            canaries: HostFacts.capture().canaries(),
            rules: profile.inspector.rules, modes: profile.inspector.modes,
            maxBodyBytes: profile.inspector.maxBodyBytes, recordPath: record,
            connectAllow: profile.inspector.connectAllow + allowConnect, hostEnvironment: env, threads: threads)
        config.onBlock = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        config.onNotice = config.onBlock
        if Verbosity.level > 0 { config.onExchange = { Verbosity.say(1, "inspect: " + $0) } }
        config.ownTypography = profile.inspector.ownTypography
        config.maxBufferedBytes = profile.inspector.maxBufferedBytes
        config.maxConnections = profile.inspector.maxConnections
        config.maxRecordBytes = profile.inspector.maxRecordBytes
        config.requestTimeoutSeconds = Int64(profile.inspector.requestTimeoutSeconds)
        config.idleTimeoutSeconds = Int64(profile.inspector.idleTimeoutSeconds)
        if !config.connectAllow.isEmpty {
            let ca = try RunCA()
            config.runCA = ca
            // Tunnels, and requests naming an allowed host, carry model traffic like the base URL
            // does: to --upstream.
            config.routesOnly = true
            if let caCert { try Data(ca.certificatePEM.utf8).write(to: URL(fileURLWithPath: caCert)) }
        }
        let inspector: Inspector
        do {
            inspector = try Inspector.start(host: address.host, port: address.port, config: config)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        FileHandle.standardError.write(Data("veil: inspecting on \(address.host):\(inspector.port) -> \(upstream)\n".utf8))
        for warning in inspector.startWarnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
        waitForTermination()
        inspector.shutdown()
        let summary = inspector.summary()
        if let report {
            try summary.reportJSON().write(to: URL(fileURLWithPath: report))
        }
        if let level = gate.level, summary.findings(atLeast: level) > 0 { throw ExitCode(3) }
    }
}

/// `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback).
struct ListenAddress {
    var host: String
    var port: Int

    init?(_ text: String) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            guard let p = Int(text[text.index(after: close)...].dropFirst()) else { return nil }
            port = p
        } else {
            guard let colon = text.lastIndex(of: ":"), let p = Int(text[text.index(after: colon)...]) else { return nil }
            host = colon == text.startIndex ? "127.0.0.1" : String(text[..<colon])
            port = p
        }
        guard (0...65535).contains(port) else { return nil }
    }
}

/// Blocks the (synchronous) command until SIGINT or SIGTERM; the servers run on their own threads.
func waitForTermination() {
    let done = DispatchSemaphore(value: 0)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { done.signal() }
        source.resume()
        sources.append(source)
    }
    done.wait()
    sources.forEach { $0.cancel() }
}
