import Testing
@testable import VeilCompare

/// The HTML report's structure: the overview before the details, glyphs beside their names,
/// invisible characters as boxes, status in words, identical variations folded, no script.
@Suite struct HTMLReportTests {
    func index(_ html: String, _ s: String) -> String.Index? { html.range(of: s)?.lowerBound }

    @Test func overviewMatrixComesBeforeTheDetails() throws {
        let html = HTMLReport.compare(JSONReportTests.compareReport())
        let overview = try #require(index(html, "<table class=\"matrix\">"))
        let details = try #require(index(html, "<h2 id=\"details\">"))
        #expect(overview < details)
        // Rows by area, a coloured cell with its number and kind in words, an empty one a dot.
        #expect(html.contains("<a href=\"#a-system-prompt\">system prompt</a>"))
        #expect(html.contains("<td class=\"hit m-covert-char\">2 <span class=\"sr\">covert-char</span></td>"))
        #expect(html.contains("<td class=\"hit m-canary\">1 <span class=\"sr\">canary</span></td>"))
        #expect(html.contains("<td class=\"zero\">·</td>"))
        #expect(html.contains("output</a> <span class=\"note\">(not gating)</span>"))
        #expect(html.contains("<h3 id=\"a-system-prompt\">system prompt</h3>"))
        #expect(html.contains("<span class=\"status\">DIFFERS</span>"))
        let clean = HTMLReport.compare(CompareReport(command: ["x"], hostRequests: 1, veilRequests: 1,
                                                     requests: RequestsComparison(pairs: 1, differences: [], volatile: [])))
        #expect(clean.contains("<span class=\"status\">CLEAN</span>"))
    }

    @Test func glyphsBesideTheirNamesAndInvisiblesAsBoxes() {
        let a = messages(system: "Don\u{2019}t \u{202E}evil\u{202C} a\u{200B}b"), b = messages(system: "Don't evil ab")
        let r = CompareEngine.compare([a], [b], normalizer: Normalizer(), attributor: Attributor(canaries: []))
        let html = HTMLReport.compare(CompareReport(command: ["x"], hostRequests: 1, veilRequests: 1, requests: r))
        #expect(html.contains("<span class=\"glyph\">\u{2019}</span> <code>U+2019</code> RIGHT SINGLE QUOTATION MARK"))
        #expect(html.contains("<span class=\"glyph\">&#39;</span> <code>U+0027</code> APOSTROPHE"))
        #expect(html.contains("<span class=\"glyph inv\">U+202E</span> <code>U+202E</code> RIGHT-TO-LEFT OVERRIDE"))
        #expect(html.contains("<span class=\"inv\" title=\"U+200B ZERO WIDTH SPACE\">U+200B</span>"))
        // The characters themselves never reach the page; the visible one does.
        for cp: Unicode.Scalar in ["\u{202E}", "\u{202C}", "\u{200B}"] { #expect(!html.unicodeScalars.contains(cp)) }
        #expect(html.unicodeScalars.contains("\u{2019}"))
    }

    @Test func noScriptAndNothingExternal() {
        let html = HTMLReport.compare(JSONReportTests.compareReport()) + HTMLReport.probe(JSONReportTests.probeReport())
        #expect(!html.lowercased().contains("<script") && !html.lowercased().contains("javascript:"))
        #expect(html.firstMatch(of: try! Regex("\\son[a-z]+\\s*=")) == nil)
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="))
    }

    @Test func probeFoldsIdenticalVariationsAndShowsDimensionsByKind() throws {
        let html = HTMLReport.probe(JSONReportTests.probeReport())
        let overview = try #require(index(html, "<table class=\"matrix\">"))
        #expect(overview < (index(html, "<h2 id=\"details\">") ?? html.endIndex))
        #expect(html.contains("<td class=\"changed\">CHANGED <span class=\"note\">(2 of 3 changed)</span></td>"))
        #expect(html.contains("<td class=\"hit m-format\">2 <span class=\"sr\">format</span></td>"))
        #expect(html.contains("The same differences as <a href=\"#v-tz-0\">tz = Asia/Shanghai</a>."))
        // Asia/Urumqi's differences are not repeated: its section holds no table.
        let urumqi = try #require(html.range(of: "<h3 id=\"v-tz-1\">"))
        let section = html[urumqi.upperBound...].components(separatedBy: "<h3")[0]
        #expect(!section.contains("<table") && html.contains("<h3 id=\"v-tz-0\">"))
        #expect(html.contains("unchanged</td>"))
    }
}
