import Foundation

// The host facts as the inspector's canaries: each value in the forms it takes in text
// (a time zone as its name, its aliases, its UTC offset written five ways, its long name),
// filtered by CanaryPolicy so that common words never raise an alarm.

extension HostFacts {
    public func canaries() -> [Canary] {
        var out: [Canary] = []
        var seen = Set<String>()
        func add(_ label: String, _ value: String) {
            let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard v.utf8.count >= 3, !CanaryPolicy.isNeverCanary(v), seen.insert(v.lowercased()).inserted else { return }
            out.append(Canary(label: label, value: v))
        }
        for c in timeZoneCanaries() { add(c.label, c.value) }
        for c in localeCanaries() { add(c.label, c.value) }
        for h in [hostname, String(hostname.split(separator: ".").first ?? "")] where CanaryPolicy.isDistinctiveName(h) {
            add("host name", h)
            // Device-mapper names double a dash: the installers' LVM volume group is named after
            // the host, so /proc/self/mountinfo, `df` and `mount` show
            // /dev/mapper/alice--laptop--vg-root, where `alice-laptop` itself never matches.
            if h.contains("-") { add("host name", h.replacingOccurrences(of: "-", with: "--")) }
        }
        if CanaryPolicy.isDistinctiveName(userName) { add("user name", userName) }
        let name = fullName.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        if CanaryPolicy.isDistinctiveName(name) { add("full name", name) }
        for (label, path) in [("home path", home), ("workdir path", workdir)] where HostFacts.isDistinctivePath(path) {
            add(label, HostFacts.trimSlash(path))
        }
        for h in proxyHosts where HostFacts.isDistinctiveHost(h) { add("proxy host", h) }
        for h in baseURLHosts where HostFacts.isDistinctiveHost(h) { add("base-URL host", h) }
        for d in dnsServers where !HostFacts.commonResolvers.contains(d) && HostFacts.isDistinctiveHost(d) {
            add("DNS server", d)
        }
        let id = machineID.trimmingCharacters(in: .whitespacesAndNewlines)
        if id.utf8.count >= 16 {
            add("machine-id", id)
            if id.utf8.count == 32 {  // the same id written as a UUID
                let c = Array(id)
                add("machine-id", [c[0 ..< 8], c[8 ..< 12], c[12 ..< 16], c[16 ..< 20], c[20 ..< 32]]
                    .map { String($0) }.joined(separator: "-"))
            }
        }
        for a in addresses where HostFacts.isDistinctiveHost(a) { add("host address", a) }
        for (label, value) in kernelCanaries() { add(label, value) }
        return out
    }

    /// The host kernel's release (the sandbox answers a neutral `M.N.0`), its build suffix
    /// (`fc-v1272`, `18-amd64`, `.al8`), its build string when it says more than the neutral
    /// one, and the build machine /proc/version names. Any other path that carries them is
    /// caught here.
    func kernelCanaries() -> [(String, String)] {
        var out: [(String, String)] = []
        // What the sandbox itself shows (KernelIdentity.neutral) is no canary.
        let numbers = kernelRelease.split(whereSeparator: { !$0.isNumber }).prefix(2)
        if numbers.count < 2 || kernelRelease != "\(numbers[0]).\(numbers[1]).0" {
            out.append(("kernel release", kernelRelease))
        }
        let suffix = kernelRelease.drop(while: { $0.isNumber || $0 == "." }).drop(while: { "-+._".contains($0) })
        if suffix.utf8.count >= 4, suffix.contains(where: \.isLetter) { out.append(("kernel build", String(suffix))) }
        let version = kernelVersion.trimmingCharacters(in: .whitespaces)
        if !version.isEmpty, version != "#1 SMP PREEMPT_DYNAMIC", version.split(separator: " ").count > 3 {
            out.append(("kernel build", version))
        }
        if let open = procVersion.firstIndex(of: "("), let close = procVersion[open...].firstIndex(of: ")") {
            let builder = procVersion[procVersion.index(after: open)..<close]
            if builder.contains("@"), builder.utf8.count >= 6 { out.append(("kernel build host", String(builder))) }
        }
        // The vDSO's, which no namespace hides: a distribution's release as its salt (the
        // cloud's, `amzn2023`), and an id that names this exact build.
        if kernelBuildSalt.utf8.count >= 6, kernelBuildSalt.contains(where: \.isLetter) {
            out.append(("kernel build", kernelBuildSalt))
        }
        if kernelBuildID.utf8.count >= 32 { out.append(("kernel build id", kernelBuildID)) }
        return out
    }

    /// Public resolvers appear in documentation everywhere; they say nothing about the host.
    static let commonResolvers: Set<String> = ["8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9"]

    /// The model APIs' own hosts are where the request goes anyway.
    static let publicAPIHosts: Set<String> = [
        "api.anthropic.com", "api.openai.com", "generativelanguage.googleapis.com", "openrouter.ai",
    ]

    static func isDistinctiveHost(_ h: String) -> Bool {
        let l = h.lowercased()
        return l.utf8.count >= 4 && !CanaryPolicy.isNeverCanary(l) && !publicAPIHosts.contains(l)
            && !l.hasPrefix("127.") && l != "::1" && !l.hasPrefix("fe80")
    }

    /// At least two segments (`/home/alice`), not a neutral default (`/home/user`, `/root`).
    static func isDistinctivePath(_ p: String) -> Bool {
        let t = trimSlash(p)
        return t.hasPrefix("/") && t.split(separator: "/").count >= 2 && !CanaryPolicy.isNeverCanary(t)
    }

    static func trimSlash(_ p: String) -> String {
        var s = Substring(p)
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }

    func localeCanaries() -> [Canary] {
        var out: [Canary] = []
        for loc in locales {
            // zh_CN.UTF-8@pinyin → zh_CN, and the BCP 47 spelling zh-CN.
            let base = String(loc.split(whereSeparator: { $0 == "." || $0 == "@" }).first ?? "")
            guard base.utf8.count >= 4, !CanaryPolicy.isNeverCanary(base), !base.lowercased().hasPrefix("en_us") else { continue }
            out.append(Canary(label: "locale", value: base))
            out.append(Canary(label: "locale", value: base.replacingOccurrences(of: "_", with: "-")))
            if loc != base { out.append(Canary(label: "locale", value: loc)) }
        }
        return out
    }
}
