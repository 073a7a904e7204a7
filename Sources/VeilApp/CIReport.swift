import Foundation
import VeilLaunch
import VeilProfile
import VeilProxy

/// `veil report`: one or more `--report` files (the InspectorSummary a run writes), shown for
/// people (`text`), as GitHub Actions annotations (`github`), as JUnit XML for any CI
/// (`junit`), or merged into one summary (`json`). Several files are one fleet: the gate reads
/// their merged counts.
public enum CIReport {
    public enum Format: String, CaseIterable, Sendable {
        case text, github, junit, json
    }

    /// One report file as read: the path it was given as (it names the job in a fleet).
    public struct Input: Sendable, Equatable {
        public var path: String
        public var summary: InspectorSummary
        public init(path: String, summary: InspectorSummary) {
            (self.path, self.summary) = (path, summary)
        }
    }

    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "veil: cannot read the report \(path): \(reason)" }
    }

    /// Exit statuses: the gate's is `veil run --fail-on`'s; a report that cannot be read is
    /// wrong input, as a broken profile is for `veil profile check`.
    public static let gateStatus = InspectorHandoff.markerStatus
    public static let unreadableStatus: Int32 = 2

    /// Reads, prints and gates: 0; 3 when `gate` is set and anything at or above it was found
    /// in any of the files; 2 when a file cannot be read (nothing is printed then: a summary
    /// of the readable part would pass a gate on less than the fleet).
    public static func run(paths: [String], format: Format, gate: Severity?,
                           output: (String) -> Void, error: (String) -> Void) -> Int32 {
        var inputs: [Input] = []
        for path in paths {
            do {
                let input = try load(path)
                let s = input.summary
                Verbosity.say(1, "report: \(path): \(s.requests) request(s), \(s.findings) finding(s), \(s.blocked) blocked, \(s.rejected) refused")
                inputs.append(input)
            } catch let e {
                error((e as? LoadError)?.description ?? "veil: cannot read the report \(path): \(e)")
                return unreadableStatus
            }
        }
        do { output(try render(inputs, format: format, gate: gate)) } catch let e {
            error("veil: cannot write the summary: \(e)")
            return unreadableStatus
        }
        return failing(inputs, gate: gate) > 0 ? gateStatus : 0
    }

    public static func render(_ inputs: [Input], format: Format, gate: Severity?) throws -> String {
        switch format {
        case .text: return text(inputs, gate: gate)
        case .github: return github(inputs, gate: gate)
        case .junit: return junit(inputs, gate: gate ?? .marker)
        case .json: return String(decoding: try InspectorSummary.merged(inputs.map(\.summary)).reportJSON(), as: UTF8.self) + "\n"
        }
    }

    /// Findings at or above the gate over all the files; 0 without a gate.
    public static func failing(_ inputs: [Input], gate: Severity?) -> Int {
        guard let gate else { return 0 }
        return InspectorSummary.merged(inputs.map(\.summary)).findings(atLeast: gate)
    }

    // MARK: - Reading

    public static func load(_ path: String) throws -> Input {
        guard let bytes = HostFiles.read(path) else {
            throw LoadError(path: path, reason: String(cString: strerror(errno)))
        }
        return try decode(Data(bytes), path: path)
    }

    /// A report the gate can trust: JSON of the InspectorSummary schema, every severity one
    /// veil knows (a level it does not know would count toward no gate, silently).
    public static func decode(_ data: Data, path: String) throws -> Input {
        guard data.contains(where: { !" \t\r\n".utf8.contains($0) }) else {
            throw LoadError(path: path, reason: "the file is empty (did the run stop before writing its report?)")
        }
        let summary: InspectorSummary
        do { summary = try JSONDecoder().decode(InspectorSummary.self, from: data) } catch let e as DecodingError {
            throw LoadError(path: path, reason: explain(e))
        }
        let levels = Set(Severity.allCases.map(\.rawValue))
        if let bad = summary.findingsBySeverity.keys.sorted().first(where: { !levels.contains($0) }) {
            throw LoadError(path: path, reason: "findingsBySeverity has an unknown severity '\(bad)' (known: \(Severity.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let i = summary.findingList.firstIndex(where: { !levels.contains($0.severity) }) {
            throw LoadError(path: path, reason: "findingList[\(i)] has an unknown severity '\(summary.findingList[i].severity)'")
        }
        return Input(path: path, summary: summary)
    }

    private static func explain(_ e: DecodingError) -> String {
        func at(_ c: DecodingError.Context) -> String {
            c.codingPath.isEmpty ? "the top level" : c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        let notReport = "not a veil --report file"
        switch e {
        case .dataCorrupted(let c) where c.codingPath.isEmpty: return "not JSON (\(c.debugDescription))"
        case .dataCorrupted(let c): return "\(notReport): \(at(c)) \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "\(notReport): no '\(key.stringValue)' at \(at(c))"
        case .typeMismatch(let type, let c): return "\(notReport): \(at(c)) is not \(type)"
        case .valueNotFound(let type, let c): return "\(notReport): \(at(c)) is null, not \(type)"
        @unknown default: return "\(notReport): \(e)"
        }
    }

    // MARK: - Shared by the formats

    /// Findings a report counted but did not list (a report lists the first 1,000), by level:
    /// the formats say so, so a long run cannot pass for a short one.
    static func unlisted(_ s: InspectorSummary) -> [(Severity, Int)] {
        Severity.allCases.reversed().compactMap { level -> (Severity, Int)? in
            let listed = s.findingList.filter { $0.severity == level.rawValue }.count
            let n = s.findingsBySeverity[level.rawValue, default: 0] - listed
            return n > 0 ? (level, n) : nil
        }
    }

    static func severity(_ f: InspectorSummary.ReportedFinding) -> Severity {
        Severity(rawValue: f.severity) ?? .block  // decode() admits known levels only
    }

    /// Where a finding was, in one line: `POST /v1/messages $.system offset 120 U+2019 in “it’s”`.
    static func place(_ f: InspectorSummary.ReportedFinding) -> String {
        var s = "\(f.request) \(f.at) offset \(f.offset)"
        if !f.codePoints.isEmpty, !f.what.contains(f.codePoints[0]) { s += " " + f.codePoints.prefix(8).joined(separator: " ") }
        if let word = f.word { s += " in “\(word)”" }
        return s
    }
}

extension String {
    /// Each Unicode scalar `replacement` gives a text for is written as that text, the rest as
    /// they are. By scalar, not Character: a String holds CR LF as one Character.
    func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = String.UnicodeScalarView()
        for u in unicodeScalars {
            if let r = replacement(u) { out.append(contentsOf: r.unicodeScalars) } else { out.append(u) }
        }
        return String(out)
    }
}
