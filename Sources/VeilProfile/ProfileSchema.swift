// The keys a profile may use, section by section. Kept as data so that unknown keys can be
// reported with the closest known one, and so that the schema comment in
// profiles/default.toml has one list to agree with (a test checks that it does).

enum ProfileSchema {
    /// Known keys per table, by the table's schema path ("" is the top level). Tables whose
    /// keys are free names (`env.set`, `inspector.base_urls`) are absent on purpose.
    static let sections: [(section: String, keys: [String])] = [
        ("", ["description", "extends", "agent", "identity", "env", "filesystem", "seccomp", "inspector", "limits"]),
        ("agent", ["commands"]),
        ("identity", ["user", "uid", "gid", "full_name", "hostname", "tz", "locale"]),
        ("env", ["pass", "set"]),
        ("filesystem", ["ro", "rw", "home_files", "home_write"]),
        ("seccomp", ["deny", "allow"]),
        ("inspector", ["port", "keys", "connect_allow", "max_body_bytes", "max_buffered_bytes", "max_connections",
                       "max_record_bytes",
                       "request_timeout_seconds", "idle_timeout_seconds", "own_typography", "base_urls", "modes", "rules"]),
        ("inspector.modes", ["canary", "tag", "covert", "rule"]),
        ("inspector.rules", ["name", "kind", "pattern", "mode"]),
        ("limits", ["pids", "memory_mb", "open_files", "core_mb", "cpu_seconds"]),
    ]

    static func keys(of section: String) -> [String] {
        sections.first { $0.section == section }?.keys ?? []
    }

    /// Every known key as a full dotted path.
    static let allPaths: [String] = sections.flatMap { s in
        s.keys.map { s.section.isEmpty ? $0 : s.section + "." + $0 }
    }

    /// The closest known key to a misspelt one: by full path (`identity.hostnam` →
    /// `identity.hostname`) or by last segment in another section (`hostname` at the top →
    /// `identity.hostname`). Nil when nothing is close enough to be a plausible typo.
    static func suggestion(for path: String) -> String? {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        var best: (path: String, distance: Int)? = nil
        for candidate in allPaths {
            let candidateLast = candidate.split(separator: ".").last.map(String.init) ?? candidate
            let d = min(editDistance(path, candidate), editDistance(last, candidateLast) + 1)
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        guard let best, best.distance <= max(2, last.count / 3) else { return nil }
        return best.path
    }

    /// Levenshtein distance; key names are short, so the quadratic table is fine.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased().unicodeScalars), b = Array(b.lowercased().unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
