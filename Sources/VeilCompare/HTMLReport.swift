// --html: one self-contained page (inline CSS, no script, no external asset) for a person:
// a summary, then every difference side by side with the changed characters highlighted.
// All text is escaped; the texts are already `visible` (ASCII with [U+XXXX]), so a covert
// character can neither hide in the page nor act on it.

import VeilScan

public enum HTMLReport {
    public static func compare(_ r: CompareReport) -> String {
        let ds = r.requests.differences
        var body = "<h1>veil compare</h1>\n<p class=\"cmd\"><code>" + esc(r.command.joined(separator: " ")) + "</code></p>\n"
        body += "<p class=\"summary \(ds.isEmpty ? "clean" : "dirty")\">" + (ds.isEmpty
            ? "No difference in the outbound requests."
            : "\(ds.count) difference(s) in the outbound requests: " + esc(TerminalReport.kinds(ds)) + ".") + "</p>\n"
        body += "<p>Requests: host \(r.hostRequests), veil \(r.veilRequests), compared in \(r.requests.pairs) pair(s)."
            + (r.raw ? " Raw: nothing normalised." : "") + "</p>\n"
        body += table(ds, sides: ("host (outside veil)", "veil"))
        if !r.output.isEmpty {
            body += "<h2>The agent&#39;s own output</h2>\n<p>Shown, not gating: outside the sandbox it is expected to differ.</p>\n"
            body += table(r.output, sides: ("host", "veil"))
        }
        body += volatileSection(r.requests.volatile + r.outputVolatile, raw: r.raw)
        body += notes(r.notes)
        return page(title: "veil compare", body: body)
    }

    public static func probe(_ r: ProbeReport) -> String {
        let changed = r.result.dimensions.filter(\.changed).map(\.name)
        var body = "<h1>veil probe</h1>\n<p class=\"cmd\"><code>" + esc(r.command.joined(separator: " ")) + "</code></p>\n"
        body += "<p class=\"summary \(changed.isEmpty ? "clean" : "dirty")\">" + (changed.isEmpty
            ? "The outbound prompt does not depend on any dimension probed."
            : "The outbound prompt depends on: " + esc(changed.joined(separator: ", ")) + ".") + "</p>\n"
        body += "<p>\(r.runs) runs (two baselines and one per variation), up to \(r.parallel) at a time, "
            + JSONReport.format2(r.wallSeconds) + " s.</p>\n"
        body += "<h2>Sensitivity</h2>\n<table class=\"grid\"><tr><th>dimension</th><th>value</th><th>result</th></tr>\n"
        for d in r.result.dimensions {
            for (i, v) in d.variations.enumerated() {
                let cls = v.changed ? "changed" : "unchanged"
                let text = v.error.map { "changed (run failed: " + esc($0) + ")" }
                    ?? (v.changed ? "changed: " + esc(TerminalReport.kinds(v.differences)) : "unchanged")
                let anchor = v.differences.isEmpty ? text : "<a href=\"#\(anchorID(d.name, i))\">" + text + "</a>"
                body += "<tr><td>" + esc(d.name) + "</td><td><code>" + esc(v.value) + "</code></td><td class=\"\(cls)\">" + anchor + "</td></tr>\n"
            }
        }
        body += "</table>\n"
        for d in r.result.dimensions {
            for (i, v) in d.variations.enumerated() where !v.differences.isEmpty {
                body += "<h2 id=\"\(anchorID(d.name, i))\">" + esc(d.name) + " = <code>" + esc(v.value) + "</code></h2>\n"
                body += table(v.differences, sides: ("baseline (neutral)", "variation"))
            }
        }
        body += volatileSection(r.result.volatile, raw: false)
        body += notes(r.notes)
        return page(title: "veil probe", body: body)
    }

    static func anchorID(_ dim: String, _ i: Int) -> String {
        "v-" + String(dim.unicodeScalars.filter { ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A || $0 == "-" }.map(Character.init)) + "-\(i)"
    }

    static func table(_ ds: [Difference], sides: (String, String)) -> String {
        guard !ds.isEmpty else { return "" }
        var s = "<table class=\"diff\"><tr><th>where</th><th>kind</th><th>" + esc(sides.0) + "</th><th>" + esc(sides.1) + "</th></tr>\n"
        for d in ds.prefix(500) {
            let where_ = (d.request > 0 ? "request \(d.request) <span class=\"ep\">" + esc(d.endpoint) + "</span><br>" : "")
                + "<code>" + esc(d.path) + "</code>"
            s += "<tr><td class=\"where\">" + where_ + "</td><td><span class=\"kind k-\(d.kind.rawValue)\">" + d.kind.rawValue
                + "</span>" + (d.detail.isEmpty ? "" : "<div class=\"detail\">" + esc(d.detail) + "</div>") + "</td>"
                + "<td class=\"side\">" + side(d.leftSide, "del") + "</td><td class=\"side\">" + side(d.rightSide, "ins") + "</td></tr>\n"
        }
        if ds.count > 500 { s += "<tr><td colspan=\"4\">… \(ds.count - 500) more in --json</td></tr>\n" }
        return s + "</table>\n"
    }

    static func side(_ d: DiffSide, _ tag: String) -> String {
        "<span class=\"ctx\">" + esc(visible(d.before)) + "</span><" + tag + ">" + (d.changed.isEmpty ? "&#8203;" : esc(visible(d.changed)))
            + "</" + tag + "><span class=\"ctx\">" + esc(visible(d.after)) + "</span>"
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

    /// Escapes text for element content and attribute values.
    public static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>\(css)</style></head>
        <body>
        \(body)<footer>Generated by veil. Non-ASCII and invisible characters are written as [U+XXXX].</footer>
        </body></html>

        """
    }

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1f23;background:#fff}
    h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:22px 0 8px}
    code,.side{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px}
    .cmd code{background:#f1f3f5;padding:2px 6px;border-radius:4px}
    .summary{font-weight:600;padding:8px 12px;border-radius:6px}
    .summary.dirty{background:#fff0f0;border-left:5px solid #d7263d}.summary.clean{background:#eefbf1;border-left:5px solid #2f9e44}
    table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d4d9;padding:6px 8px;vertical-align:top;text-align:left}
    th{background:#f1f3f5}.side{white-space:pre-wrap;word-break:break-all;width:36%}
    .where{width:16%}.ep{color:#555}.ctx{color:#6b7178}
    del{background:#ff6b6b;color:#000;text-decoration:none;font-weight:700;padding:1px 2px;border-radius:2px}
    ins{background:#3ecf6e;color:#000;text-decoration:none;font-weight:700;padding:1px 2px;border-radius:2px}
    .kind{display:inline-block;padding:1px 6px;border-radius:10px;font-size:12px;font-weight:700;color:#fff}
    .k-canary{background:#d7263d}.k-covert-char{background:#8e44ad}.k-format{background:#c77c02}.k-unexplained{background:#1c7ed6}
    .detail{font-size:12px;color:#444;margin-top:4px}
    .grid{width:auto}.grid td.changed{background:#ff6b6b;font-weight:700}.grid td.unchanged{background:#3ecf6e}
    .grid td a{color:#000}footer{margin-top:28px;color:#777;font-size:12px}
    """
}
