import Testing
@testable import VeilProfile

@Suite struct SuggestionTests {
    static let options = ["--profile", "--workdir", "--upstream", "--record", "--report", "--timeout"]

    @Test(arguments: [("--profle", "--profile"), ("--workdri", "--workdir"), ("--upstrem", "--upstream"),
                      ("--timeot", "--timeout"), ("--recrod", "--record")])
    func aTypoGetsTheClosestOption(_ typo: String, _ meant: String) {
        #expect(Suggestion.closest(to: typo, among: Self.options) == meant)
    }

    @Test func nothingCloseIsNoSuggestion() {
        #expect(Suggestion.closest(to: "--zzzzzz", among: Self.options) == nil)
        #expect(Suggestion.closest(to: "--profile", among: Self.options) == nil)  // not a typo
    }
}
