import VeilProfile
import VeilProxy

extension CIReport {
    /// JUnit XML, which every CI reads: one testsuite per report file, one testcase per
    /// finding, failed when at or above the gate (a finding below it passes, so the count of
    /// what was seen stays visible). A report without findings is one passing testcase, so
    /// its suite is never empty.
    static func junit(_ inputs: [Input], gate: Severity) -> String {
        let suites = inputs.map { junitSuite($0, gate: gate) }
        let tests = suites.reduce(0) { $0 + $1.tests }, failures = suites.reduce(0) { $0 + $1.failures }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"veil\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\">\n"
            + suites.map(\.xml).joined()
            + "</testsuites>\n"
    }

    private struct Suite {
        var xml: String
        var tests: Int
        var failures: Int
    }

    private static func junitSuite(_ input: Input, gate: Severity) -> Suite {
        let s = input.summary
        var cases: [String] = []
        var failures = 0
        func add(classname: String, name: String, failure: (type: String, message: String, text: String)?) {
            var xml = "    <testcase classname=\"\(XML.escape(classname))\" name=\"\(XML.escape(name))\""
            if let failure {
                failures += 1
                xml += ">\n      <failure type=\"\(XML.escape(failure.type))\" message=\"\(XML.escape(failure.message))\">"
                    + XML.escape(failure.text, attribute: false) + "</failure>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
            cases.append(xml)
        }
        for (i, f) in s.findingList.enumerated() {
            let text = "\(f.what)\nrequest: \(f.request)\nat: \(f.at)\noffset: \(f.offset)\n"
                + (f.codePoints.isEmpty ? "" : "code points: \(f.codePoints.joined(separator: " "))\n")
                + (f.word.map { "word: \($0)\n" } ?? "") + "report: \(input.path)\n"
            add(classname: "veil.\(f.severity).\(f.kind)", name: "#\(i + 1) \(f.what) at \(place(f))",
                failure: severity(f) >= gate ? (type: f.severity, message: f.what, text: text) : nil)
        }
        for (level, n) in unlisted(s) {
            let what = "\(n) more \(level.rawValue) finding(s) not listed (a report lists the first 1000)"
            add(classname: "veil.\(level.rawValue).unlisted", name: what,
                failure: level >= gate ? (type: level.rawValue, message: what, text: "see the run's record for every finding\n") : nil)
        }
        if cases.isEmpty {
            add(classname: "veil", name: "no findings in \(s.requests) request(s)", failure: nil)
        }
        let properties = [("requests", s.requests), ("forwarded", s.forwarded), ("blocked", s.blocked),
                          ("rejected", s.rejected), ("errors", s.errors), ("tunnels", s.tunnels), ("findings", s.findings)]
            .map { "      <property name=\"\($0.0)\" value=\"\($0.1)\"/>\n" }.joined()
            + "      <property name=\"gate\" value=\"\(gate.rawValue)\"/>\n"
        let xml = "  <testsuite name=\"\(XML.escape(input.path))\" tests=\"\(cases.count)\" failures=\"\(failures)\" "
            + "errors=\"0\" skipped=\"0\">\n    <properties>\n\(properties)    </properties>\n"
            + cases.joined() + "  </testsuite>\n"
        return Suite(xml: xml, tests: cases.count, failures: failures)
    }
}

/// XML 1.0 text and attribute values. What XML cannot carry at all (C0 controls but tab, LF
/// and CR; U+FFFE, U+FFFF) is written as its code point (`[U+001B]`), so an agent's text in a
/// finding's path cannot make the file unreadable; in attributes tab, LF and CR are character
/// references, which a parser would otherwise turn into spaces.
enum XML {
    static func escape(_ s: String, attribute: Bool = true) -> String {
        s.replacingScalars { u in
            switch u {
            case "&": return "&amp;"
            case "<": return "&lt;"
            case ">": return "&gt;"
            case "\"" where attribute: return "&quot;"
            case "'" where attribute: return "&apos;"
            case "\t", "\n", "\r": return attribute ? "&#\(u.value);" : nil
            default: return u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF ? "[" + codePointName(u.value) + "]" : nil
            }
        }
    }
}
