import Testing
import VeilProfile

/// One reading of `host:port` for the allow list, the CONNECT parser, the upstream and proxy
/// URLs, compare's host arm and the canaries: RFC 3986 on bytes.
@Suite struct AuthorityTests {
    /// A URL → `host port path`, or nil when it names no host veil would dial.
    @Test(arguments: [
        ("http://user:pw@host.example/v1", "host.example 80 /v1"),
        ("http://a@b@host.example:81/x", "host.example 81 /x"),  // the host follows the LAST @
        ("https://evil.example#@allowed.example/v1", "evil.example 443 /"),  // # ends the authority
        ("https://evil.example?@allowed.example/", "evil.example 443 /?@allowed.example/"),
        ("http://[::1]:8080/a", "::1 8080 /a"),
        ("http://[::1]/a", "::1 80 /a"),
        ("https://[2001:DB8::1]", "2001:db8::1 443 /"),
        ("HTTPS://API.Example.COM/V1", "api.example.com 443 /V1"),  // the host's case, not the path's
        ("http://h.example:65535/", "h.example 65535 /"),
        ("http://h.example:/", "h.example 80 /"),  // an empty port is the scheme's
        ("http://h.example:00080/", "h.example 80 /"),
        ("http://h.example:0/", nil),
        ("http://h.example:65536/", nil),
        ("http://h.example:123456/", nil),
        ("http://h.example:8o/", nil),
        ("http://h.example:+80/", nil),
        ("http://h.example: 80/", nil),
        ("http://[::1]x/", nil),
        ("http://[evil.example]/", nil),  // brackets hold an IPv6 address only
        ("http://[fe80::1%25eth0]/", nil),
        ("http://fe80::1/", nil),  // a bare IPv6 address is no URL host
        ("http://[::1/", nil),
        ("http://[]:80/", nil),
        ("http://evil.example%00.api.example/", nil),  // decoded, %00 would end the name for the resolver
        ("http://evil.example%2F.api.example/", nil),
        ("http://h.example\\@evil.example/", nil),  // `\` is `/` to WHATWG readers: two readings
        ("http://a b/", nil),
        ("http://user@/", nil),
        ("http:///path", nil),
        ("ftp://h.example/", nil),
    ] as [(String, String?)])
    func urlAuthorities(url: String, expected: String?) {
        #expect(AbsoluteURI(url).map { "\($0.host) \($0.port) \($0.pathAndQuery)" } == expected, "\(url)")
    }

    /// CONNECT's authority-form: the port is required, no userinfo.
    @Test(arguments: [
        ("api.example.com:443", "api.example.com:443"),
        ("API.Example.COM:8443", "api.example.com:8443"),
        ("[::1]:8080", "[::1]:8080"),
        ("h:65535", "h:65535"),
        ("h:0", nil), ("h:65536", nil), ("h:", nil), ("h", nil), ("[::1]", nil), ("[::1]:", nil),
        ("user:pw@h:443", nil), ("a@b@h:443", nil), ("::1:443", nil), (":443", nil), ("h:443/x", nil),
    ] as [(String, String?)])
    func connectTargets(target: String, expected: String?) {
        #expect(Authority(connectTarget: target)?.description == expected, "\(target)")
    }

    /// What a canary looks for: the same split, the port and bytes not judged, case kept.
    @Test(arguments: [
        ("http://user:p@ss@Proxy.Corp:3128/", "Proxy.Corp"),
        ("proxy.corp:99999", "proxy.corp"),
        ("https://gw.corp.example#@other/v1", "gw.corp.example"),
        ("[fd00::5]:3128", "fd00::5"),
        ("socks5h://[fd00::5]", "fd00::5"),
        ("::1", "::1"),
        ("gw.corp.example", "gw.corp.example"),
        ("http://", nil), ("", nil), ("http://user@/x", nil),
    ] as [(String, String?)])
    func hostNames(value: String, expected: String?) {
        #expect(Authority.hostName(in: value) == expected, "\(value)")
    }
}

