import VeilProfile
import VeilProxy

extension CIReport {
    /// One annotation per finding (block: error, marker: warning, typography: notice), the
    /// gate's verdict first (GitHub shows only the first few annotations of each level per
    /// step), and a plain summary line for the log.
    static func github(_ inputs: [Input], gate: Severity?) -> String {
        var lines: [String] = []
        if let gate { lines.append(gateAnnotation(inputs, gate).line) }
        for input in inputs {
            for f in input.summary.findingList {
                lines.append(GitHubCommand(level: severity(f), title: "veil \(f.severity): \(f.what)",
                                           message: "\(place(f)) (report \(input.path))").line)
            }
            for (level, n) in unlisted(input.summary) {
                lines.append(GitHubCommand(level: level, title: "veil \(level.rawValue): \(n) more",
                                           message: "\(n) more \(level.rawValue) finding(s) not listed in \(input.path) "
                                               + "(a report lists the first 1000; the record has them all)").line)
            }
        }
        let all = InspectorSummary.merged(inputs.map(\.summary))
        lines.append("veil: \(inputs.count) report(s), \(all.requests) request(s), \(all.blocked) blocked, "
                     + "findings: \(bySeverity(all))")
        return lines.map { $0 + "\n" }.joined()
    }

    static func gateAnnotation(_ inputs: [Input], _ gate: Severity) -> GitHubCommand {
        let title = "veil gate (--fail-on \(gate.rawValue))"
        let failing = inputs.map { ($0.path, $0.summary.findings(atLeast: gate)) }.filter { $0.1 > 0 }
        let total = failing.reduce(0) { $0 + $1.1 }
        guard total > 0 else {
            return GitHubCommand(name: "notice", title: title,
                                 message: "passed: no finding at \(gate.rawValue) or above in \(inputs.count) report(s)")
        }
        return GitHubCommand(name: "error", title: title,
                             message: "failed: \(total) finding(s) at \(gate.rawValue) or above in "
                                 + failing.map { "\($0.0) (\($0.1))" }.joined(separator: ", "))
    }

    /// `block 1, marker 2, typography 0`.
    static func bySeverity(_ s: InspectorSummary) -> String {
        Severity.allCases.reversed().map { "\($0.rawValue) \(s.findingsBySeverity[$0.rawValue, default: 0])" }
            .joined(separator: ", ")
    }
}

/// A GitHub Actions workflow command: `::NAME KEY=VALUE,…::MESSAGE` on one line. Every value
/// is escaped as GitHub's toolkit escapes it (`escapeData`, `escapeProperty`): `%`, CR and LF
/// in the message, and also `:` and `,` in a property, where they would end the value. An
/// agent's text (a JSON key in a finding's path) can so never end the line and start a
/// command of its own.
public struct GitHubCommand: Equatable, Sendable {
    public var name: String
    public var properties: [(key: String, value: String)]
    public var message: String

    public init(name: String, title: String?, message: String) {
        self.name = name
        self.properties = title.map { [(key: "title", value: $0)] } ?? []
        self.message = message
    }

    init(level: Severity, title: String, message: String) {
        self.init(name: Self.command(for: level), title: title, message: message)
    }

    /// block → error, marker → warning, typography → notice.
    public static func command(for level: Severity) -> String {
        switch level {
        case .block: return "error"
        case .marker: return "warning"
        case .typography: return "notice"
        }
    }

    public var line: String {
        let props = properties.map { "\($0.key)=\(Self.escape($0.value, property: true))" }.joined(separator: ",")
        return "::\(name)\(props.isEmpty ? "" : " " + props)::\(Self.escape(message, property: false))"
    }

    public static func escape(_ s: String, property: Bool) -> String {
        s.replacingScalars { u in
            switch u {
            case "%": return "%25"
            case "\r": return "%0D"
            case "\n": return "%0A"
            case ":" where property: return "%3A"
            case "," where property: return "%2C"
            default: return nil
            }
        }
    }

    public static func == (a: GitHubCommand, b: GitHubCommand) -> Bool { a.line == b.line }
}
