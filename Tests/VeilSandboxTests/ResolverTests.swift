import Glibc
import Testing
@testable import VeilSandbox

@Suite struct ResolverTests {
    /// A fake home with a venv-like tool whose script names an interpreter in the home.
    func makeTree() -> String {
        let root = "/tmp/veil-resolver-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let script = """
            set -e
            mkdir -p \(root)/home/.venv/bin \(root)/home/.local/bin \(root)/home/.npm/lib/node_modules/pkg/bin
            printf '#!%s/home/.venv/bin/python3\\nprint(1)\\n' '\(root)' > \(root)/home/.venv/bin/tool
            cp /bin/true \(root)/home/.venv/bin/python3
            chmod +x \(root)/home/.venv/bin/tool
            echo '{}' > \(root)/home/.npm/lib/node_modules/pkg/package.json
            printf '#!/usr/bin/env true\\n' > \(root)/home/.npm/lib/node_modules/pkg/bin/cli.js
            chmod +x \(root)/home/.npm/lib/node_modules/pkg/bin/cli.js
            mkdir -p \(root)/home/.npm/bin && ln -s ../lib/node_modules/pkg/bin/cli.js \(root)/home/.npm/bin/pkg
            """
        #expect(system(script) == 0)
        return root
    }

    @Test func venvScriptGetsItsTreeAndInterpreter() throws {
        let root = makeTree()
        defer { _ = system("rm -rf '\(root)'") }
        let home = root + "/home"
        let r = try CommandResolver.resolve("tool", searchPath: home + "/.venv/bin:/usr/bin", cwd: "/", home: home)
        #expect(r.hostPath == home + "/.venv/bin/tool")
        #expect(r.trees == [home + "/.venv"])
        #expect(r.interpreter == [home + "/.venv/bin/python3"])
    }

    @Test func npmLinkMountsThePrefixNotTheHome() throws {
        let root = makeTree()
        defer { _ = system("rm -rf '\(root)'") }
        let home = root + "/home"
        let r = try CommandResolver.resolve("pkg", searchPath: home + "/.npm/bin:/usr/bin", cwd: "/", home: home)
        // The link's directory and the package it points into; never the home itself.
        #expect(r.trees == [home + "/.npm/bin", home + "/.npm/lib/node_modules/pkg"])
        #expect(!r.trees.contains(home))
    }

    @Test func missingAndNotExecutable() {
        #expect(throws: SandboxError.self) { try CommandResolver.resolve("no-such-cmd-veil", searchPath: "/usr/bin", cwd: "/", home: "/root") }
        let file = "/tmp/veil-noexec-\(getpid())"
        #expect(system("echo data > \(file) && chmod 644 \(file)") == 0)
        defer { unlink(file) }
        do {
            _ = try CommandResolver.resolve(file, searchPath: "/usr/bin", cwd: "/", home: "/root")
            Issue.record("expected an error")
        } catch let e as SandboxError {
            #expect(e.exitStatus == 126)
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func systemCommandNeedsNoTree() throws {
        let r = try CommandResolver.resolve("sh", searchPath: "/usr/bin:/bin", cwd: "/", home: "/root")
        #expect(r.trees.isEmpty)
    }
}
