// Which hosts a list names: the profile's `connect_allow` (the hosts a CONNECT or an
// absolute-form request may reach) and the host's NO_PROXY (the hosts its proxy is skipped for).
// One pattern and one match for both, on bytes, with the host split from its port as
// `Authority` splits it; the two lists differ only in what a bare name means.

public struct HostPattern: Sendable, Equatable {
    public enum Name: Sendable, Equatable {
        /// `*`: every host.
        case any
        /// This host only (an allow list's `host`, an IPv6 address in either list).
        case exactly(String)
        /// Names below the suffix, not the suffix itself (an allow list's `*.suffix`); held
        /// with its leading dot.
        case below(String)
        /// The domain and every name below it (NO_PROXY's `suffix`, `.suffix` and `*.suffix`,
        /// as curl reads them).
        case domain(String)
    }

    public let name: Name
    /// nil: any port.
    public let port: Int?

    public init(name: Name, port: Int?) {
        self.name = name
        self.port = port
    }

    /// An allow-list entry: `host`, `host:port`, `*.suffix`, `*`, `[::1]`, `[::1]:port` (a bare
    /// `::1` too). Without a port it is 443, the port of every model API: the agent must not
    /// choose where on an allowed host the inspector connects (a red team reached a host
    /// service through `api.anthropic.com:47031` resolved to loopback). nil for one that names
    /// nothing: a port that is not 1...65535, brackets around something other than an IPv6
    /// address or anywhere else in a name.
    public init?(allowEntry entry: some StringProtocol) {
        guard let (name, bracketed, given) = Self.parts(entry) else { return nil }
        let port = given ?? 443
        if bracketed || name.contains(":") {
            self.init(name: .exactly(name), port: port)
        } else if name == "*" {
            self.init(name: .any, port: port)
        } else if name.hasPrefix("*.") {
            self.init(name: .below(String(name.dropFirst())), port: port)
        } else {
            self.init(name: .exactly(name), port: port)
        }
    }

    /// A NO_PROXY entry: `*`, or a domain written `name`, `.name` or `*.name` (each the domain
    /// and below, as curl reads them), an IPv6 address as `::1` or `[::1]`; each may end in
    /// `:port` as for the allow list (curl ignores ports; Go and Python honour them).
    public init?(noProxyEntry entry: some StringProtocol) {
        guard let (name, bracketed, port) = Self.parts(entry) else { return nil }
        if bracketed || name.contains(":") {
            self.init(name: .exactly(name), port: port)
        } else if name == "*" {
            self.init(name: .any, port: port)
        } else {
            var domain = Substring(name)
            if domain.hasPrefix("*.") { domain = domain.dropFirst() }
            if domain.hasPrefix(".") { domain = domain.dropFirst() }
            guard !domain.isEmpty else { return nil }
            self.init(name: .domain(String(domain)), port: port)
        }
    }

    /// NO_PROXY's value: entries between commas, spaces around them ignored, empty ones and
    /// ones that name nothing left out.
    public static func noProxyList(_ value: some StringProtocol) -> [HostPattern] {
        value.split(separator: ",").compactMap { entry in
            let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
            guard let first = entry.firstIndex(where: { !blank($0) }), let last = entry.lastIndex(where: { !blank($0) }) else { return nil }
            return HostPattern(noProxyEntry: entry[first ... last])
        }
    }

    /// `host` as `Authority` reads it (lowercase, no brackets); a bracketed or uppercase one is
    /// read the same. A host holding a bracket anywhere else is no host.
    public func matches(host: some StringProtocol, port: Int) -> Bool {
        guard self.port == nil || self.port == port else { return false }
        var h = Authority.foldCase(host.utf8)[...]
        if h.first == UInt8(ascii: "["), h.last == UInt8(ascii: "]"), h.count >= 2 { h = h.dropFirst().dropLast() }
        guard !h.isEmpty, !h.contains(UInt8(ascii: "[")), !h.contains(UInt8(ascii: "]")) else { return false }
        switch name {
        case .any:
            return true
        case .exactly(let name):
            return h.elementsEqual(name.utf8)
        case .below(let suffix):
            return h.count > suffix.utf8.count && h.reversed().starts(with: suffix.utf8.reversed())
        case .domain(let domain):
            // Equal, or a name ending in `.domain` (so `badexample.com` is not under `example.com`).
            let d = domain.utf8
            return h.elementsEqual(d)
                || (h.count > d.count && h.reversed().starts(with: d.reversed()) && h[h.endIndex - d.count - 1] == UInt8(ascii: "."))
        }
    }

    /// The entry's name (lowercase, no brackets), whether it was bracketed, and its port.
    private static func parts(_ entry: some StringProtocol) -> (String, Bool, Int?)? {
        guard let p = Authority.split(Array(entry.utf8)[...]) else { return nil }
        var port: Int?
        if let digits = p.port {
            guard let value = Authority.port(digits) else { return nil }
            port = value
        }
        let name = Authority.lowercased(p.host)
        guard !name.isEmpty, !name.contains("["), !name.contains("]"),
              !p.bracketed || Authority.isIPv6(p.host) else { return nil }
        return (name, p.bracketed, port)
    }
}
