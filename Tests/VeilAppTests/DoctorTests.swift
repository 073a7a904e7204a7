import Testing
@testable import VeilApp

@Suite struct DoctorTests {
    /// The host's TLS trust as the inspector will use it, and a setting that names nothing.
    @Test func trustCheckNamesTheStoreOrWhatIsWrong() {
        let system = Doctor.trustCheck(environment: [:])
        #expect(system.ok && system.detail == "the system trust store")
        let dir = Doctor.trustCheck(environment: ["SSL_CERT_DIR": "/"])
        #expect(dir.ok && dir.detail == "SSL_CERT_DIR=/")
        let missing = Doctor.trustCheck(environment: ["SSL_CERT_FILE": "/nonexistent/veil-ca.pem"])
        #expect(!missing.ok)
        #expect(missing.detail == "the host's SSL_CERT_FILE=/nonexistent/veil-ca.pem is not a readable file: https upstreams are refused")
    }
}
