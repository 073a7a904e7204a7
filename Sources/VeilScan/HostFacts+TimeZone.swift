import Foundation

// Time-zone canaries. The 2026 agent read the zone *name* and acted on it; an agent can
// as well write the zone, its alias, its offset or its long name into the prompt, so all
// of these are canaries. Offsets come from Foundation's TimeZone (both standard and
// daylight time), never from a table that could drift from tzdata.

extension HostFacts {
    /// Alias groups (tzdata `backward` links) for the zones most relevant here.
    static let timeZoneAliases: [[String]] = [
        ["Asia/Shanghai", "PRC", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin"],
        ["Asia/Urumqi", "Asia/Kashgar"],
        ["Asia/Hong_Kong", "Hongkong"], ["Asia/Macau", "Asia/Macao"], ["Asia/Taipei", "ROC"],
        ["Asia/Kolkata", "Asia/Calcutta"], ["Asia/Ho_Chi_Minh", "Asia/Saigon"],
        ["Asia/Kathmandu", "Asia/Katmandu"], ["Asia/Yangon", "Asia/Rangoon"], ["Asia/Seoul", "ROK"],
        ["Asia/Jerusalem", "Asia/Tel_Aviv"], ["Europe/Kyiv", "Europe/Kiev"], ["Europe/Moscow", "W-SU"],
        ["Europe/Istanbul", "Asia/Istanbul"], ["America/New_York", "US/Eastern"],
        ["America/Chicago", "US/Central"], ["America/Denver", "US/Mountain"],
        ["America/Los_Angeles", "US/Pacific"], ["Pacific/Honolulu", "US/Hawaii"],
        ["America/Anchorage", "US/Alaska"], ["Europe/London", "GB-Eire"],
    ]

    func timeZoneCanaries() -> [Canary] {
        let tz = timeZone.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !tz.isEmpty, !CanaryPolicy.isNeverCanary(tz) else { return [] }
        // An Etc/ zone is an offset with a name (`Etc/GMT-8`): a canary unless it is UTC's.
        if tz.hasPrefix("Etc/"), (TimeZone(identifier: tz)?.secondsFromGMT() ?? 0) == 0 { return [] }
        var names = [tz]
        if let group = HostFacts.timeZoneAliases.first(where: { $0.contains(tz) }) { names += group }
        var out: [Canary] = []
        // A bare word (TZ=Japan) would match prose; aliases keep a slash or are acronyms.
        for n in names where n.contains("/") || n == n.uppercased() || n == "Hongkong" {
            out.append(Canary(label: "time zone", value: n))
        }
        guard let zone = TimeZone(identifier: tz) else { return out }
        let now = Date()
        let year = Calendar(identifier: .gregorian).component(.year, from: now)
        var dates: [Date] = [now]
        for month in [1, 7] {
            if let d = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: zone,
                                      year: year, month: month, day: 15).date { dates.append(d) }
        }
        var offsets: [Int] = []
        for d in dates where !offsets.contains(zone.secondsFromGMT(for: d)) { offsets.append(zone.secondsFromGMT(for: d)) }
        for s in offsets where s != 0 {
            for form in HostFacts.offsetForms(seconds: s) { out.append(Canary(label: "time zone offset", value: form)) }
        }
        for d in dates {
            if let a = zone.abbreviation(for: d), a.utf8.count >= 3, a.allSatisfy({ $0.isLetter && $0.isASCII }),
               !CanaryPolicy.isNeverCanary(a) {
                out.append(Canary(label: "time zone abbreviation", value: a))
            }
            for style in [NSTimeZone.NameStyle.standard, .daylightSaving] {
                if let long = zone.localizedName(for: style, locale: Locale(identifier: "en_US")),
                   long.utf8.count >= 8, !long.contains("GMT"), !CanaryPolicy.isNeverCanary(long) {
                    out.append(Canary(label: "time zone name", value: long))
                }
            }
        }
        return out
    }

    /// Every way people and libraries write the offset, for +8 h: `+08:00 +0800` (ISO 8601,
    /// RFC 2822), `UTC+8 UTC+08 UTC+8:00 UTC+08:00 UTC+0800 UTC +8` and the same with GMT
    /// (Java, JavaScript's Date, Windows' "(UTC+08:00)", tzdata's `+08`-style abbreviations
    /// behind a prefix) and `Etc/GMT-8` (POSIX's inverted sign); for +5.5 h `+05:30 +0530
    /// UTC+5:30 UTC+05:30 UTC+0530 …` (no `UTC+05`: that is another zone). A bare `+08` is
    /// not one: too many other things are written so. Boundaries: CanaryPolicy.shape.
    static func offsetForms(seconds: Int) -> [String] {
        let sign = seconds < 0 ? "-" : "+"
        let h = abs(seconds) / 3600, m = abs(seconds) % 3600 / 60
        let hh = h < 10 ? "0\(h)" : "\(h)", mm = m < 10 ? "0\(m)" : "\(m)"
        var forms = ["\(sign)\(hh):\(mm)", "\(sign)\(hh)\(mm)"]
        for p in ["UTC", "GMT"] {
            forms += ["\(p)\(sign)\(h):\(mm)", "\(p)\(sign)\(hh):\(mm)", "\(p)\(sign)\(hh)\(mm)"]
            if m == 0 { forms += ["\(p)\(sign)\(h)", "\(p)\(sign)\(hh)", "\(p) \(sign)\(h)"] }
        }
        if m == 0 && h > 0 { forms.append("Etc/GMT\(seconds < 0 ? "+" : "-")\(h)") }
        return Array(Set(forms)).sorted()
    }
}
