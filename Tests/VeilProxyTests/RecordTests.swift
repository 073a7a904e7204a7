import Foundation
import Testing
@testable import VeilProxy
import VeilScan

@Suite("records and credentials") struct RecordTests {
    @Test func placeholderReplacedUpstreamAndAbsentFromRecord() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let real = "sk-ant-api03-REALKEYrealkey0123456789"
        let placeholder = "sk-ant-api03-PLACEholder0123456789x"
        let creds = [CredentialMask.Entry(variable: "ANTHROPIC_API_KEY", placeholder: placeholder, real: real)]
        let record = tempPath("record.jsonl")
        defer { unlink(record) }
        let inspector = try startInspector(.url(up.url), record: record, credentials: creds)
        defer { inspector.shutdown() }
        let body = #"{"model":"m","messages":[{"role":"user","content":"key is "# + placeholder + #""}]}"#
        let got = try await request(inspector.port, "/v1/messages?beta=true", body: body,
                                    headers: [("x-api-key", placeholder), ("content-type", "application/json"),
                                              ("cookie", "session=abc")])
        #expect(got.status == 200)
        let seen = try #require(up.seen.first)
        #expect(seen.head.headers.first(name: "x-api-key") == real)
        // The body is the agent's own text: the placeholder stays, the real key never enters it.
        #expect(!seen.text.contains(real))
        let text = try String(contentsOfFile: record, encoding: .utf8)
        #expect(!text.contains(real))
        #expect(!text.contains(placeholder))
        #expect(!text.contains("session=abc"))
        #expect(text.contains("[REDACTED]"))
        let line = parse(try #require(text.split(separator: "\n").first.map(String.init)))
        #expect(line["status"] as? Int == 200)
        #expect(line["decision"] as? String == "forward")
        #expect(line["responseBody"] as? String == #"{"ok":true}"#)
        #expect(line["path"] as? String == "/v1/messages?beta=true")
    }

    @Test func bearerAndQueryKeysRestoredAndRedacted() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let creds = [
            CredentialMask.Entry(variable: "OPENAI_API_KEY", placeholder: "sk-proj-zyxwvutsrqponmlkjihgfedcba987654",
                                 real: "sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
            CredentialMask.Entry(variable: "GEMINI_API_KEY", placeholder: "AIzaSyB-0987654321zyxwvutsrqponmlkjih",
                                 real: "AIzaSyA-1234567890abcdefghijklmnopqrstu"),
        ]
        let record = tempPath("record2.jsonl")
        defer { unlink(record) }
        let inspector = try startInspector(.url(up.url), record: record, credentials: creds)
        defer { inspector.shutdown() }
        _ = try await request(inspector.port, "/v1/chat/completions", body: openAIBody,
                              headers: [("authorization", "Bearer " + creds[0].placeholder)])
        _ = try await request(inspector.port, "/v1beta/models/g:generateContent?key=" + creds[1].placeholder, body: geminiBody)
        #expect(up.seen[0].head.headers.first(name: "authorization") == "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz012345")
        #expect(up.seen[1].head.uri == "/v1beta/models/g:generateContent?key=AIzaSyA-1234567890abcdefghijklmnopqrstu")
        let text = try String(contentsOfFile: record, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 2)
        for secret in creds.flatMap({ [$0.placeholder, $0.real] }) { #expect(!text.contains(secret)) }
        #expect(text.contains("key=[REDACTED]"))
    }

    /// A one-letter key's placeholder is one letter too: it must replace whole tokens only,
    /// never a letter of the path.
    @Test func shortKeysNeverRewriteThePath() async throws {
        let up = try TestUpstream()
        defer { up.stop() }
        let creds = [CredentialMask.Entry(variable: "ANTHROPIC_API_KEY", placeholder: "m", real: "x")]
        let inspector = try startInspector(.url(up.url), credentials: creds)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages?model=m", body: #"{"model":"m","messages":[]}"#,
                                    headers: [("x-api-key", "m"), ("content-type", "application/json")])
        #expect(got.status == 200)
        let seen = try #require(up.seen.first)
        #expect(seen.head.uri == "/v1/messages?model=x")  // a query value equal to the placeholder is a key
        #expect(seen.head.headers.first(name: "x-api-key") == "x")
    }

