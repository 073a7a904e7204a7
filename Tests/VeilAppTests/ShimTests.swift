import Testing
@testable import VeilApp

@Suite struct ShimTests {
    /// Where the shim's directory stands on PATH against the real command decides whether
    /// plain `claude` runs inside veil; install says so rather than succeed either way.
    @Test func precedenceOnPath() {
        let exists = { (p: String) in p == "/usr/local/bin/claude" || p == "/opt/claude/bin/claude" }
        let shims = "/home/u/.local/bin"
        #expect(Shim.precedence(name: "claude", dir: shims, path: "\(shims):/usr/local/bin:/usr/bin", exists: exists)
            == .inEffect(real: "/usr/local/bin/claude"))
        #expect(Shim.precedence(name: "claude", dir: shims, path: "/usr/local/bin:\(shims):/usr/bin", exists: exists)
            == .shadowed(by: "/usr/local/bin/claude"))
        #expect(Shim.precedence(name: "claude", dir: shims, path: "/usr/bin:/opt/claude/bin", exists: exists)
            == .notOnPath(real: "/opt/claude/bin/claude"))
        #expect(Shim.precedence(name: "claude", dir: shims, path: "\(shims):/usr/bin", exists: exists) == nil)
    }

    /// The script names no real path: it finds the command when it runs, skipping its own
    /// directory and other shims.
    @Test func theScriptFindsTheCommandAtRunTime() {
        let s = Shim.script(veil: "/opt/veil/veil", name: "claude", profile: "it's")
        #expect(s.hasPrefix("#!/bin/sh\n" + Shim.marker))
        #expect(s.contains("for d in $PATH") && s.contains(#""$d/claude""#))
        #expect(s.contains("--profile 'it'\\''s'"))
        #expect(!s.contains("/usr/local/bin"))
    }
}
