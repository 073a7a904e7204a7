import Testing
import VeilProfile
@testable import VeilSandbox

@Suite struct EnvironmentTests {
    let host: [String: String] = [
        "HOME": "/home/alice", "USER": "alice", "LOGNAME": "alice", "PATH": "/home/alice/bin:/usr/bin",
        "TZ": "Asia/Shanghai", "LANG": "zh_CN.UTF-8", "LC_TIME": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:zh",
        "HTTPS_PROXY": "http://proxy.corp.example:3128", "http_proxy": "http://proxy.corp.example:3128",
        "NO_PROXY": "corp.example", "npm_config_registry": "https://npm.mirror.example",
        "PIP_INDEX_URL": "https://pypi.mirror.example/simple", "GOPROXY": "https://goproxy.example",
        "XMODIFIERS": "@im=fcitx", "GTK_IM_MODULE": "fcitx", "QT_IM_MODULE": "fcitx", "DISPLAY": ":0",
        "SSH_AUTH_SOCK": "/tmp/ssh-XXX/agent.1", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
        "TERM": "xterm-256color", "ANTHROPIC_API_KEY": "sk-ant-api03-real", "SECRET_TOKEN": "s3cr3t",
    ]

    func build(_ profile: Profile, overrides: [String: String] = [:]) -> (env: [String: String], report: EnvironmentReport) {
        let r = SandboxEnvironment.build(.init(host: host, profile: profile, home: "/home/user", cwd: "/home/user/app",
                                               path: "/usr/bin:/bin", locale: "C.UTF-8", shell: "/bin/bash", overrides: overrides))
        var dict: [String: String] = [:]
        for kv in r.env { let parts = kv.split(separator: "=", maxSplits: 1); dict[String(parts[0])] = parts.count > 1 ? String(parts[1]) : "" }
        return (dict, r.report)
    }

    @Test func onlyTheAllowlistSurvives() {
        let (env, report) = build(Profile(name: "default"))
        #expect(env["TZ"] == "UTC")
        #expect(env["LANG"] == "C.UTF-8")
        #expect(env["LC_ALL"] == "C.UTF-8")
        #expect(env["HOME"] == "/home/user")
        #expect(env["USER"] == "user")
        #expect(env["TERM"] == "xterm-256color")
        for gone in ["HTTPS_PROXY", "http_proxy", "NO_PROXY", "npm_config_registry", "PIP_INDEX_URL", "GOPROXY",
                     "XMODIFIERS", "GTK_IM_MODULE", "QT_IM_MODULE", "DISPLAY", "SSH_AUTH_SOCK", "LANGUAGE",
                     "LC_TIME", "DBUS_SESSION_BUS_ADDRESS", "ANTHROPIC_API_KEY", "SECRET_TOKEN"] {
            #expect(env[gone] == nil, "\(gone) must be dropped")
            #expect(report.dropped.contains(gone))
        }
        #expect(report.rewritten.contains("TZ"))
        #expect(report.rewritten.contains("HOME"))
        #expect(!env.values.contains { $0.contains("alice") || $0.contains("Shanghai") || $0.contains("corp.example") })
    }

    @Test func profilePassAndSetThenOverridesWin() {
        var p = Profile(name: "x")
        p.env.pass = ["SECRET_TOKEN", "NOT_SET_ON_HOST"]
        p.env.set = ["DISABLE_TELEMETRY": "1", "HTTPS_PROXY": "ignored"]
        let (env, report) = build(p, overrides: ["HTTPS_PROXY": "http://127.0.0.1:8080"])
        #expect(env["SECRET_TOKEN"] == "s3cr3t")
        #expect(env["NOT_SET_ON_HOST"] == nil)
        #expect(env["DISABLE_TELEMETRY"] == "1")
        #expect(env["HTTPS_PROXY"] == "http://127.0.0.1:8080")
        #expect(report.passed == ["SECRET_TOKEN"])
    }
}
