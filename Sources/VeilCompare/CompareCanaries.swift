import VeilScan

// Which host facts explain a difference in `veil compare`, and the policy for short values.
//
// The inspector (VeilScan's CanaryPolicy) never matches a user name, host name or home that is
// short or common (`root`, `/root`, a two-letter host name): it scans every request, and such a
// value would block honest prose. Compare attributes only a hunk that already differs between
// the host and the veil run, so a false alarm needs a coincidence and a missed leak is the worse
// error. There the host's user name, host name (and its first label) and home are canaries
// whatever their length or commonness, but each matches only as a whole word (`ab` is not in
// `about`, nor `root` in `rootfs`) or, for a path, a whole path (`/root` is in `/root/src`, not
// in `/rootfs` or `/srv/root`). Values the sandbox itself shows (its user, `/home/USER`, its
// host name) are left out: they are on both sides, and a match would be chance.
// They are not protected from normalisation: Normalizer.protected matches substrings, and `ab`
// would keep every UUID holding those letters from being set aside.

public struct CompareCanaries: Sendable {
    /// The host's identity: matched as whole words or paths, at any length.
    public var identity: [Canary]
    /// The inspector's canaries (CanaryPolicy) and the workdir in its dash-encoded form.
    public var others: [Canary]

    /// What normalisation must leave alone: the inspector's canaries only (see above).
    public var protected: [String] { others.map(\.value) }

    public var attributor: Attributor { Attributor(canaries: others, wholeWord: identity) }

    /// `sandbox`: the user and host name the veil arm shows.
    public static func make(facts: HostFacts, workdir: String, sandbox: (user: String, hostname: String)) -> CompareCanaries {
        var others = facts.canaries()
        // Agents also file state under the workdir path with its slashes turned into dashes
        // (Claude Code: ~/.claude/projects/-home-alice-project): the same fact, encoded.
        // At least two path segments: `/srv` alone would match too much once encoded.
        if workdir.split(separator: "/").count >= 2 {
            others.append(Canary(label: "workdir path (as a file name)", value: workdir.replacingOccurrences(of: "/", with: "-")))
        }
        let shown = Set([sandbox.user, "/home/" + sandbox.user, sandbox.hostname].map { $0.lowercased() })
        var identity: [Canary] = []
        func add(_ label: String, _ value: String) {
            let v = trimmed(value)
            guard !v.isEmpty, v != "/", !shown.contains(v.lowercased()),
                  !identity.contains(where: { $0.value.lowercased() == v.lowercased() }) else { return }
            identity.append(Canary(label: label, value: v))
        }
        add("user name", facts.userName)
        add("host name", facts.hostname)
        add("host name", String(facts.hostname.split(separator: ".").first ?? ""))
        add("home path", facts.home)
        // One value, one rule: the whole-word one.
        let taken = Set(identity.map { $0.value.lowercased() })
        others.removeAll { taken.contains($0.value.lowercased()) }
        return CompareCanaries(identity: identity, others: others)
    }

    static func trimmed(_ v: String) -> String {
        var s = Substring(v.trimmingBlanks())
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}

private extension String {
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(String(drop(while: blank).reversed().drop(while: blank)).reversed())
    }
}
