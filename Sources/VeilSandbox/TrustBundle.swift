/// The certificates the sandbox trusts. Inside, the only TLS peer is the inspector, reached
/// through CONNECT with the run's CA; without CONNECT nothing inside has a TLS peer at all. So
/// the bundle is the run CA, or a root nobody can sign with. Never the host's: the roots a
/// machine adds to its distribution's (a company's, a TLS-inspecting firewall's) say whose
/// machine it is and on what network.
enum TrustBundle {
    /// Where Debian's OpenSSL and Go look by default; the trust variables point here.
    static let path = "/etc/ssl/certs/ca-certificates.crt"

    /// The host's stores that /usr and /etc/pki would show: the roots added and their sources.
    static let hostStores = ["/usr/local/share/ca-certificates", "/usr/share/ca-certificates",
                             "/etc/pki/ca-trust", "/etc/pki/tls/certs"]

    static func contents(runCA: String?) -> String { runCA ?? noRoots }

    /// A root whose key was thrown away when it was made (ECDSA P-256, 100 years). An empty
    /// bundle would do for TLS, but not for the clients that load the bundle when they start,
    /// whatever their base URL: Python's SDKs (httpx) then fail with NO_CERTIFICATE_OR_CRL_FOUND.
    static let noRoots = """
        -----BEGIN CERTIFICATE-----
        MIIBxzCCAW2gAwIBAgIUe6X82q9MuyBL1zAcdi+P5NIbN5cwCgYIKoZIzj0EAwIw
        MDENMAsGA1UECgwEdmVpbDEfMB0GA1UEAwwWdmVpbCBzYW5kYm94OiBubyByb290
        czAgFw0yNjEyMDYxOTU4MDNaGA8yMTI2MTExMjE5NTgwM1owMDENMAsGA1UECgwE
        dmVpbDEfMB0GA1UEAwwWdmVpbCBzYW5kYm94OiBubyByb290czBZMBMGByqGSM49
        AgEGCCqGSM49AwEHA0IABFbJOtXLEe9qm0rvUHgP6MmKFMPuyrwEDaEpwckb20Ut
        3b0GqQgIWAQa9IRstnNIIf9RXyY++V5S9GdUOk7FzkCjYzBhMB0GA1UdDgQWBBQw
        uFbzuKsv6/VnNej9BE/LL53tUjAfBgNVHSMEGDAWgBQwuFbzuKsv6/VnNej9BE/L
        L53tUjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwICBDAKBggqhkjOPQQD
        AgNIADBFAiBIQLzRIsu8RTWKAqpq0K/9CkQx9cGnpiKQ3zZIGSqsVgIhAKkdd2uo
        ndopJ22IQ5XiGy++th3Isou5+x11TA/0Jx80
        -----END CERTIFICATE-----

        """
}
