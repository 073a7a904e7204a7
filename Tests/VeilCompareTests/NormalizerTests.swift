import Testing
@testable import VeilCompare

@Suite struct NormalizerTests {
    let n = Normalizer()

    @Test func uuidsTimestampsEpochsTempPathsPorts() {
        let (t, rules) = n.string("id 3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b at 2026-07-01T12:34:56.789Z (1782909296) in /tmp/tmpab3k_x9q/x and /tmp/claude-1234/y via http://127.0.0.1:43121/v1",
                                  key: nil, path: "$.system")
        #expect(t == "id <uuid> at <timestamp> (<epoch>) in /tmp/<tmp>/x and /tmp/<tmp>/y via http://127.0.0.1:<port>/v1")
        #expect(Set(rules) == ["uuid", "timestamp", "epoch", "temp-path", "loopback-port"])
    }

    @Test func plainDatesAndSeparatorsStay() {
        // The date separator is the signal the 2026 incident used: never normalised.
        for s in ["Today is 2026-07-01.", "Today is 2026/07/01.", "/tmp/project/file", "version 1.2.3", "port 8080"] {
            #expect(n.string(s, key: nil, path: "$").0 == s)
        }
    }

    @Test func keyedIdsAndUserId() {
        #expect(n.string("user_abc_account__session_x", key: "user_id", path: "$.metadata.user_id").0 == "<user-id>")
        #expect(n.string("req-42", key: "request_id", path: "$.client.request_id").0 == "<id>")
        #expect(n.number("1782909296", key: "sent_unix") == ("<epoch>", ["epoch"]))
        #expect(n.number("64", key: "max_tokens") == ("64", []))
    }

    @Test func headers() {
        #expect(n.header(name: "Host", value: "127.0.0.1:4000").0 == nil)
        #expect(n.header(name: "X-Client-Request-Id", value: "abc").0 == "<id>")
        #expect(n.header(name: "x-claude-code-session-id", value: "abc").0 == "<id>")
        #expect(n.header(name: "user-agent", value: "claude-cli/2.0 (external, cli)").0 == "claude-cli/2.0 (external, cli)")
    }

    @Test func canariesSurvive() {
        // A machine-id written as a UUID is a host fact, not noise.
        let p = Normalizer(protected: ["0123abcd-0123-4567-89ab-0123456789ab"])
        #expect(p.string("machine 0123ABCD-0123-4567-89ab-0123456789ab", key: nil, path: "$").0 == "machine 0123ABCD-0123-4567-89ab-0123456789ab")
    }

    @Test func rawChangesNothing() {
        let raw = Normalizer(enabled: false)
        #expect(raw.string("3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b", key: "request_id", path: "$.metadata.user_id").0 == "3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b")
        #expect(raw.header(name: "host", value: "x").0 == "x")
    }
}
