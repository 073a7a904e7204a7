import Testing
import VeilProfile
@testable import VeilApp

/// Where compare's host arm listens, and what it lays over the host's files, decided from the
/// host's variables as they are.
@Suite struct HostArmPlanTests {
    func profile() -> Profile {
        var p = Profile(name: "claude-code")
        p.inspector.baseURLs = [.init(variable: "ANTHROPIC_BASE_URL", upstream: "https://api.anthropic.com")]
        return p
    }

    /// The corporate host of the issue: an https gateway, a proxy, both captured by name.
    @Test func baseURLAndProxyOfTheHost() {
        let env = ["ANTHROPIC_BASE_URL": "https://gateway.corp.example/v1", "HTTPS_PROXY": "http://proxy.corp.example:3128",
                   "https_proxy": "http://proxy.corp.example:3128", "NO_PROXY": ".corp.example,localhost"]
        let plan = HostArmPlan(profile: profile(), environment: env)
        #expect(plan.endpoints == [.init(host: "gateway.corp.example", port: 443), .init(host: "proxy.corp.example", port: 3128)])
        #expect(plan.ports == [443, 3128])
        #expect(plan.names == ["gateway.corp.example", "proxy.corp.example"])
        #expect(plan.addresses.isEmpty)
    }

    /// Unset (or empty) on the host: the agent dials the profile's default, so that is captured.
    @Test func defaultBaseURLWhenTheHostSetsNone() {
        for env in [[:], ["ANTHROPIC_BASE_URL": ""]] {
            #expect(HostArmPlan(profile: profile(), environment: env).endpoints == [.init(host: "api.anthropic.com", port: 443)])
        }
    }

    /// Address literals go onto the cell's lo; loopback ones are there already; a proxy
    /// without a scheme is http, as curl reads it; ports are listened on once.
    @Test func addressesAndSchemeless() {
        let env = ["ANTHROPIC_BASE_URL": "http://10.20.30.40:8080", "HTTP_PROXY": "[fd00::5]:3128",
                   "ALL_PROXY": "127.0.0.1:8080", "HTTPS_PROXY": "proxy.corp.example:3128"]
        let plan = HostArmPlan(profile: profile(), environment: env)
        #expect(plan.addresses == ["10.20.30.40", "fd00::5"])
        #expect(plan.ports == [8080, 3128])
        #expect(plan.names == ["proxy.corp.example"])
        #expect(HostArmPlan.endpoint("socks5://proxy:1080") == nil)
        // The allow-list entries the host arm's inspector gets: an IPv6 address in brackets
        // (written bare, `fd00::5:3128` named no host at all).
        #expect(plan.endpoints.map(\.description) == ["10.20.30.40:8080", "proxy.corp.example:3128", "[fd00::5]:3128", "127.0.0.1:8080"])
        #expect(HostArmPlan.endpoint("http://user:pw@GW.corp.example:8443/v1") == .init(host: "gw.corp.example", port: 8443))
        #expect(HostArmPlan.endpoint("https://gw.corp.example#@other.example/") == .init(host: "gw.corp.example", port: 443))
        #expect(HostArmPlan.endpoint("http://gw.corp.example:0") == nil)
    }

    @Test func hostsFileNamesComeFirst() {
        let plan = HostArmPlan(endpoints: [.init(host: "gw.corp.example", port: 443), .init(host: "localhost", port: 80)])
        #expect(plan.hostsFile(original: "127.0.0.1 localhost\n10.0.0.9 gw.corp.example\n")
            == "127.0.0.1\tgw.corp.example\n127.0.0.1 localhost\n10.0.0.9 gw.corp.example\n")
        #expect(HostArmPlan(endpoints: []).hostsFile(original: "x\n") == "x\n")
    }

    /// `files` first on the hosts line: a resolver before it would answer from the host's network.
    @Test func nsswitchPutsFilesFirst() {
        #expect(HostArmPlan.nsswitch(original: "passwd: files\nhosts:          files dns\n") == nil)
        #expect(HostArmPlan.nsswitch(original: "passwd: files\nhosts: resolve [!UNAVAIL=return] files myhostname dns\n")
            == "passwd: files\nhosts: files resolve [!UNAVAIL=return] myhostname dns\n")
    }

    /// Each bundle the agent would read is overlaid; the variables the host leaves unset are
    /// set to the system bundle's usual path, those it sets are left as they are.
    @Test func trustOverlaysAndVariables() {
        let files = ["/etc/ssl/certs/ca-certificates.crt": "/etc/ssl/certs/ca-certificates.crt",
                     "/opt/corp/ca.pem": "/opt/corp/ca.pem", "/etc/ssl/cert.pem": "/etc/ssl/certs/ca-certificates.crt"]
        let t = HostArmTrust(environment: ["REQUESTS_CA_BUNDLE": "/opt/corp/ca.pem", "NODE_EXTRA_CA_CERTS": "/missing.pem"],
                             resolve: { files[$0] })
        #expect(t.bundles == ["/etc/ssl/certs/ca-certificates.crt", "/opt/corp/ca.pem"])
        #expect(t.added == ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"])
        let bare = HostArmTrust(environment: [:], resolve: { _ in nil })
        #expect(bare.bundles.isEmpty)
        #expect(bare.added == ["SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": "", "NODE_EXTRA_CA_CERTS": ""])
    }
}
