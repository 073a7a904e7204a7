// Inheritance: a child's layer applied over its parent's merged profile. Scalars override,
// lists append without duplicates (parent first), tables merge by key (the child's base URLs
// come first). `description` and `[agent] commands` say what the file itself is for, so they
// are not inherited: a profile derived from claude-code must not also claim the `claude` command.

extension Profile {
    mutating func apply(_ layer: ProfileLayer) {
        name = layer.name
        description = layer.description ?? ""
        agent.commands = layer.commands
        applyIdentity(layer.identity)
        Self.append(layer.envPass, to: &env.pass)
        for a in layer.envSet { env.set[a.name] = a.value }
        Self.append(layer.filesystem.readOnly, to: &filesystem.readOnly)
        Self.append(layer.filesystem.readWrite, to: &filesystem.readWrite)
        Self.append(layer.filesystem.homeFiles, to: &filesystem.homeFiles)
        // By path, like a table's keys: a child rewrites a parent's file in place.
        for file in layer.filesystem.homeWrite {
            if let i = filesystem.homeWrite.firstIndex(where: { $0.path == file.path }) {
                filesystem.homeWrite[i] = file
            } else {
                filesystem.homeWrite.append(file)
            }
        }
        Self.append(layer.seccomp.deny, to: &seccomp.deny)
        Self.append(layer.seccomp.allow, to: &seccomp.allow)
        applyInspector(layer.inspector)
        let l = layer.limits
        if let v = l.pids { limits.pids = v }
        if let v = l.memoryMB { limits.memoryMB = v }
        if let v = l.openFiles { limits.openFiles = v }
        if let v = l.coreMB { limits.coreMB = v }
        if let v = l.cpuSeconds { limits.cpuSeconds = v }
    }

    private mutating func applyIdentity(_ p: ProfileLayer.IdentityPatch) {
        if let v = p.user { identity.user = v }
        if let v = p.uid { identity.uid = v }
        if let v = p.gid { identity.gid = v }
        if let v = p.fullName { identity.fullName = v }
        if let v = p.hostname { identity.hostname = v }
        if let v = p.tz { identity.tz = v }
        if let v = p.locale { identity.locale = v }
    }

    private mutating func applyInspector(_ p: ProfileLayer.InspectorPatch) {
        if let v = p.port { inspector.port = v }
        if let v = p.maxBodyBytes { inspector.maxBodyBytes = v }
        if let v = p.maxBufferedBytes { inspector.maxBufferedBytes = v }
        if let v = p.maxConnections { inspector.maxConnections = v }
        if let v = p.maxRecordBytes { inspector.maxRecordBytes = v }
        if let v = p.requestTimeoutSeconds { inspector.requestTimeoutSeconds = v }
        if let v = p.idleTimeoutSeconds { inspector.idleTimeoutSeconds = v }
        Self.append(p.keys, to: &inspector.keys)
        Self.append(p.connectAllow, to: &inspector.connectAllow)
        Self.append(p.ownTypography, to: &inspector.ownTypography)
        // The layer's own variables first, in its order, then the parent's others: a request
        // whose API veil cannot tell goes to the first route, which must be the API the profile
        // is for (codex's OpenAI), not the first of those every profile inherits from default.
        if !p.baseURLs.isEmpty {
            inspector.baseURLs = p.baseURLs + inspector.baseURLs.filter { old in
                !p.baseURLs.contains { $0.variable == old.variable }
            }
        }
        if let v = p.canary { inspector.modes.canary = v }
        if let v = p.tag { inspector.modes.tag = v }
        if let v = p.covert { inspector.modes.covert = v }
        if let v = p.rule { inspector.modes.rule = v }
        // Rules merge by name, like table keys: a child redefines a parent's rule in place.
        for rule in p.rules {
            if let i = inspector.rules.firstIndex(where: { $0.name == rule.name }) {
                inspector.rules[i] = rule
            } else {
                inspector.rules.append(rule)
            }
        }
    }

    private static func append<T: Equatable>(_ items: [T], to list: inout [T]) {
        for item in items where !list.contains(item) { list.append(item) }
    }
}
