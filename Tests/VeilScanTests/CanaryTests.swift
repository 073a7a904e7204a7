import Testing
import VeilProfile
@testable import VeilScan

/// Host canaries: found in every form they take in text, with boundaries.
struct CanaryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let text: String
        let label: String
        /// Text that starts where the finding points.
        let at: String
        var testDescription: String { text }
    }

    static let found: [Case] = [
        .init(text: "time zone is Asia/Shanghai today", label: "time zone", at: "Asia/"),
        .init(text: "TZ=PRC", label: "time zone", at: "PRC"),
        .init(text: "zoneinfo/Asia/Chongqing", label: "time zone", at: "Asia/"),
        .init(text: "offset is +08:00 here", label: "time zone offset", at: "+08:00"),
        .init(text: "2026-07-01T10:00:00+08:00", label: "time zone offset", at: "+08:00"),
        .init(text: "Date: Wed, 01 Jul 2026 10:00:00 +0800", label: "time zone offset", at: "+0800"),
        .init(text: "we are at UTC+8 now", label: "time zone offset", at: "UTC+8"),
        .init(text: "clock says GMT+8.", label: "time zone offset", at: "GMT+8"),
        .init(text: "Wed Jul 01 2026 GMT+0800 (x)", label: "time zone offset", at: "GMT+0800"),
        .init(text: "utc+08:00 in lower case", label: "time zone offset", at: "utc+08:00"),
        .init(text: "(China Standard Time)", label: "time zone name", at: "China"),
        .init(text: "LANG=zh_CN.UTF-8", label: "locale", at: "zh_CN"),
        .init(text: "locale zh-CN detected", label: "locale", at: "zh-CN"),
        .init(text: "hello ALICE, welcome", label: "user name", at: "ALICE"),
        .init(text: "by Alice Zhang", label: "full name", at: "Alice Zhang"),
        .init(text: "on alice-thinkpad:", label: "host name", at: "alice-thinkpad"),
        .init(text: "cd /home/alice/notes", label: "home path", at: "/home/alice"),
        .init(text: "see /home/alice.", label: "home path", at: "/home/alice"),
        .init(text: "cwd: /home/alice/src/payments", label: "workdir path", at: "/home/alice/src/payments"),
        .init(text: "via proxy.corp.example.cn:3128", label: "proxy host", at: "proxy.corp"),
        .init(text: "nameserver 114.114.114.114", label: "DNS server", at: "114.114"),
        .init(text: "id 3f2c9a7d41be4c0e9d6a5b8f7e1c2d3a", label: "machine-id", at: "3f2c9a7d"),
        .init(text: "id 3F2C9A7D-41BE-4C0E-9D6A-5B8F7E1C2D3A", label: "machine-id", at: "3F2C9A7D"),
        .init(text: "ip 192.168.3.17 up", label: "host address", at: "192.168"),
    ]

    @Test(arguments: found)
    func canaryIsFound(_ c: Case) throws {
        let body = userText(c.text)
        let findings = scan(body).filter { $0.kind == .canary }
        let f = try #require(findings.first, "nothing found in \(c.text)")
        #expect(f.detail.hasPrefix(c.label + " "), "\(f.detail)")
        #expect(f.offset == byteOffset(of: c.at, in: body))
        #expect(f.path == "$.messages[0].content[0].text")
        #expect(f.codePoints.isEmpty)
    }

    /// Canaries split by JSON escapes are decoded before matching; the offset is the raw one.
    @Test(arguments: [
        (#"cwd \/home\/alice\/src"#, "home path", #"\/home"#),
        (#"name \u0061lice here"#, "user name", #"\u0061"#),
        (#"Asia\/Shanghai"#, "time zone", "Asia"),
        (#"user \u0041\u004c\u0049\u0043\u0045"#, "user name", #"\u0041"#),
        (#"line one\nalice\tthere"#, "user name", "alice"),
    ])
    func escapedCanaryIsFound(_ text: String, _ label: String, _ at: String) throws {
        let body = userText(text)
        let f = try #require(scan(body).first { $0.kind == .canary }, "\(text)")
        #expect(f.detail.hasPrefix(label))
        #expect(f.offset == byteOffset(of: at, in: body))
    }

    /// A longer canary covers the shorter ones inside it: one finding for one leak.
    @Test func containedCanariesAreOneFinding() {
        let findings = scan(userText("at /home/alice/src/payments now")).filter { $0.kind == .canary }
        #expect(findings.count == 1)
        #expect(findings.first?.detail.hasPrefix("workdir path") == true)
    }

    @Test func canaryInAKeyCounts() throws {
        let f = try #require(scan(#"{"metadata":{"alice-thinkpad":true}}"#).first)
        #expect(f.kind == .canary)
        #expect(f.path == #"$.metadata["alice-thinkpad"]"#)
    }

    /// Words that contain a canary, or look like one, are not the canary.
    @Test(arguments: [
        "malice and chalice, aliceblue, alice_x",
        "paths /home/alicex and /home/aliced/x",
        "prc in lower case, sPRCx, PRCS",
        "number 10.114.114.114.114 and 1114.114.114.114",
        "Asia/Shanghaiese, +08:001, +0800123, UTC+80",
        "zh_CNx and xzh-CN",
        "we don’t use curly quotes as markers",
        "Shanghai is a city; China is a country",
        "192.168.3.170 and 192.168.3.1",
        #"escape letters: \\nalice is not the point, \\talice-thinkpad either"#,
    ])
    func noFalseAlarm(_ text: String) {
        let findings = scan(userText(text)).filter { $0.kind == .canary }
        #expect(findings.isEmpty, "\(findings.map(\.detail))")
    }

    /// An escape letter is not the first letter of a canary: `\nobody` is a newline and `obody`.
    @Test func escapeLetterDoesNotStartACanary() {
        let s = Scanner(config: ScanConfig(canaries: [Canary(label: "user name", value: "nobody1"),
                                                      Canary(label: "host name", value: "tardis")]))
        #expect(s.scanBody(Array(userText(#"line\nobody1 and \tardis"#).utf8), api: .anthropic).isEmpty)
        #expect(s.scanBody(Array(userText(#"line\n nobody1"#).utf8), api: .anthropic).count == 1)
    }

    /// Paths match as whole path segments, at the end of a sentence too.
    @Test(arguments: [
        ("in /srv/data/proj/src", true), ("in /srv/data/proj.", true), ("(/srv/data/proj)", true),
        ("in /srv/data/projects", false), ("in /srv/data/proj-old", false), ("in /srv/data/proj.bak", false),
    ])
    func pathSegments(_ text: String, _ expected: Bool) {
        let s = Scanner(config: ScanConfig(canaries: [Canary(label: "workdir path", value: "/srv/data/proj")]))
        #expect(!s.scanBody(Array(userText(text).utf8), api: .anthropic).isEmpty == expected)
    }

    /// Common words and neutral values never become canaries, whatever the host says.
    @Test func commonValuesAreNotCanaries() {
        var f = HostFacts()
        f.timeZone = "UTC"
        f.locales = ["C.UTF-8", "en_US.UTF-8"]
        f.hostname = "box"
        f.userName = "dev"
        f.fullName = "dev"
        f.home = "/home/user"
        f.workdir = "/work"
        f.dnsServers = ["127.0.0.53", "8.8.8.8"]
        f.addresses = ["127.0.0.1"]
        f.proxyHosts = ["localhost"]
        #expect(f.canaries().isEmpty, "\(f.canaries())")
        let s = Scanner(config: ScanConfig(canaries: f.canaries() + [Canary(label: "user name", value: "dev"),
                                                                     Canary(label: "x", value: "localhost")]))
        #expect(s.scanBody(Array(userText("dev box on localhost as user in UTC").utf8), api: .anthropic).isEmpty)
    }

    @Test func timeZoneAliasesAndOffsets() {
        var f = HostFacts()
        f.timeZone = "Asia/Urumqi"
        let values = Set(f.canaries().map(\.value))
        #expect(values.isSuperset(of: ["Asia/Urumqi", "Asia/Kashgar", "+06:00", "+0600", "UTC+6", "GMT+6", "UTC+06:00"]))
        f.timeZone = "PRC"
        #expect(Set(f.canaries().map(\.value)).isSuperset(of: ["PRC", "Asia/Shanghai", "+08:00", "UTC+8"]))
        f.timeZone = "Asia/Kolkata"
        #expect(Set(f.canaries().map(\.value)).isSuperset(of: ["Asia/Calcutta", "+05:30", "+0530", "UTC+5:30"]))
        f.timeZone = "America/New_York"  // both standard and daylight offsets
        #expect(Set(f.canaries().map(\.value)).isSuperset(of: ["-05:00", "-04:00", "US/Eastern"]))
    }

    /// An invisible character, a selector or a tag inside a canary hides nothing: the model
    /// reads the canary all the same. In place, decoded from escapes, in a header, in raw text.
    @Test(arguments: [
        (userText("on alice\u{200B}-thinkpad"), "host name", "alice"),
        (userText("on ali\u{00AD}ce-thinkpad"), "host name", "ali"),
        (userText("tz Asia/Shang\u{2060}hai"), "time zone", "Asia"),
        (userText("at /home/al\u{E0041}ice/x"), "home path", "/home"),
        (userText("at /home/al\u{FE0F}ice/x"), "home path", "/home"),
        (userText(#"x\u200b at /home/al\u200cice/x"#), "home path", "/home"),
        ("not JSON: Asia/Shang\u{200D}hai", "time zone", "Asia"),
        // After a Cyrillic letter, which the normalised view reads as Latin: still a word edge
        // there, as it is in the text (the fuzzer's case, zero-width spaces forcing the view).
        (userText("\u{0430}z\u{200B}h\u{200B}-\u{200B}C\u{200B}N"), "locale", "z"),
        ("{\"0t\\\u{0430}z\u{200B}h-CN\\\"\"}", "locale", "z"),
    ])
    func invisibleCharactersDoNotHideACanary(_ body: String, _ label: String, _ at: String) {
        let canaries = scan(body).filter { $0.kind == .canary }
        #expect(canaries.count == 1 && canaries.first?.detail.hasPrefix(label) == true, "\(canaries.map(\.detail))")
        #expect(canaries.first?.offset == byteOffset(of: at, in: body))
        #expect(decide(scan(body), modes: Profile.Modes(), rules: []) != .forward)
    }

    @Test func aCanaryFoundAlreadyIsNotFoundTwice() {
        #expect(scan(userText("alice\u{200B} here")).map(\.kind) == [.canary, .invisible])
        #expect(sampleScanner().scanHeaders([(name: "user-agent", value: "x (alice-\u{200B}thinkpad)")]).map(\.kind)
                    == [.invisible, .canary])
    }

    /// Credential headers too: a tool inside may write anything there (the proxy blanks the
    /// keys it knows before the scan).
    @Test func everyHeaderIsScanned() {
        let s = sampleScanner()
        let findings = s.scanHeaders([
            (name: "User-Agent", value: "agent/1.0 (linux; alice-thinkpad)"),
            (name: "x-stainless-timezone", value: "Asia/Shanghai"),
            (name: "Authorization", value: "Bearer alice-thinkpad-key"),
            (name: "x-api-key", value: "sk-alice"),
            (name: "Cookie", value: "host=alice-thinkpad"),
            (name: "content-type", value: "application/json"),
            (name: "x-api-key", value: "sk-ant-api03-q8N_u2ZbVx-Kd0LwRfT7yHcJ3mPe9sAa"),
            (name: "X-Alice-Thinkpad", value: "1"),
        ])
        #expect(findings.map(\.path) == ["header:user-agent", "header:x-stainless-timezone", "header:authorization",
                                          "header:x-api-key", "header:cookie", "header-name"])
        #expect(findings.first?.offset == byteOffset(of: "alice-thinkpad", in: "agent/1.0 (linux; alice-thinkpad)"))
    }

    /// The request target as the upstream reads it: percent-decoded, and `+` as a space in a
    /// query as well as a plus.
    @Test(arguments: [
        ("/v1/models/alice-thinkpad", "host name"),
        ("/v1/messages?note=%2Fhome%2Falice%2Fsrc%2Fpayments", "workdir path"),
        ("/v1/messages?who=Alice+Zhang", "full name"),
        ("/v1beta/models/m:generateContent?tz=%2B08%3A00", "time zone"),
    ])
    func targetIsScannedDecoded(_ target: String, _ label: String) {
        let found = sampleScanner().scanTarget(target)
        #expect(!found.isEmpty && found.allSatisfy { $0.path == "uri" })
        #expect(found.contains { $0.detail.hasPrefix(label) }, "\(found.map(\.detail))")
    }

    @Test func anOrdinaryTargetHasNoFinding() {
        #expect(sampleScanner().scanTarget("/v1/messages?beta=true&key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY").isEmpty)
        #expect(Scanner.percentDecoded("%41%zz%4") == "A%zz%4")
    }

    /// The host's kernel release, build suffix, build string and build host are canaries; the
    /// neutral release the sandbox shows is not.
    @Test func kernelIdentityCanaries() {
        var f = HostFacts()
        f.kernelRelease = "6.18.44-fc-v1272"
        f.kernelVersion = "#1 SMP PREEMPT_DYNAMIC Debian 6.18.44-1 (2026-10-01)"
        f.procVersion = "Linux version 6.18.44-fc-v1272 (builder@sandboxing) (gcc 15.3.0) #1 SMP"
        let values = Set(f.canaries().map(\.value))
        #expect(values.isSuperset(of: ["6.18.44-fc-v1272", "fc-v1272", "#1 SMP PREEMPT_DYNAMIC Debian 6.18.44-1 (2026-10-01)",
                                       "builder@sandboxing"]))
        var plain = HostFacts()
        plain.kernelRelease = "6.1.0"
        plain.kernelVersion = "#1 SMP PREEMPT_DYNAMIC"
        #expect(!plain.canaries().contains { $0.label.hasPrefix("kernel") })
    }

    /// The vDSO's build salt and build id, read from this process's own vDSO as the agent
    /// reads its own, are canaries; so are those of an image parsed here.
    @Test func theVDSOsNotesAreCanaries() {
        var f = HostFacts()
        (f.kernelBuildSalt, f.kernelBuildID) = ("6.1.102-1.182.amzn2023.x86_64", String(repeating: "9e", count: 20))
        let values = Set(f.canaries().map(\.value))
        #expect(values.isSuperset(of: ["6.1.102-1.182.amzn2023.x86_64", String(repeating: "9e", count: 20)]))
        // An ELF64 image with one PT_NOTE segment holding both notes.
        var image = [UInt8](repeating: 0, count: 256)
        func put<T: FixedWidthInteger>(_ v: T, at: Int) { withUnsafeBytes(of: v.littleEndian) { image.replaceSubrange(at..<at + $0.count, with: $0) } }
        put(UInt32(0x464C_457F), at: 0); image[4] = 2; image[5] = 1
        put(UInt64(64), at: 32); put(UInt16(56), at: 54); put(UInt16(1), at: 56)
        put(UInt32(4), at: 64); put(UInt64(128), at: 72)
        var notes: [UInt8] = []
        for (owner, type, desc) in [("Linux", UInt32(0x100), Array("7.1.0-x.cloud9".utf8) + [0]), ("GNU", 3, [UInt8](0..<20))] {
            let name = Array(owner.utf8) + [0]
            for v in [UInt32(name.count), UInt32(desc.count), type] { withUnsafeBytes(of: v.littleEndian) { notes += $0 } }
            notes += name + [UInt8](repeating: 0, count: (4 - name.count % 4) % 4)
            notes += desc + [UInt8](repeating: 0, count: (4 - desc.count % 4) % 4)
        }
        put(UInt64(notes.count), at: 64 + 32)
        image.replaceSubrange(128..<128 + notes.count, with: notes)
        let parsed = image.withUnsafeBytes { HostKernel.notes(ofELF: $0.baseAddress!) }
        #expect(parsed.buildSalt == "7.1.0-x.cloud9" && parsed.buildID == "000102030405060708090a0b0c0d0e0f10111213")
        // This kernel's vDSO has a build id (Linux has written one since 2.6.23).
        #expect(HostKernel.vdsoNotes().buildID.utf8.count == 40)
    }
}

