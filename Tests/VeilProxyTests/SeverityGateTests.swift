import Testing
import VeilProfile
@testable import VeilProxy
import VeilScan

/// The report counts findings by severity and lists each with its word, which is what a
/// `--fail-on` gate and a profile's `own_typography` read.
@Suite("severity in the report") struct SeverityGateTests {
    @Test func theReportCountsBySeverityAndTheGateReadsThem() async throws {
        var config = InspectorConfig(routes: [Route(api: .unknown, upstream: .stub)],
                                     canaries: [Canary(label: "user name", value: "zebulonquixote")])
        config.ownTypography = ["Don’t"]
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let innocent = #"{"model":"m","max_tokens":5,"system":"Don’t guess.","messages":[{"role":"user","content":"hi"}]}"#
        #expect(try await request(inspector.port, "/v1/messages", body: innocent).status == 200)
        var s = inspector.summary()
        #expect(s.findingsBySeverity == ["typography": 1])
        #expect(s.findings(atLeast: .typography) == 1 && s.findings(atLeast: .marker) == 0)
        #expect(s.findingList.first?.severity == "typography" && s.findingList.first?.word == "Don’t")

        let swapped = #"{"model":"m","max_tokens":5,"system":"Donʼt guess, it’s zebulonquixote.","messages":[]}"#
        #expect(try await request(inspector.port, "/v1/messages", body: swapped).status == 400)
        s = inspector.summary()
        #expect(s.findingsBySeverity == ["typography": 1, "marker": 2, "block": 1])
        #expect(s.findings(atLeast: .marker) == 3 && s.findings(atLeast: .block) == 1)
        #expect(s.findingList.map(\.word).contains("Donʼt"))

        // The report may travel further than the record: a host value in a word is its label.
        let named = #"{"model":"m","max_tokens":5,"system":"Ask zebulonquixote’s team.","messages":[]}"#
        #expect(try await request(inspector.port, "/v1/messages", body: named).status == 400)
        let words = inspector.summary().findingList.compactMap(\.word)
        #expect(words.contains("‹user name›’s") && !words.contains { $0.contains("zebulonquixote") })
    }
}
