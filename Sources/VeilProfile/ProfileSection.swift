// Typed access to one TOML table of a profile. Every accessor either returns a checked value
// or throws a ProfileError pointing at the offending key or value.

struct ProfileSection {
    let table: TOMLTable
    let path: TOMLKeyPath
    let file: String

    /// Unknown keys are errors, with the closest known key as a hint.
    func checkKeys() throws {
        let known = ProfileSchema.keys(of: path.schemaPath)
        for (key, node) in table.entries where !known.contains(key) {
            let full = node.keyPath
            var message = "unknown key '\(full)'"
            if let hint = ProfileSchema.suggestion(for: full.schemaPath) { message += " (did you mean '\(hint)'?)" }
            throw ProfileError(.unknownKey, file: file, position: node.keyPosition, keyPath: full.description,
                               message: message)
        }
    }

    func typeError(_ node: TOMLNode, expected: String) -> ProfileError {
        let found: String
        if case .table = node.value { found = "a table" } else { found = node.value.typeName }
        return ProfileError(.type, file: file, position: node.position, keyPath: node.keyPath.description,
                            message: "'\(node.keyPath)' must be \(expected), found \(found)")
    }

    func valueError(_ node: TOMLNode, _ problem: String) -> ProfileError {
        ProfileError(.value, file: file, position: node.position, keyPath: node.keyPath.description,
                     message: "'\(node.keyPath)': \(problem)")
    }

    func validate(_ v: (value: String, node: TOMLNode), _ problem: String?) throws {
        if let problem { throw valueError(v.node, problem) }
    }

    /// For tables whose keys are names (env.set, base_urls): a bad name points at the key.
    func validateKey(_ key: String, _ node: TOMLNode, _ problem: String?) throws {
        guard let problem else { return }
        throw ProfileError(.value, file: file, position: node.keyPosition, keyPath: node.keyPath.description,
                           message: "'\(node.keyPath)': \(problem)")
    }

    func section(_ key: String) throws -> ProfileSection? {
        guard let node = table[key] else { return nil }
        guard case .table(let t) = node.value else { throw typeError(node, expected: "a table") }
        return ProfileSection(table: t, path: node.keyPath, file: file)
    }

    func string(_ key: String, allowInvisible: Bool = false) throws -> (value: String, node: TOMLNode)? {
        guard let node = table[key] else { return nil }
        guard case .string(let s) = node.value else { throw typeError(node, expected: "a string") }
        if !allowInvisible { try rejectInvisible(s, node) }
        return (s, node)
    }

    /// A profile from a cloned repository is input too: values that hide characters (format
    /// characters, the tag block, variation selectors) could smuggle a marker into the
    /// sandbox. Only rule patterns may hold them, since a rule may look for exactly those.
    func rejectInvisible(_ s: String, _ node: TOMLNode) throws {
        for c in s.unicodeScalars {
            let hidden = c.properties.generalCategory == .format || (0xE0000...0xE007F).contains(c.value)
                || (0xFE00...0xFE0F).contains(c.value) || (0xE0100...0xE01EF).contains(c.value)
            if hidden { throw valueError(node, "invisible character \(TOMLCursor.visible(c)) in a value") }
        }
    }

    func string(_ key: String, check: (String) -> String?) throws -> String? {
        guard let v = try string(key) else { return nil }
        try validate(v, check(v.value))
        return v.value
    }

    func integer(_ key: String, check: (Int64) -> String?) throws -> Int64? {
        guard let node = table[key] else { return nil }
        guard case .integer(let v) = node.value else { throw typeError(node, expected: "an integer") }
        if let problem = check(v) { throw valueError(node, problem) }
        return v
    }

    /// An array of strings, each element with its own node for positions.
    func stringNodes(_ key: String) throws -> [(String, TOMLNode)] {
        guard let node = table[key] else { return [] }
        guard case .array(let elements) = node.value else { throw typeError(node, expected: "an array of strings") }
        return try elements.map { e in
            guard case .string(let s) = e.value else { throw typeError(e, expected: "a string") }
            try rejectInvisible(s, e)
            return (s, e)
        }
    }

    /// An array of checked strings, duplicates dropped (first one kept).
    func strings(_ key: String, check: (String) -> String?) throws -> [String] {
        var out: [String] = []
        for (s, node) in try stringNodes(key) {
            if let problem = check(s) { throw valueError(node, problem) }
            if !out.contains(s) { out.append(s) }
        }
        return out
    }

    func mode(_ key: String) throws -> Profile.Mode? {
        guard let v = try string(key) else { return nil }
        guard let mode = Profile.Mode(rawValue: v.value) else {
            let names = Profile.Mode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
            throw valueError(v.node, "'\(v.value)' is not a mode (\(names))")
        }
        return mode
    }
}
