import VeilProfile
@testable import VeilScan

/// The host every test pretends to run on.
func sampleFacts() -> HostFacts {
    var f = HostFacts()
    f.timeZone = "Asia/Shanghai"
    f.locales = ["zh_CN.UTF-8"]
    f.hostname = "alice-thinkpad"
    f.userName = "alice"
    f.fullName = "Alice Zhang"
    f.home = "/home/alice"
    f.workdir = "/home/alice/src/payments"
    f.proxyHosts = ["proxy.corp.example.cn"]
    f.dnsServers = ["114.114.114.114"]
    f.machineID = "3f2c9a7d41be4c0e9d6a5b8f7e1c2d3a"
    f.addresses = ["192.168.3.17"]
    return f
}

func sampleScanner(rules: [Profile.Rule] = []) -> Scanner {
    Scanner(config: ScanConfig(canaries: sampleFacts().canaries(), rules: rules))
}

func scan(_ body: String, rules: [Profile.Rule] = [], api: APIKind = .anthropic) -> [Finding] {
    sampleScanner(rules: rules).scanBody(Array(body.utf8), api: api)
}

/// Byte offset of the first occurrence of `needle` in `body` (UTF-8).
func byteOffset(of needle: String, in body: String) -> Int? {
    let h = Array(body.utf8), n = Array(needle.utf8)
    guard n.count <= h.count else { return nil }
    for i in 0 ... h.count - n.count where h[i ..< i + n.count].elementsEqual(n) { return i }
    return nil
}

/// A request body in the Anthropic shape with one user text.
func userText(_ text: String) -> String {
    #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"\#(text)"}]}]}"#
}
