import Foundation
import VeilProfile

// `veil bench scan`: the scanner alone, one core, on a realistic Anthropic Messages request
// (system prompt, tools, a long conversation with tool results full of source code) that
// carries a few canaries and covert characters. Not a test: a figure for the README.

public enum ScanBenchmark {
    /// The host the benchmark (and the fuzzer) pretends to run on.
    @_spi(Fuzzing) public static var facts: HostFacts {
        var f = HostFacts()
        f.timeZone = "Asia/Shanghai"
        f.locales = ["zh_CN.UTF-8"]
        f.hostname = "alice-thinkpad.corp.example.cn"
        f.userName = "alice"
        f.fullName = "Alice Zhang"
        f.home = "/home/alice"
        f.workdir = "/home/alice/src/payments"
        f.proxyHosts = ["proxy.corp.example.cn"]
        f.baseURLHosts = ["llm-gateway.corp.example.cn"]
        f.dnsServers = ["114.114.114.114", "10.20.0.2"]
        f.machineID = "3f2c9a7d41be4c0e9d6a5b8f7e1c2d3a"
        f.addresses = ["10.20.31.47", "192.168.3.17"]
        return f
    }

    /// `body`: a request of the user's (else the built-in corpus); `thisHost`: this machine's
    /// own canaries, as `veil inspect` uses them (else the made-up Shanghai host's).
    public static func run(sizeMiB: Int, iterations: Int, body given: [UInt8]? = nil, thisHost: Bool = false) -> String {
        let body = given ?? BenchCorpus.request(bytes: max(1, sizeMiB) << 20)
        let rules = [Profile.Rule(name: "iso-dates", kind: .isoDate)]
        let canaries = thisHost ? HostFacts.capture().canaries() : facts.canaries()
        let scanner = Scanner(config: ScanConfig(canaries: canaries, rules: rules))
        var wall: [Double] = [], cpu: [Double] = []
        var found = 0
        body.withUnsafeBytes { raw in
            found = scanner.scanBody(raw, api: .anthropic).count  // warm-up
            for _ in 0 ..< max(1, iterations) {
                let (t0, c0) = (now(), now(CLOCK_THREAD_CPUTIME_ID))
                let f = scanner.scanBody(raw, api: .anthropic)
                wall.append(now() - t0)
                cpu.append(now(CLOCK_THREAD_CPUTIME_ID) - c0)
                found = f.count
            }
        }
        wall.sort(); cpu.sort()
        let gbs = { (t: Double) in Double(body.count) / t / 1e9 }
        let best = wall[0], median = wall[wall.count / 2]
        return String(format: "scan: %.3f MiB request, %d findings, %d patterns: best %.3f ms (%.2f GB/s), median %.3f ms (%.2f GB/s) wall; median %.2f GB/s thread CPU time; %d runs, one core",
                      Double(body.count) / 1048576, found, scanner.matcher.patterns.count,
                      best * 1e3, gbs(best), median * 1e3, gbs(median), gbs(cpu[cpu.count / 2]), wall.count)
    }

    /// Seconds on a clock: CLOCK_MONOTONIC for wall time; CLOCK_THREAD_CPUTIME_ID leaves
    /// out the time other processes had the core (this machine is shared).
    static func now(_ clock: clockid_t = CLOCK_MONOTONIC) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

