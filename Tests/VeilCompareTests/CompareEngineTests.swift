import Testing
import VeilScan
@testable import VeilCompare

@Suite struct CompareEngineTests {
    let fingerprinted = "You are careful. Today's date is 2026/07/01. Don\u{02BC}t run commands."
    let clean = "You are careful. Today's date is 2026-07-01. Don't run commands."

    func compare(_ a: [RecordedRequest], _ b: [RecordedRequest], canaries: [Canary] = [], raw: Bool = false) -> RequestsComparison {
        CompareEngine.compare(a, b, normalizer: Normalizer(enabled: !raw, protected: canaries.map(\.value)), attributor: Attributor(canaries: canaries))
    }

    @Test func fingerprintShowsFormatAndCovertChar() {
        let r = compare([messages(system: fingerprinted)], [messages(system: clean)])
        #expect(r.differences.count == 2)
        let format = r.differences.first { $0.kind == .format }, covert = r.differences.first { $0.kind == .covertChar }
        #expect(format?.path == "$.system" && format?.left == "2026/07/01." && format?.right == "2026-07-01.")
        #expect(covert?.left == "Don[U+02BC]t" && covert?.right == "Don't")
        #expect(covert?.request == 1 && covert?.endpoint == "POST /v1/messages")
    }

    @Test func volatileValuesAreSetAsideAndListed() {
        let a = messages(system: "hi", extra: #","metadata":{"user_id":"user_1_session_3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b"},"sent":"2026-07-01T10:00:00Z""#)
        let b = messages(system: "hi", extra: #","metadata":{"user_id":"user_2_session_11111111-2222-4333-8444-555555555555"},"sent":"2026-07-01T10:00:07Z""#)
        let r = compare([a], [b])
        #expect(r.differences.isEmpty)
        #expect(r.volatile.contains(VolatileHit(request: 1, path: "$.metadata.user_id", rule: "user-id")))
        #expect(r.volatile.contains(VolatileHit(request: 1, path: "$.sent", rule: "timestamp")))
        #expect(compare([a], [b], raw: true).differences.count == 2)
    }

    @Test func structuralPaths() {
        let a = RecordedRequest(method: "POST", path: "/v1/chat/completions", body: #"{"messages":[{"role":"system","content":"a"}],"x-y":1,"temperature":0}"#)
        let b = RecordedRequest(method: "POST", path: "/v1/chat/completions", body: #"{"messages":[{"role":"system","content":"b"},{"role":"user","content":"u"}],"x-y":2,"stream":true}"#)
        let paths = compare([a], [b]).differences.map(\.path)
        #expect(paths.contains("$.messages[0].content"))
        #expect(paths.contains("$.messages[1]"))
        #expect(paths.contains("$[\"x-y\"]"))
        #expect(paths.contains("$.temperature"))
        #expect(paths.contains("$.stream"))
    }

    @Test func headersAndCanaries() {
        var a = messages(system: "cwd /home/alice/project"), b = messages(system: "cwd /home/user/project")
        a.headers.append(("User-Agent", "agent/1 (alice-laptop)"))
        b.headers.append(("User-Agent", "agent/1 (localhost)"))
        a.headers.append(("Host", "127.0.0.1:1234"))
        b.headers.append(("Host", "127.0.0.1:8080"))
        let c = [Canary(label: "host name", value: "alice-laptop"), Canary(label: "workdir path", value: "/home/alice/project")]
        let r = compare([a], [b], canaries: c)
        #expect(r.differences.count == 2)
        #expect(r.differences.allSatisfy { $0.kind == .canary })
        #expect(r.differences.contains { $0.path == "header:user-agent" })
        #expect(r.volatile.contains { $0.path == "header:host" && $0.rule == "transport" })
    }

    @Test func missingRequestIsADifference() {
        let r = compare([messages(system: "a"), messages(system: "b", user: "second")], [messages(system: "a")])
        #expect(r.differences.count == 1 && r.differences[0].path == "request" && r.differences[0].right == absentText)
    }

    @Test func outputsCompare() {
        let a = ArmOutput(stdout: "done at 2026-07-01T10:00:00Z\n", exitStatus: 0, changedFiles: ["a.txt": .written("x"), "b.txt": .deleted])
        let b = ArmOutput(stdout: "done at 2026-07-01T11:00:00Z\n", exitStatus: 1, changedFiles: ["a.txt": .written("y")])
        let r = OutputCompare.compare(a, b, normalizer: Normalizer(), attributor: Attributor(canaries: []))
        #expect(r.differences.map(\.path) == ["exit", "file:a.txt", "file:b.txt"])
        #expect(r.volatile.contains { $0.path == "stdout" && $0.rule == "timestamp" })
    }
}

@Suite struct ProbeAnalysisTests {
    @Test func baselineNoiseIsVolatileAndDimensionsAreJudged() {
        let base = messages(system: "Today's date is 2026-07-01. Random 7f3a.")
        let again = messages(system: "Today's date is 2026-07-01. Random 9c1b.")
        let marked = messages(system: "Today's date is 2026/07/01. Random 1d2e.")
        let result = ProbeAnalysis.analyze(
            baseline: ProbeRun(requests: [base]), repeat: ProbeRun(requests: [again]),
            variations: [("tz", "Asia/Shanghai", ProbeRun(requests: [marked])),
                         ("tz", "America/New_York", ProbeRun(requests: [again])),
                         ("user", "ivanov", ProbeRun(requests: [base])),
                         ("locale", "ru_RU.UTF-8", ProbeRun(requests: [], error: "exit status 1 (baseline 0)"))],
            normalizer: Normalizer())
        #expect(result.dimensions.map(\.name) == ["tz", "user", "locale"])
        #expect(result.dimensions[0].changed && result.dimensions[0].variations.map(\.changed) == [true, false])
        #expect(result.dimensions[0].variations[0].differences.count == 1)
        #expect(result.dimensions[0].variations[0].differences[0].kind == .format)
        #expect(!result.dimensions[1].changed)
        #expect(result.dimensions[2].changed && result.dimensions[2].variations[0].error != nil)
        #expect(result.volatile.contains { $0.rule == "baseline" && $0.path == "$.system" })
        #expect(result.changed)
    }
}
