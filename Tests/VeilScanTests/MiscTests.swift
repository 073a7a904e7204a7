import Testing
@_spi(Fuzzing) @testable import VeilScan

struct APIKindTests {
    @Test(arguments: [
        ("/v1/messages", APIKind.anthropic), ("/v1/messages?beta=true", .anthropic),
        ("/v1/messages/count_tokens", .anthropic), ("/v1/chat/completions", .openai),
        ("/openai/v1/responses", .openai), ("/v1/completions", .openai), ("/v1/embeddings", .openai),
        ("/v1beta/models/gemini-2.5-pro:generateContent", .gemini),
        ("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", .gemini),
        ("/v1beta/models", .gemini), ("/v1/models", .unknown), ("/", .unknown), ("/health", .unknown),
    ])
    func detect(_ path: String, _ kind: APIKind) {
        #expect(APIKind.detect(path: path) == kind)
    }
}

struct VisibleTests {
    @Test(arguments: [
        ("plain ascii", "plain ascii"),
        ("don\u{02BC}t", "don[U+02BC]t"),
        ("a\u{200B}b\nc\td", "a[U+200B]b\\nc\\td"),
        ("tag\u{E0041}", "tag[U+E0041]"),
        ("\u{7}bell", "[U+0007]bell"),
    ])
    func visibleForm(_ input: String, _ expected: String) {
        #expect(visible(input) == expected)
    }

    @Test func names() {
        #expect(describeCodePoint(0x02BC) == "U+02BC MODIFIER LETTER APOSTROPHE")
        #expect(describeCodePoint(0xFE0F) == "U+FE0F VARIATION SELECTOR-16")
    }
}

struct BenchmarkSmokeTests {
    /// The benchmark body is valid JSON and its planted markers are all found.
    @Test func benchmarkBodyFindsWhatWasPlanted() {
        let body = BenchCorpus.request(bytes: 1 << 20)
        let s = Scanner(config: ScanConfig(canaries: ScanBenchmark.facts.canaries(),
                                           rules: [.init(name: "iso", kind: .isoDate)]))
        let kinds = Set(s.scanBody(body, api: .anthropic).map(\.kind))
        #expect(kinds.isSuperset(of: [.canary, .lookalike, .invisible, .tag, .mixedScript, .rule, .unusualSpace]))
        #expect(!s.scanBody(body, api: .anthropic).contains { $0.path == "$" })
    }
}
