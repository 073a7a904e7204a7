// --html: one self-contained page for a person (inline CSS, no script, no external asset): a
// summary, an overview matrix (compare: area of the request × kind of change; probe:
// dimension × kind), then every difference side by side with the changed characters
// highlighted and its code points listed, each glyph beside its U+XXXX name so that "looks
// identical" is visible. Status is colour and text. Variations that change the prompt the same
// way are folded as in the terminal report. All text is escaped; an invisible, format or bidi
// character is never put on the page as itself but as a named box (HTMLReport+Text).

public enum HTMLReport {
    public static func compare(_ r: CompareReport) -> String {
        let ds = r.requests.differences
        var body = "<h1>veil compare</h1>\n<p class=\"cmd\"><code>" + esc(r.command.joined(separator: " ")) + "</code></p>\n"
        body += summary(clean: ds.isEmpty, ds.isEmpty
            ? "No difference in the outbound requests."
            : "\(ds.count) difference(s) in the outbound requests: " + esc(TerminalReport.kinds(ds)) + ".")
        body += "<p>Requests: host \(r.hostRequests), veil \(r.veilRequests), compared in \(r.requests.pairs) pair(s)."
            + (r.raw ? " Raw: nothing normalised." : "") + "</p>\n"
        let matrix = KindMatrix(ds + r.output)
        body += "<h2 id=\"overview\">Overview</h2>\n"
        body += matrixTable(rowHead: "area of the request", rows: matrix.rows.map { row in
            let note = row.area == .output ? " <span class=\"note\">(not gating)</span>" : ""
            return (label: "<a href=\"#\(areaID(row.area))\">" + esc(row.area.rawValue) + "</a>" + note, status: nil, counts: row.counts)
        })
        body += "<h2 id=\"details\">Differences</h2>\n"
        if ds.isEmpty { body += "<p>None.</p>\n" }
        for area in ReportArea.allCases where area != .output {
            let inArea = ds.filter { ReportArea.of($0) == area }
            guard !inArea.isEmpty else { continue }
            body += "<h3 id=\"\(areaID(area))\">" + esc(area.rawValue) + "</h3>\n" + table(inArea, sides: ("host (outside veil)", "veil"))
        }
        if !r.output.isEmpty {
            body += "<h2 id=\"\(areaID(.output))\">The agent&#39;s own output</h2>\n<p>Shown, not gating: outside the sandbox it is expected to differ.</p>\n"
            body += table(r.output, sides: ("host", "veil"))
        }
        body += volatileSection(r.requests.volatile + r.outputVolatile, raw: r.raw)
        body += notes(r.notes)
        return page(title: "veil compare", body: body)
    }

    public static func probe(_ r: ProbeReport) -> String {
        let changed = r.result.dimensions.filter(\.changed).map(\.name)
        var body = "<h1>veil probe</h1>\n<p class=\"cmd\"><code>" + esc(r.command.joined(separator: " ")) + "</code></p>\n"
        body += summary(clean: changed.isEmpty, changed.isEmpty
            ? "The outbound prompt does not depend on any dimension probed."
            : "The outbound prompt depends on: " + esc(changed.joined(separator: ", ")) + ".")
        body += "<p>\(r.runs) runs (two baselines and one per variation), up to \(r.parallel) at a time, "
            + JSONReport.format2(r.wallSeconds) + " s.</p>\n"
        body += "<h2 id=\"overview\">Overview</h2>\n"
        body += matrixTable(rowHead: "dimension", rows: r.result.dimensions.map { d in
            var counts: [DifferenceKind: Int] = [:]
            for v in d.variations { for x in v.differences { counts[x.kind, default: 0] += 1 } }
            let n = d.variations.filter(\.changed).count
            return (label: esc(d.name), status: (d.changed, "\(n) of \(d.variations.count) changed"), counts: counts)
        })
        body += sensitivity(r)
        body += "<h2 id=\"details\">Differences</h2>\n"
        let folding = ProbeFolding(r.result)
        for (di, d) in r.result.dimensions.enumerated() {
            for (vi, v) in d.variations.enumerated() where !v.differences.isEmpty {
                body += "<h3 id=\"\(anchorID(d.name, vi))\">" + esc(d.name) + " = <code>" + esc(v.value) + "</code></h3>\n"
                if let same = folding.sameAs[di][vi] {
                    body += "<p class=\"same\">The same differences as <a href=\"#\(anchorID(r.result.dimensions[same.dimension].name, same.variation))\">"
                        + esc(ProbeFolding.name(r.result, same)) + "</a>.</p>\n"
                } else {
                    body += table(v.differences, sides: ("baseline (neutral)", "variation"))
                }
            }
        }
        body += volatileSection(r.result.volatile, raw: false)
        body += notes(r.notes)
        return page(title: "veil probe", body: body)
    }

    /// The verdict in words and colour: a reader without colour (or printing in black and white)
    /// still reads it.
    static func summary(clean: Bool, _ html: String) -> String {
        "<p class=\"summary \(clean ? "clean" : "dirty")\"><span class=\"status\">" + (clean ? "CLEAN" : "DIFFERS") + "</span> "
            + html + "</p>\n"
    }