/// The proxy and base-URL hosts captured as canaries: the host of each value as `Authority`
/// splits it, kept even where no client could use the value.
@Suite struct CapturedHostTests {
    @Test(arguments: [
        ("http://user:p@ss@Proxy.Corp.example:3128/", "Proxy.Corp.example"),
        ("proxy.corp.example:99999", "proxy.corp.example"),
        (".corp.example,localhost", ".corp.example"),
        ("[fd00::5]:3128", "fd00::5"),
        ("fd00::5,localhost", "fd00::5"),
        ("https://gw.corp.example#@other.example/v1", "gw.corp.example"),
        ("https://gw.corp.example?x=a:b", "gw.corp.example"),
    ])
    func hostOf(value: String, host: String) {
        #expect(HostFacts.hostOf(value) == host)
    }

    @Test func capturedFromTheEnvironment() {
        let f = HostFacts.capture(environment: ["HTTPS_PROXY": "http://u:pw@proxy.corp.example:3128",
                                                "ANTHROPIC_BASE_URL": "https://gw.corp.example/v1", "no_proxy": ""],
                                  workdir: "/work")
        #expect(f.proxyHosts == ["proxy.corp.example"] && f.baseURLHosts == ["gw.corp.example"])
    }
}

/// The host name as device-mapper spells it (a dash doubled), which mount listings inside
/// the sandbox show on an LVM install: `/dev/mapper/<host>--vg-root` is the source of every
/// bind from the host's root filesystem.
struct DeviceMapperHostNameTests {
    static let facts: HostFacts = {
        var f = HostFacts()
        f.hostname = "build-box-7.lab.example"
        f.userName = "bob"
        return f
    }()

