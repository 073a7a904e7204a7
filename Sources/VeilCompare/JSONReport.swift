// --json: the schema the issue fixes, in a stable key order:
// compare {"differences": [{"request", "path", "host", "veil", "kind", …}], "volatile": [...]}
// probe   {"dimensions": [{"name", "changed", "variations": [{"value", "changed", "differences"}]}],
//          "ownTypography": ["Don’t", …]}
// Probe differences carry "baseline"/"variation" and, so one reader handles both reports, the
// same texts again as "host"/"veil".

public enum JSONReport {
    public static func compare(_ r: CompareReport) -> String {
        let root: JSONValue = .object([
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
        return root.rendered(pretty: true) + "\n"
    }

    public static func probe(_ r: ProbeReport) -> String {
        let dims: [JSONValue] = r.result.dimensions.map { d in
            .object([
                ("name", .str(d.name)),
                ("changed", .bool(d.changed)),
                ("variations", .array(d.variations.map { v in
                    var members: [(String, JSONValue)] = [("value", .str(v.value)), ("changed", .bool(v.changed))]
                    if let e = v.error { members.append(("error", .str(e))) }
                    members.append(("differences", .array(v.differences.map { difference($0, sides: ("baseline", "variation")) })))
                    return .object(members)
                })),
            ])
        }
        let root: JSONValue = .object([
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
        return root.rendered(pretty: true) + "\n"
    }

    static func difference(_ d: Difference, sides: (String, String)) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("request", .int(d.request)), ("endpoint", .str(d.endpoint)), ("path", .str(d.path)),
            (sides.0, .str(d.left)), (sides.1, .str(d.right)),
        ]
        if sides.0 != "host" { m += [("host", .str(d.left)), ("veil", .str(d.right))] }
        m += [
            ("kind", .str(d.kind.rawValue)), ("detail", .str(d.detail)),
            (sides.0 + "Context", side(d.leftSide)), (sides.1 + "Context", side(d.rightSide)),
        ]
        return .object(m)
    }

    static func side(_ s: DiffSide) -> JSONValue {
        .object([("before", .str(s.before)), ("changed", .str(s.changed)), ("after", .str(s.after))])
    }

    static func volatile(_ v: VolatileHit) -> JSONValue {
        .object([("request", .int(v.request)), ("path", .str(v.path)), ("rule", .str(v.rule))])
    }

    static func rules(_ raw: Bool) -> JSONValue {
        raw ? .array([]) : .array(Normalizer.rules.map { .object([("name", .str($0.name)), ("description", .str($0.description))]) }
            + [.object([("name", .str("baseline")), ("description", .str("probe: a spot that differs between two identical baseline runs"))])])
    }

    static func summary(_ ds: [Difference]) -> JSONValue {
        .object([("differences", .int(ds.count)), ("byKind", .object(countByKind(ds).map { ($0.0.rawValue, .int($0.1)) }))])
    }

    static func format2(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