@Suite struct HostPatternTests {
    /// (entry, host, port, allowed): the allow list, where a bare name is that host only, on
    /// port 443 unless the entry names another.
    @Test(arguments: [
        ("example.com", "example.com", 443, true),
        ("example.com", "EXAMPLE.com", 443, true),
        ("example.com", "api.example.com", 443, false),
        ("*.example.com", "api.example.com", 443, true),
        ("*.example.com", "a.b.example.com", 443, true),
        ("*.example.com", "example.com", 443, false),  // below the suffix, not the suffix
        ("*.example.com", "badexample.com", 443, false),
        ("*.example.com", ".example.com", 443, false),
        ("*.Example.COM", "API.example.com", 443, true),
        ("example.com:443", "example.com", 443, true),
        ("example.com:443", "example.com", 8443, false),
        ("example.com", "example.com", 80, false),  // no port: 443, not any
        ("example.com", "example.com", 47031, false),
        ("*", "anything.example", 443, true),
        ("*", "anything.example", 1, false),
        ("*:443", "anything.example", 80, false),
        ("[::1]", "::1", 443, true),
        ("[::1]", "[::1]", 8080, false),
        ("[::1]:8080", "::1", 8080, true),
        ("[::1]:8080", "::1", 443, false),
        ("::1", "::1", 443, true),
        ("[2001:DB8::1]", "2001:db8::1", 443, true),
        ("[::1]:8080", "::1]:8080", 443, false),
        ("example.com", "[example.com", 443, false),
    ] as [(String, String, Int, Bool)])
    func allowList(entry: String, host: String, port: Int, allowed: Bool) throws {
        let pattern = try #require(HostPattern(allowEntry: entry))
        #expect(pattern.matches(host: host, port: port) == allowed, "\(entry) \(host):\(port)")
    }

    /// Entries that name nothing: a port that is not 1...65535, brackets around a name.
    @Test(arguments: ["bad:port", "h:0", "h:65536", "h:", "[evil.example]", "[::1]x", "[::1", "a[b", "", "[]"])
    func allowEntriesThatNameNothing(entry: String) {
        #expect(HostPattern(allowEntry: entry) == nil, "\(entry)")
    }

    /// (NO_PROXY, host, port, bypassed): a name is the domain and below, with or without its
    /// leading dot, as curl reads it.
    @Test(arguments: [
        (".corp.example", "corp.example", 443, true),
        (".corp.example", "llm.corp.example", 443, true),
        (".corp.example", "badcorp.example", 443, false),
        ("corp.example", "corp.example", 443, true),
        ("corp.example", "llm.corp.example", 443, true),
        ("corp.example", "badcorp.example", 443, false),
        ("*.corp.example", "corp.example", 443, true),
        ("CORP.example", "Llm.Corp.Example", 443, true),
        ("10.0.0.1:8443", "10.0.0.1", 8443, true),
        ("10.0.0.1:8443", "10.0.0.1", 443, false),
        ("*", "x", 443, true),
        ("::1", "::1", 443, true),
        ("[::1]", "::1", 443, true),
        ("[::1]:8080", "::1", 8080, true),
        ("[::1]:8080", "::1", 443, false),
        ("::1", "1::1", 443, false),
    ] as [(String, String, Int, Bool)])
    func noProxy(entry: String, host: String, port: Int, bypassed: Bool) throws {
        let pattern = try #require(HostPattern(noProxyEntry: entry))
        #expect(pattern.matches(host: host, port: port) == bypassed, "\(entry) \(host):\(port)")
    }

    @Test func noProxyLists() {
        let list = HostPattern.noProxyList(" localhost, .internal.corp ,,10.0.0.1:8443,\tbad:port, ::1")
        #expect(list == [HostPattern(name: .domain("localhost"), port: nil), HostPattern(name: .domain("internal.corp"), port: nil),
                         HostPattern(name: .domain("10.0.0.1"), port: 8443), HostPattern(name: .exactly("::1"), port: nil)])
    }
}