    static let leak = userText("rootfs: /dev/mapper/build--box--7--vg-root on / type ext4")

    @Test func theMapperSpellingIsACanary() throws {
        let canaries = DeviceMapperHostNameTests.facts.canaries()
        #expect(canaries.contains { $0.label == "host name" && $0.value == "build--box--7" })
        #expect(canaries.contains { $0.label == "host name" && $0.value == "build--box--7.lab.example" })
        let body = Array(DeviceMapperHostNameTests.leak.utf8)
        let found = Scanner(config: ScanConfig(canaries: canaries)).scanBody(body, api: .anthropic)
        let f = try #require(found.first { $0.kind == .canary })
        #expect(f.detail.hasPrefix("host name "), "\(f.detail)")
        #expect(f.offset == byteOffset(of: "build--box--7--vg", in: DeviceMapperHostNameTests.leak))
    }

    /// The control: the host name's own spellings do not match the mapper name.
    @Test func withoutItTheMapperNamePasses() {
        let plain = DeviceMapperHostNameTests.facts.canaries().filter { !$0.value.contains("--") }
        let body = Array(DeviceMapperHostNameTests.leak.utf8)
        #expect(Scanner(config: ScanConfig(canaries: plain)).scanBody(body, api: .anthropic).isEmpty)
    }

    /// A host name without a dash has no other spelling (`alicepc-vg` holds `alicepc` as it is).
    @Test func aNameWithoutADashAddsNothing() {
        var f = HostFacts()
        f.hostname = "alicepc"
        #expect(f.canaries().filter { $0.label == "host name" }.map(\.value) == ["alicepc"])
    }
}