    @Test func blockedExchangeRecordedWithFindings() async throws {
        let record = tempPath("record3.jsonl")
        defer { unlink(record) }
        let inspector = try startInspector(.stub, canaries: [Canary(label: "host name", value: "build-host-42")],
                                           record: record)
        defer { inspector.shutdown() }
        let got = try await request(inspector.port, "/v1/messages",
                                    body: #"{"messages":[{"role":"user","content":"on build-host-42"}]}"#)
        #expect(got.status == 400)
        let line = parse(try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .newlines))
        #expect(line["decision"] as? String == "block")
        #expect((line["findings"] as? [[String: Any]])?.first?["kind"] as? String == "canary")
        #expect(line["status"] as? Int == 400)
    }
}

@Suite("keys stay with their vendor") struct KeyRouteTests {
    /// A host that only begins with the vendor's name is another host: its requests get no key.
    @Test func aLookalikeHostIsNotTheVendors() {
        let entry = CredentialMask.Entry(variable: "ANTHROPIC_API_KEY", placeholder: "p", real: "r")
        let routes = [Route(api: .anthropic, upstream: .url("https://api.anthropic.com"))]
        #expect(SharedResources.keyMayGo(entry, to: "https://api.anthropic.com/v1/messages", routes: routes))
        #expect(SharedResources.keyMayGo(entry, to: "https://api.anthropic.com", routes: routes))
        for other in ["https://api.anthropic.com.evil.example/v1/messages", "https://api.anthropic.com:8443/v1",
                      "https://api.anthropic.comx/v1"] {
            #expect(!SharedResources.keyMayGo(entry, to: other, routes: routes), "\(other)")
        }
    }

    /// The OpenAI key's placeholder on a request routed to the Anthropic upstream stays a
    /// placeholder there; on its own vendor's route it becomes the key.
    @Test func aKeyGoesOnlyToItsOwnVendorsUpstream() async throws {
        let anthropic = try TestUpstream(), openai = try TestUpstream()
        defer { anthropic.stop(); openai.stop() }
        let creds = [CredentialMask.Entry(variable: "OPENAI_API_KEY", placeholder: "sk-proj-PLACEHOLDERplaceholder0123456",
                                          real: "sk-proj-REALrealREALreal0123456789ab"),
                     CredentialMask.Entry(variable: "ANTHROPIC_API_KEY", placeholder: "sk-ant-api03-PLACEholder0123456789x",
                                          real: "sk-ant-api03-REALKEYrealkey0123456789")]
        let config = InspectorConfig(routes: [Route(api: .anthropic, upstream: .url(anthropic.url)),
                                              Route(api: .openai, upstream: .url(openai.url + "/v1"))], credentials: creds)
        let inspector = try Inspector.start(host: "127.0.0.1", port: 0, config: config)
        defer { inspector.shutdown() }
        let body = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
        _ = try await request(inspector.port, "/v1/messages", body: body,
                              headers: [("x-api-key", "sk-ant-api03-PLACEholder0123456789x"), ("content-type", "application/json"),
                                        ("authorization", "Bearer sk-proj-PLACEHOLDERplaceholder0123456")])
        let seen = try #require(anthropic.seen.first)
        #expect(seen.head.headers.first(name: "x-api-key") == "sk-ant-api03-REALKEYrealkey0123456789")
        #expect(seen.head.headers.first(name: "authorization") == "Bearer sk-proj-PLACEHOLDERplaceholder0123456")
        _ = try await request(inspector.port, "/v1/chat/completions", body: #"{"model":"m","messages":[]}"#,
                              headers: [("authorization", "Bearer sk-proj-PLACEHOLDERplaceholder0123456"),
                                        ("content-type", "application/json")])
        #expect(try #require(openai.seen.first).head.headers.first(name: "authorization") == "Bearer sk-proj-REALrealREALreal0123456789ab")
    }
}
