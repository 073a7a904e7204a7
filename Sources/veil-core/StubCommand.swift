import ArgumentParser
import Foundation
import VeilProfile
import VeilProxy

/// `veil stub`: the deterministic model API alone (Anthropic, OpenAI, Gemini; SSE and not).
struct StubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stub",
        abstract: "Serve the built-in deterministic model API (until SIGINT/SIGTERM).")

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8081"

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen wants HOST:PORT, got \(listen)") }
    }

    @OptionGroup var verbosity: VerbosityOptions

    @Sendable static func say(_ line: String) { Verbosity.say(1, "stub: " + line) }

    func run() throws {
        verbosity.apply()
        let address = ListenAddress(listen)!
        let server: StubServer
        do {
            server = try StubServer.start(host: address.host, port: address.port, log: Verbosity.level > 0 ? Self.say : nil)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        FileHandle.standardError.write(Data("veil: stub model API on \(address.host):\(server.port)\n".utf8))
        waitForTermination()
        server.shutdown()
    }
}