    /// Rows × the four kinds; a cell with a count is coloured as its kind and says the number,
    /// an empty one a grey dot. `status`: probe's changed/unchanged column.
    static func matrixTable(rowHead: String, rows: [(label: String, status: (Bool, String)?, counts: [DifferenceKind: Int])]) -> String {
        guard !rows.isEmpty else { return "<p>Nothing to show.</p>\n" }
        let hasStatus = rows.contains { $0.status != nil }
        var s = "<table class=\"matrix\"><tr><th>" + esc(rowHead) + "</th>" + (hasStatus ? "<th>result</th>" : "")
        s += DifferenceKind.allCases.map { "<th><span class=\"kind k-\($0.rawValue)\">\($0.rawValue)</span></th>" }.joined() + "<th>total</th></tr>\n"
        for row in rows {
            s += "<tr><th class=\"row\">" + row.label + "</th>"
            if let (changed, text) = row.status {
                s += "<td class=\"\(changed ? "changed" : "unchanged")\">" + (changed ? "CHANGED" : "unchanged") + " <span class=\"note\">(" + esc(text) + ")</span></td>"
            }
            for k in DifferenceKind.allCases {
                let n = row.counts[k] ?? 0
                s += n > 0 ? "<td class=\"hit m-\(k.rawValue)\">\(n) <span class=\"sr\">\(k.rawValue)</span></td>" : "<td class=\"zero\">·</td>"
            }
            s += "<td class=\"total\">\(row.counts.values.reduce(0, +))</td></tr>\n"
        }
        return s + "</table>\n"
    }

    /// probe's table of every variation, with the result in words.
    static func sensitivity(_ r: ProbeReport) -> String {
        var s = "<h2 id=\"variations\">Variations</h2>\n<table class=\"grid\"><tr><th>dimension</th><th>value</th><th>result</th></tr>\n"
        let folding = ProbeFolding(r.result)
        for (di, d) in r.result.dimensions.enumerated() {
            for (i, v) in d.variations.enumerated() {
                let cls = v.changed ? "changed" : "unchanged"
                var text = v.error.map { "CHANGED (run failed: " + esc($0) + ")" }
                    ?? (v.changed ? "CHANGED: " + esc(TerminalReport.kinds(v.differences)) : "unchanged")
                if let same = folding.sameAs[di][i] { text += ", the same as " + esc(ProbeFolding.name(r.result, same)) }
                let anchor = v.differences.isEmpty ? text : "<a href=\"#\(anchorID(d.name, i))\">" + text + "</a>"
                s += "<tr><td>" + esc(d.name) + "</td><td><code>" + esc(v.value) + "</code></td><td class=\"\(cls)\">" + anchor + "</td></tr>\n"
            }
        }
        return s + "</table>\n"
    }

    static func anchorID(_ dim: String, _ i: Int) -> String { "v-" + idText(dim) + "-\(i)" }

    static func areaID(_ a: ReportArea) -> String { "a-" + idText(a.rawValue) }

    static func idText(_ s: String) -> String {
        String(s.unicodeScalars.map { ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A || $0 == "-" ? Character($0) : "-" })
    }

    static func table(_ ds: [Difference], sides: (String, String)) -> String {
        guard !ds.isEmpty else { return "" }
        var s = "<table class=\"diff\"><tr><th>where</th><th>kind</th><th>" + esc(sides.0) + "</th><th>" + esc(sides.1) + "</th></tr>\n"
        for d in ds.prefix(500) {
            let where_ = (d.request > 0 ? "request \(d.request) <span class=\"ep\">" + esc(d.endpoint) + "</span><br>" : "")
                + "<code>" + esc(d.path) + "</code>"
            s += "<tr><td class=\"where\">" + where_ + "</td><td><span class=\"kind k-\(d.kind.rawValue)\">" + d.kind.rawValue
                + "</span>" + (d.detail.isEmpty ? "" : "<div class=\"detail\">" + esc(d.detail) + "</div>") + "</td>"
                + "<td class=\"side\" dir=\"ltr\">" + side(d.leftSide, "del") + "</td><td class=\"side\" dir=\"ltr\">" + side(d.rightSide, "ins") + "</td></tr>\n"
        }
        if ds.count > 500 { s += "<tr><td colspan=\"4\">… \(ds.count - 500) more in --json</td></tr>\n" }
        return s + "</table>\n"
    }

    static func volatileSection(_ v: [VolatileHit], raw: Bool) -> String {
        if raw { return "<h2>Volatile values</h2>\n<p>--raw: nothing was normalised.</p>\n" }
        var s = "<h2>Volatile values set aside</h2>\n"
        if v.isEmpty { s += "<p>None.</p>\n" } else {
            s += "<ul class=\"vol\">" + v.prefix(300).map {
                "<li>" + ($0.request > 0 ? "request \($0.request) " : "") + "<code>" + esc($0.path) + "</code> (" + esc($0.rule) + ")</li>"
            }.joined() + "</ul>\n"
        }
        s += "<details><summary>Normalisation rules</summary><ul>" + Normalizer.rules.map {
            "<li><b>" + esc($0.name) + "</b>: " + esc($0.description) + "</li>"
        }.joined() + "</ul></details>\n"
        return s
    }

    static func notes(_ ns: [String]) -> String {
        ns.isEmpty ? "" : "<h2>Notes</h2>\n<ul>" + ns.map { "<li>" + esc($0) + "</li>" }.joined() + "</ul>\n"
    }
}
