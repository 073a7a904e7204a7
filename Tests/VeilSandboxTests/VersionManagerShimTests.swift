import Glibc
import Testing
@testable import VeilSandbox

@Suite struct VersionManagerShimTests {
    func script(_ text: String) -> String {
        var template = Array("/tmp/veil-shim-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        return String(cString: template)
    }

    @Test func pyenvAndAsdfShimsNameTheirManager() {
        let pyenv = script("#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT=\"/root/.pyenv\"\nexec \"/root/.pyenv/libexec/pyenv\" exec \"$program\" \"$@\"\n")
        let asdf = script("#!/usr/bin/env bash\n# asdf-plugin: python 3.12.1\nexec /home/a/.asdf/bin/asdf exec \"python3\" \"$@\"\n")
        let plain = script("#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n")
        defer { for p in [pyenv, asdf, plain] { _ = unlink(p) } }
        #expect(VersionManagerShim.manager(of: pyenv) == "/root/.pyenv/libexec/pyenv")
        #expect(VersionManagerShim.manager(of: asdf) == "/home/a/.asdf/bin/asdf")
        #expect(VersionManagerShim.manager(of: plain) == nil)
        #expect(VersionManagerShim.manager(of: "/usr/bin/env") == nil)  // a binary, not a script
    }
}
