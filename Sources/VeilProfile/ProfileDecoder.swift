// TOML tree → ProfileLayer, with every unknown key, wrong type and bad value reported at its
// position. One function per section; the shared type checks live in ProfileSection.

struct ProfileDecoder {
    let file: String

    func decode(_ text: String, name: String) throws -> ProfileLayer {
        let root: TOMLTable
        do {
            root = try TOML.parse(text)
        } catch let e as TOMLError {
            throw ProfileError(.syntax, file: file, position: e.position, message: e.message)
        }
        let top = ProfileSection(table: root, path: TOMLKeyPath(), file: file)
        try top.checkKeys()
        var layer = ProfileLayer(name: name, file: file)
        layer.description = try top.string("description")?.value
        if let ext = try top.string("extends") {
            try top.validate(ext, ProfileValidation.profileName(ext.value))
            layer.extends = ext.value
            layer.extendsPosition = ext.node.position
        }
        if let agent = try top.section("agent") {
            try agent.checkKeys()
            layer.commands = try agent.strings("commands", check: Self.commandName)
        }
        if let s = try top.section("identity") { layer.identity = try decodeIdentity(s) }
        if let s = try top.section("env") { try decodeEnv(s, into: &layer) }
        if let s = try top.section("filesystem") { layer.filesystem = try decodeFilesystem(s) }
        if let s = try top.section("seccomp") {
            try s.checkKeys()
            layer.seccomp.deny = try s.strings("deny", check: ProfileValidation.syscall)
            layer.seccomp.allow = try s.strings("allow", check: ProfileValidation.syscall)
        }
        if let s = try top.section("inspector") { layer.inspector = try decodeInspector(s) }
        if let s = try top.section("limits") {
            try s.checkKeys()
            func count(_ key: String, max: Int64) throws -> Int? {
                try s.integer(key) { $0 < 0 || $0 > max ? "must be 0 (no limit) to \(max)" : nil }.map { Int($0) }
            }
            layer.limits = .init(pids: try count("pids", max: 4_194_304), memoryMB: try count("memory_mb", max: 1 << 30),
                                 openFiles: try count("open_files", max: 1 << 30), coreMB: try count("core_mb", max: 1 << 30),
                                 cpuSeconds: try count("cpu_seconds", max: 1 << 40))
        }
        return layer
    }

    /// `veil run -- CMD` matches on the basename, so a command here is a bare name.
    static func commandName(_ s: String) -> String? {
        s.isEmpty || s.contains("/") ? "'\(s)' must be a command name without '/'" : nil
    }

    private func decodeIdentity(_ s: ProfileSection) throws -> ProfileLayer.IdentityPatch {
        try s.checkKeys()
        var id = ProfileLayer.IdentityPatch()
        id.user = try s.string("user", check: ProfileValidation.userName)
        id.uid = try s.integer("uid", check: ProfileValidation.id).map { UInt32($0) }
        id.gid = try s.integer("gid", check: ProfileValidation.id).map { UInt32($0) }
        id.fullName = try s.string("full_name", check: ProfileValidation.fullName)
        id.hostname = try s.string("hostname", check: ProfileValidation.hostname)
        id.tz = try s.string("tz", check: ProfileValidation.timeZone)
        id.locale = try s.string("locale", check: ProfileValidation.locale)
        return id
    }

    private func decodeEnv(_ s: ProfileSection, into layer: inout ProfileLayer) throws {
        try s.checkKeys()
        layer.envPass = try s.strings("pass", check: ProfileValidation.envName)
        guard let set = try s.section("set") else { return }
        for (name, node) in set.table.entries {
            try set.validateKey(name, node, ProfileValidation.envName(name))
            guard case .string(let value) = node.value else {
                throw set.typeError(node, expected: "a string (quote numbers and booleans)")
            }
            try set.rejectInvisible(value, node)
            if value.unicodeScalars.contains("\u{0}") {
                throw set.valueError(node, "an environment value cannot contain NUL")
            }
            layer.envSet.append(.init(name: name, value: value))
        }
    }

    private func decodeFilesystem(_ s: ProfileSection) throws -> Profile.Filesystem {
        try s.checkKeys()
        var fs = Profile.Filesystem()
        for (key, keyPath) in [("ro", \Profile.Filesystem.readOnly), ("rw", \Profile.Filesystem.readWrite)] {
            for (value, node) in try s.stringNodes(key) {
                let (bind, problem) = ProfileValidation.bind(value)
                if let problem { throw s.valueError(node, problem) }
                fs[keyPath: keyPath].append(bind!)
            }
        }
        fs.homeFiles = try s.strings("home_files", check: ProfileValidation.homeFile)
        if let write = try s.section("home_write") {
            for (path, node) in write.table.entries {
                try write.validateKey(path, node, ProfileValidation.homeFile(path))
                guard case .string(let text) = node.value else { throw write.typeError(node, expected: "a string (the file's text)") }
                try write.rejectInvisible(text, node)
                fs.homeWrite.append(.init(path: path, text: text))
            }
        }
        return fs
    }
}
