import Foundation
import Testing
@testable import VeilProxy
import VeilScan
import VeilProfile

@Suite("blocking") struct BlockingTests {
    let canary = Canary(label: "host user name", value: "zebulonquixote")

    @Test func canaryBlockedInAnthropicFormat() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url), canaries: [canary])
        defer { inspector.shutdown() }
        let body = #"{"model":"m","messages":[{"role":"user","content":"my login is zebulonquixote ok"}]}"#
        let got = try await request(inspector.port, "/v1/messages", body: body)
        #expect(got.status == 400)
        #expect(got.json["type"] as? String == "error")
        let error = try #require(got.json["error"] as? [String: Any])
        #expect(error["type"] as? String == "invalid_request_error")
        let message = try #require(error["message"] as? String)
        #expect(message.contains("canary"))
        #expect(message.contains("$.messages[0].content"))
        #expect(!message.contains("zebulonquixote"))
        #expect(up.seen.isEmpty)
        let s = inspector.summary()
        #expect(s.blocked == 1 && s.findingsByKind["canary"] == 1)
    }

    /// The path, the query, the credential headers and header names reach the upstream too: a canary there
    /// is blocked like one in the body. The run's own keys in them are no finding.
    @Test func canaryOutsideTheBodyIsBlocked() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let placeholder = "AIzaSyB-0987654321zyxwvutsrqponmlkjih"
        let creds = [CredentialMask.Entry(variable: "GEMINI_API_KEY", placeholder: placeholder,
                                          real: "AIzaSyA-1234567890abcdefghijklmnopqrstu")]
        let inspector = try startInspector(.url(up.url), canaries: [canary], credentials: creds)
        defer { inspector.shutdown() }
        let clean = #"{"contents":[{"parts":[{"text":"hi"}]}]}"#
        let key = [("content-type", "application/json"), ("x-goog-api-key", placeholder)]
        for (path, headers, whereFound) in [
            ("/v1beta/models/zebulonquixote:generateContent", key, "uri"),
            ("/v1beta/models/m:generateContent?note=zebulon%71uixote", key, "uri"),
            ("/v1beta/models/m:generateContent", [("content-type", "application/json"),
                                                  ("x-goog-api-key", "zebulonquixote")], "header:x-goog-api-key"),
            ("/v1beta/models/m:generateContent", key + [("cookie", "u=zebulonquixote")], "header:cookie"),
            ("/v1beta/models/m:generateContent", key + [("x-zebulonquixote", "1")], "header-name"),
        ] {
            let got = try await request(inspector.port, path, body: clean, headers: headers)
            #expect(got.status == 400, "\(path) \(headers)")
            #expect(got.body.contains(whereFound), "\(got.body)")
        }
        #expect(up.seen.count == 0)
        let ok = try await request(inspector.port, "/v1beta/models/m:generateContent?key=" + placeholder, body: clean,
                                   headers: key)
        #expect(ok.status == 200)
        #expect(up.seen.count == 1)
        #expect(inspector.summary().findingsByKind == ["canary": 5])
        #expect(inspector.summary().blocked == 5)
    }

    @Test func canaryBlockedInOpenAIFormat() async throws {
        let inspector = try startInspector(.stub, canaries: [canary])
        defer { inspector.shutdown() }
        let body = #"{"model":"gpt-5","messages":[{"role":"user","content":"zebulonquixote"}]}"#
        let got = try await request(inspector.port, "/v1/chat/completions", body: body)
        #expect(got.status == 400)
        let error = try #require(got.json["error"] as? [String: Any])
        #expect(error["type"] as? String == "invalid_request_error")
        #expect(error["code"] as? String == "veil_blocked")
        #expect((error["message"] as? String)?.contains("zebulonquixote") == false)
    }

    @Test func tagCharactersBlockedInGeminiFormat() async throws {
        let inspector = try startInspector(.stub)
        defer { inspector.shutdown() }
        let body = #"{"contents":[{"role":"user","parts":[{"text":"hi \#u{E0041}\#u{E0042} there"}]}]}"#
        let got = try await request(inspector.port, "/v1beta/models/gemini-2.5-pro:generateContent", body: body)
        #expect(got.status == 400)
        let error = try #require(got.json["error"] as? [String: Any])
        #expect(error["code"] as? Int == 400)
        #expect(error["status"] as? String == "INVALID_ARGUMENT")
        let message = try #require(error["message"] as? String)
        #expect(message.contains("U+E0041"))
        #expect(message.contains("$.contents[0].parts[0].text"))
    }

    @Test func reportModeForwardsAndCounts() async throws {
        var modes = Profile.Modes()
        modes.canary = .report
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: InspectorConfig(
            routes: [Route(api: .unknown, upstream: .stub)], canaries: [canary], modes: modes))
        defer { inspector.shutdown() }
        let body = #"{"model":"m","messages":[{"role":"user","content":"zebulonquixote"}]}"#
        let got = try await request(inspector.port, "/v1/messages", body: body)
        #expect(got.status == 200)
        #expect(inspector.summary().findings == 1)
        #expect(inspector.summary().blocked == 0)
    }

    @Test func bodyOverCapIs413InFormat() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let inspector = try startInspector(.url(up.url), maxBody: 1024)
        defer { inspector.shutdown() }
        let big = #"{"model":"m","messages":[{"role":"user","content":""# + String(repeating: "a", count: 4096) + #""}]}"#
        let got = try await request(inspector.port, "/v1/messages", body: big)
        #expect(got.status == 413)
        #expect((got.json["error"] as? [String: Any])?["type"] as? String == "request_too_large")
        #expect(up.seen.isEmpty)
        // The inspector is still fine afterwards.
        let small = try await request(inspector.port, "/v1/messages", body: anthropicBody)
        #expect(small.status == 200)
    }

    @Test func blockMessageNeverEchoesCanaryValues() {
        let f = Finding(kind: .canary, path: "$.system", offset: 10, detail: "host user name zebulonquixote",
                        excerpt: "…zebulonquixote…")
        let message = APIError.blockMessage([f], blocking: [f], canaries: [canary])
        #expect(!message.contains("zebulonquixote"))
        #expect(message.contains("host user name"))
        #expect(message.contains("$.system"))
    }
}
