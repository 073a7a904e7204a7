import VeilScan

// --json: schema version 1, documented in docs/schema/compare-report.schema.json and
// docs/schema/probe-report.schema.json (a test validates real reports against them). Built as
// JSONValue so the key order is the schema's. Probe differences carry "baseline"/"variation"
// and, so one reader handles both reports, the same display texts again as "host"/"veil".
// Invisible and bidi characters are written as \uXXXX escapes: the file's text is what a reader
// sees, and a terminal showing it is not reordered or hidden by it.

public enum JSONReport {
    /// Raised when a field changes meaning or disappears; new optional fields keep it.
    public static let schemaVersion = 1

    public static func compare(_ r: CompareReport) -> String {
        let root: JSONValue = .object([
            ("schemaVersion", .int(schemaVersion)),
            ("tool", .str("veil compare")),
            ("command", .array(r.command.map(JSONValue.str))),
            ("raw", .bool(r.raw)),
            ("requests", .object([("host", .int(r.hostRequests)), ("veil", .int(r.veilRequests)), ("pairs", .int(r.requests.pairs))])),
            ("differences", .array(r.requests.differences.map { difference($0, sides: ("host", "veil")) })),
            ("output", .array(r.output.map { difference($0, sides: ("host", "veil")) })),
            ("volatile", .array((r.requests.volatile + r.outputVolatile).map(volatile))),
            ("volatileRules", rules(r.raw)),
            ("summary", summary(r.requests.differences)),
            ("notes", .array(r.notes.map(JSONValue.str))),
            ("exitStatus", .int(Int(r.exitStatus))),
        ])
        return render(root)
    }

    public static func probe(_ r: ProbeReport) -> String {
        let folding = ProbeFolding(r.result)
        let dims: [JSONValue] = r.result.dimensions.enumerated().map { di, d in
            .object([
                ("name", .str(d.name)),
                ("changed", .bool(d.changed)),
                ("byKind", byKind(d.variations.flatMap(\.differences))),
                ("variations", .array(d.variations.enumerated().map { vi, v in
                    var members: [(String, JSONValue)] = [("value", .str(v.value)), ("changed", .bool(v.changed))]
                    if let e = v.error { members.append(("error", .str(e))) }
                    let same = folding.sameAs[di][vi].map { JSONValue.object([
                        ("dimension", .str(r.result.dimensions[$0.dimension].name)),
                        ("value", .str(r.result.dimensions[$0.dimension].variations[$0.variation].value)),
                    ]) }
                    members.append(("sameAs", same ?? .null))
                    members.append(("differences", .array(v.differences.map { difference($0, sides: ("baseline", "variation")) })))
                    return .object(members)
                })),
            ])
        }
        let root: JSONValue = .object([
            ("schemaVersion", .int(schemaVersion)),
            ("tool", .str("veil probe")),
            ("command", .array(r.command.map(JSONValue.str))),
            ("changed", .bool(r.result.changed)),
            ("dimensions", .array(dims)),
            ("volatile", .array(r.result.volatile.map(volatile))),
            ("volatileRules", rules(false)),
            ("baselineRequests", .int(r.result.baselineRequests)),
            ("runs", .int(r.runs)),
            ("parallel", .int(r.parallel)),
            ("wallSeconds", .number(String(format2(r.wallSeconds)))),
            ("notes", .array(r.notes.map(JSONValue.str))),
            ("ownTypography", .array(r.ownTypography.map(JSONValue.str))),
            ("exitStatus", .int(Int(r.exitStatus))),
        ])
        return render(root)
    }

    static func render(_ v: JSONValue) -> String {
        v.rendered(pretty: true, escaping: CodePoints.isInvisible) + "\n"
    }

    static func difference(_ d: Difference, sides: (String, String)) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("request", .int(d.request)), ("endpoint", .str(d.endpoint)), ("path", .str(d.path)),
            ("area", .str(ReportArea.of(d).rawValue)),
            (sides.0, .str(d.left)), (sides.1, .str(d.right)),
        ]
        if sides.0 != "host" { m += [("host", .str(d.left)), ("veil", .str(d.right))] }
        m += [
            ("kind", .str(d.kind.rawValue)), ("detail", .str(d.detail)),
            (sides.0 + "Context", context(d.leftSide)), (sides.1 + "Context", context(d.rightSide)),
            (sides.0 + "Side", side(d.leftSide)), (sides.1 + "Side", side(d.rightSide)),
        ]
        return .object(m)
    }

    /// The display form of v0: visible text ([U+XXXX]), kept for readers written against it.
    static func context(_ s: DiffSide) -> JSONValue {
        .object([("before", .str(visible(s.before))), ("changed", .str(visible(s.changed))), ("after", .str(visible(s.after)))])
    }

    /// The real characters, the changed code points as structure, and the body bytes.
    static func side(_ s: DiffSide) -> JSONValue {
        let cps = CodePoints.notable(s.changed)
        var body: JSONValue = .null, unknown: JSONValue = .null
        switch s.bytes {
        case let .span(offset, length): body = .object([("offset", .int(offset)), ("length", .int(length))])
        case let .unknown(why): unknown = .str(why.rawValue)
        }
        return .object([
            ("before", .str(s.before)), ("changed", .str(s.changed)), ("after", .str(s.after)),
            ("changedLength", .int(s.changedLength)),
            ("codePoints", .array(cps.map(codePoint))),
            ("codePointsOmitted", .int(CodePoints.notableCount(s.changed) - cps.count)),
            ("body", body), ("bodyUnknown", unknown),
        ])
    }

    static func codePoint(_ c: NotableCodePoint) -> JSONValue {
        var ch = ""
        ch.unicodeScalars.append(c.scalar)
        return .object([
            ("offset", .int(c.offset)), ("codePoint", .str(c.codePoint)), ("name", .optional(c.name)),
            ("category", .str(c.category)), ("char", .str(ch)), ("invisible", .bool(c.invisible)),
        ])
    }

    static func volatile(_ v: VolatileHit) -> JSONValue {
        .object([("request", .int(v.request)), ("path", .str(v.path)), ("rule", .str(v.rule))])
    }

    static func rules(_ raw: Bool) -> JSONValue {
        raw ? .array([]) : .array(Normalizer.rules.map { .object([("name", .str($0.name)), ("description", .str($0.description))]) }
            + [.object([("name", .str("baseline")), ("description", .str("probe: a spot that differs between two identical baseline runs"))])])
    }

    static func summary(_ ds: [Difference]) -> JSONValue {
        .object([
            ("differences", .int(ds.count)), ("byKind", byKind(ds)),
            ("byArea", .object(KindMatrix(ds).rows.map { row in
                (row.area.rawValue, .object(DifferenceKind.allCases.compactMap { k in row.counts[k].map { (k.rawValue, .int($0)) } }))
            })),
        ])
    }

    static func byKind(_ ds: [Difference]) -> JSONValue {
        .object(countByKind(ds).map { ($0.0.rawValue, .int($0.1)) })
    }

    static func format2(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
