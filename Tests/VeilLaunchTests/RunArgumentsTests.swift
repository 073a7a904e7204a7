import Testing
import VeilProfile
@testable import VeilLaunch

@Suite struct RunArgumentsTests {
    @Test func wellFormedLinesTakeTheFastPath() {
        let o = RunArguments.parse(["run", "--profile", "aider", "-v", "--fail-on-marker", "--decoy", "tz=Asia/Urumqi",
                                    "--upstream", "stub", "--", "aider", "--yes"])
        #expect(o?.profile == "aider" && o?.verbosity == 1 && o?.failOn == .marker && o?.upstream == "stub")
        #expect(o?.decoys == [Decoy(dimension: .tz, value: "Asia/Urumqi")])
        #expect(o?.command == ["aider", "--yes"])
    }

    @Test(arguments: [
        ["run", "--help"], ["run", "--profile"], ["run", "--", ], ["run", "--colour", "x", "--", "a"],
        ["run", "--decoy", "nonsense", "--", "a"], ["run", "claude"], ["doctor"],
        ["run", "--fail-on", "markers", "--", "a"], ["run", "--fail-on", "--", "a"],
    ])
    func anythingElseGoesToTheFullParser(args: [String]) {
        #expect(RunArguments.parse(args) == nil)
    }

    /// `-v` counts, in every spelling ArgumentParser takes.
    @Test(arguments: [(["-v"], 1), (["-v", "--verbose"], 2), (["-vv"], 2), (["-vvv"], 3), ([], 0)])
    func verbosityCounts(flags: [String], level: Int) {
        #expect(RunArguments.parse(["run"] + flags + ["--", "a"])?.verbosity == level)
    }

    /// Each option of the table is read by the fast parser and written back by render.
    @Test func everyOptionOfTheTableRoundTrips() {
        for option in RunOption.all {
            let line = ["run", option.name] + (option.valueName == nil ? [] : [sample(option)]) + ["--", "a"]
            let o = RunArguments.parse(line)
            #expect(o != nil, "\(option.name)")
            if let o { #expect(RunArguments.parse(RunArguments.render(o)) == o, "\(option.name)") }
        }
    }

    func sample(_ option: RunOption) -> String {
        switch option.name {
        case "--upstream": return "stub"
        case "--fail-on": return "block"
        case "--decoy": return "tz=Asia/Urumqi"
        default: return "/x"
        }
    }

    /// `--fail-on LEVEL` sets the gate; `--fail-on-marker` is the default gate, `marker`.
    @Test(arguments: [("typography", Severity.typography), ("marker", .marker), ("block", .block)])
    func theGateIsALevel(name: String, level: Severity) {
        #expect(RunArguments.parse(["run", "--fail-on", name, "--", "a"])?.failOn == level)
        #expect(RunArguments.parse(["run", "--", "a"])?.failOn == nil)
    }

    @Test func renderedOptionsParseBackTheSame() {
        var o = RunOptions(command: ["claude", "-p", "--", "hi there"])
        o.profile = "/etc/veil/my profile.toml"
        o.workdir = "../w"
        o.upstream = "http://127.0.0.1:9/v1"
        o.recordPath = "/tmp/r.jsonl"
        o.reportPath = "/tmp/r.json"
        o.failOn = .typography
        o.trustProject = true
        o.verbosity = 2
        o.allowHomeWorkdir = true
        o.decoys = [Decoy("tz=Asia/Urumqi")!, Decoy("base-host=api.deepseek.com")!]
        #expect(RunArguments.parse(RunArguments.render(o)) == o)
        let bare = RunOptions(command: ["true"])
        #expect(RunArguments.render(bare) == ["run", "--", "true"])
        #expect(RunArguments.parse(RunArguments.render(bare)) == bare)
    }
}

@Suite struct InspectorHandoffTests {
    @Test func theHandoffTravelsAsACommandLine() {
        var o = RunOptions(command: ["aider", "--placeholder", "X=Y"])
        o.profile = "aider"
        o.reportPath = "/tmp/report.json"
        let h = InspectorHandoff(options: o, workdir: "/home/alice/work", placeholders: [
            "OPENAI_API_KEY": "sk-proj-abc=def", "ANTHROPIC_API_KEY": "sk-ant-api03-xyz",
        ])
        let args = h.arguments()
        #expect(args.first == InspectorHandoff.command)
        #expect(InspectorHandoff.parse(args) == h)
        var early = h
        early.awaitsSocket = true
        early.earlier = ["OPENAI_API_KEY": ["sk-proj-old1", "sk-proj-old2"]]
        #expect(InspectorHandoff.parse(early.arguments()) == early)
    }

    @Test func otherLinesAreNotHandoffs() {
        #expect(InspectorHandoff.parse(["run", "--", "true"]) == nil)
        #expect(InspectorHandoff.parse([InspectorHandoff.command, "--placeholder", "K=V", "run", "--", "x"]) == nil)  // no workdir
        #expect(InspectorHandoff.parse([InspectorHandoff.command, "--host-workdir", "/w", "run", "--profile"]) == nil)
    }
}

@Suite struct BootIDTests {
    @Test func aFreshVersion4UUIDEachRun() {
        let a = RunLauncher.randomUUID(), b = RunLauncher.randomUUID()
        #expect(a != b)
        for id in [a, b] {
            let groups = id.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            #expect(groups.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) }, "\(id)")
            #expect(groups[2].first == "4", "version nibble in \(id)")
            #expect("89ab".contains(groups[3].first!), "variant bits in \(id)")
        }
    }

    /// A bad --upstream is left to the full parser, which says why (exit 64): it reached the
    /// agent as the inspector's error before.
    @Test func aBadUpstreamIsNotTakenByTheFastParser() {
        #expect(RunArguments.parse(["run", "--upstream", "bogus", "--", "x"]) == nil)
        #expect(RunArguments.parse(["run", "--upstream", "http://", "--", "x"]) == nil)
        #expect(RunArguments.parse(["run", "--upstream", "https://api.example.com:8443/v1", "--", "x"])?.upstream == "https://api.example.com:8443/v1")
        #expect(RunArguments.parse(["run", "--upstream", "stub", "--", "x"])?.upstream == "stub")
        #expect(RunOptions.upstreamProblem("http://[::1]:9000") == nil)
        #expect(RunOptions.upstreamProblem("ftp://x")?.contains("expected `stub`") == true)
        // Read as the inspector reads it: what passes here is what it dials.
        #expect(RunOptions.upstreamProblem("https://user@api.example.com/v1") == nil)
        for bad in ["https://api.example.com:99999", "https://api.example.com:0/v1", "http://[::1", "https://a b/", "http://user@/"] {
            #expect(RunOptions.upstreamProblem(bad)?.contains("names no host") == true, "\(bad)")
        }
    }
}
