import Foundation
import Testing
@testable import VeilApp
import VeilProxy

@Suite struct DoctorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/tls").path
    static let verified = " (a loopback TLS handshake verified with it)"

    /// A file under the temporary directory, removed by the caller.
    static func temporary(_ name: String, _ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "veil-doctor-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The host's TLS trust as the inspector will use it, and a setting that names nothing.
    @Test func trustCheckNamesTheStoreOrWhatIsWrong() {
        let system = Doctor.trustCheck(environment: [:])
        #expect(system.ok && system.detail == "the system trust store" + Self.verified, "\(system.detail)")
        let dir = Doctor.trustCheck(environment: ["SSL_CERT_DIR": "/"])
        #expect(dir.ok && dir.detail == "SSL_CERT_DIR=/" + Self.verified, "\(dir.detail)")
        let missing = Doctor.trustCheck(environment: ["SSL_CERT_FILE": "/nonexistent/veil-ca.pem"])
        #expect(!missing.ok)
        #expect(missing.detail == "the host's SSL_CERT_FILE=/nonexistent/veil-ca.pem is not a readable file: https upstreams are refused")
    }

    /// Both variables set, which once failed every https upstream while doctor said ok.
    @Test func bothTrustVariablesHandshake() {
        let file = Self.fixtures + "/ca.pem"
        let both = Doctor.trustCheck(environment: ["SSL_CERT_FILE": file, "SSL_CERT_DIR": Self.fixtures])
        #expect(both.ok, "\(both.detail)")
        #expect(both.detail == "SSL_CERT_FILE=\(file) and SSL_CERT_DIR=\(Self.fixtures)" + Self.verified)
    }

    /// This machine's kind of default: both naming Debian's system store.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt"),
                   "no /etc/ssl/certs/ca-certificates.crt on this host"))
    func theSystemStoreNamedByBothHandshakes() {
        let both = Doctor.trustCheck(environment: ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
                                                   "SSL_CERT_DIR": "/etc/ssl/certs"])
        #expect(both.ok, "\(both.detail)")
    }

    /// A bundle that looks like PEM but does not load: reading the settings cannot tell, the
    /// handshake can.
    @Test func aBundleThatDoesNotLoadFails() throws {
        let bundle = try Self.temporary("garbage.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
        defer { unlink(bundle) }
        #expect(UpstreamTrust(environment: ["SSL_CERT_FILE": bundle]).problem == nil)
        let alone = Doctor.trustCheck(environment: ["SSL_CERT_FILE": bundle])
        #expect(!alone.ok)
        #expect(alone.detail == "SSL_CERT_FILE=\(bundle) does not load (DECODE_ERROR): every https upstream fails")
        // Loaded as the addition to the directory, NIOSSL's own error.
        let both = Doctor.trustCheck(environment: ["SSL_CERT_FILE": bundle, "SSL_CERT_DIR": Self.fixtures])
        #expect(!both.ok)
        #expect(both.detail == "SSL_CERT_FILE=\(bundle) and SSL_CERT_DIR=\(Self.fixtures) does not load "
                + "(failedToLoadCertificate): every https upstream fails")
    }

    /// The handshake verifies: without its throwaway CA, the same handshake is refused.
    @Test func theHandshakeVerifies() throws {
        let trust = UpstreamTrust(environment: ["SSL_CERT_FILE": Self.fixtures + "/ca.pem"])
        #expect(throws: Never.self) { try TrustHandshake.verify(trust) }
        #expect {
            try TrustHandshake.verify(trust, trustingItsCA: false)
        } throws: { error in
            guard case TrustHandshake.Failure.handshake(let why) = error else { return false }
            return why == "CERTIFICATE_VERIFY_FAILED"
        }
    }
}

/// The AppArmor restriction of Ubuntu 23.10+ (issue 16), read from fixture /proc/sys trees:
/// this machine has no AppArmor, so the profile's text is checked, not loaded.
@Suite struct AppArmorTests {
    static func procSys(_ value: String?) throws -> String {
        let root = NSTemporaryDirectory() + "veil-apparmor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root + "/kernel", withIntermediateDirectories: true)
        if let value { try (value + "\n").write(toFile: root + "/kernel/apparmor_restrict_unprivileged_userns", atomically: true, encoding: .utf8) }
        return root
    }

    static let binaries = ["/usr/local/bin/veil", "/usr/local/bin/veil-core"]

    @Test func detectsTheRestrictionAndPrintsTheFix() throws {
        let on = try Self.procSys("1"), off = try Self.procSys("0"), none = try Self.procSys(nil)
        defer { for d in [on, off, none] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(AppArmorUserNamespaces(procSys: on).restricted == true)
        #expect(AppArmorUserNamespaces(procSys: off).restricted == false)
        #expect(AppArmorUserNamespaces(procSys: none).restricted == nil)

        let restricted = AppArmorUserNamespaces(procSys: on)
        let failing = try #require(restricted.check(uid: 1000, sandboxStarted: false, binaries: Self.binaries))
        #expect(!failing.ok)
        #expect(failing.detail.contains("veil doctor --apparmor-profile | sudo tee /etc/apparmor.d/veil"))
        #expect(failing.detail.contains("sudo apparmor_parser -r /etc/apparmor.d/veil"))
        #expect(failing.detail.contains("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"))
        // Root is not restricted; a profile in place shows as the sandbox starting.
        #expect(restricted.check(uid: 0, sandboxStarted: false, binaries: Self.binaries)?.ok == true)
        #expect(restricted.check(uid: 1000, sandboxStarted: true, binaries: Self.binaries)?.ok == true)
        #expect(AppArmorUserNamespaces(procSys: off).check(uid: 1000, sandboxStarted: false, binaries: Self.binaries)?.ok == true)
        #expect(AppArmorUserNamespaces(procSys: none).check(uid: 1000, sandboxStarted: false, binaries: Self.binaries) == nil)
    }

    /// As Ubuntu's own profiles for programs that need user namespaces (bwrap, chrome): an
    /// unconfined profile per binary, attached by its path, granting `userns` (AppArmor 4 ABI).
    @Test func theProfileGrantsUsernsToEachBinaryByPath() {
        let text = AppArmorUserNamespaces.profile(binaries: Self.binaries)
        #expect(text.contains("abi <abi/4.0>,\ninclude <tunables/global>\n"))
        #expect(text.contains("profile veil /usr/local/bin/veil flags=(unconfined) {\n  userns,\n"))
        #expect(text.contains("profile veil-core /usr/local/bin/veil-core flags=(unconfined) {\n  userns,\n"))
        #expect(text.components(separatedBy: "{").count == text.components(separatedBy: "}").count)
        #expect(text.contains("include if exists <local/veil>") && text.contains("include if exists <local/veil-core>"))
    }
}
