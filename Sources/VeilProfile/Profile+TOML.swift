// A merged profile written back as TOML (`veil profile show`). The output is itself a valid
// profile: loading it gives the same settings, which the tests check.

extension Profile {
    public func tomlText() -> String {
        typealias W = TOMLWriter
        var lines: [String] = []
        func kv(_ k: String, _ v: String) { lines.append("\(W.key(k)) = \(v)") }
        func section(_ name: String) { lines.append(lines.isEmpty ? "[\(name)]" : "\n[\(name)]") }
        if !description.isEmpty { kv("description", W.string(description)) }
        if let extends { lines.append("# merged from \(W.string(extends)); `extends` is already applied") }

        section("agent")
        kv("commands", W.stringArray(agent.commands))
        section("identity")
        kv("user", W.string(identity.user))
        kv("uid", "\(identity.uid)")
        kv("gid", "\(identity.gid)")
        kv("full_name", W.string(identity.fullName))
        kv("hostname", W.string(identity.hostname))
        kv("tz", W.string(identity.tz))
        kv("locale", W.string(identity.locale))
        section("env")
        kv("pass", W.stringArray(env.pass))
        section("env.set")
        for name in env.set.keys.sorted() { kv(name, W.string(env.set[name]!)) }
        section("filesystem")
        kv("ro", W.stringArray(filesystem.readOnly.map(Self.bindText)))
        kv("rw", W.stringArray(filesystem.readWrite.map(Self.bindText)))
        kv("home_files", W.stringArray(filesystem.homeFiles))
        if !filesystem.homeWrite.isEmpty {
            section("filesystem.home_write")
            for file in filesystem.homeWrite { kv(file.path, W.string(file.text)) }
        }
        section("seccomp")
        kv("deny", W.stringArray(seccomp.deny))
        kv("allow", W.stringArray(seccomp.allow))
        lines += inspectorLines()
        section("limits")
        for (k, v) in [("pids", limits.pids), ("memory_mb", limits.memoryMB), ("open_files", limits.openFiles),
                       ("core_mb", limits.coreMB), ("cpu_seconds", limits.cpuSeconds)] { kv(k, "\(v)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func inspectorLines() -> [String] {
        typealias W = TOMLWriter
        var lines = ["", "[inspector]"]
        lines.append("port = \(inspector.port)")
        lines.append("keys = \(W.stringArray(inspector.keys))")
        lines.append("connect_allow = \(W.stringArray(inspector.connectAllow))")
        if !inspector.ownTypography.isEmpty { lines.append("own_typography = \(W.stringArray(inspector.ownTypography))") }
        lines.append("max_body_bytes = \(inspector.maxBodyBytes)")
        lines.append("max_buffered_bytes = \(inspector.maxBufferedBytes)")
        lines.append("max_connections = \(inspector.maxConnections)")
        lines.append("max_record_bytes = \(inspector.maxRecordBytes)")
        lines.append("request_timeout_seconds = \(inspector.requestTimeoutSeconds)")
        lines.append("idle_timeout_seconds = \(inspector.idleTimeoutSeconds)")
        lines += ["", "[inspector.base_urls]"]
        for url in inspector.baseURLs { lines.append("\(W.key(url.variable)) = \(W.string(url.upstream))") }
        lines += ["", "[inspector.modes]"]
        let m = inspector.modes
        for (k, v) in [("canary", m.canary), ("tag", m.tag), ("covert", m.covert), ("rule", m.rule)] {
            lines.append("\(k) = \(W.string(v.rawValue))")
        }
        for rule in inspector.rules {
            lines += ["", "[[inspector.rules]]", "name = \(W.string(rule.name))", "kind = \(W.string(rule.kind.rawValue))"]
            if !rule.pattern.isEmpty { lines.append("pattern = \(W.string(rule.pattern))") }
            if let mode = rule.mode { lines.append("mode = \(W.string(mode.rawValue))") }
        }
        return lines
    }

    static func bindText(_ b: Bind) -> String {
        b.target.map { "\(b.source):\($0)" } ?? b.source
    }
}
