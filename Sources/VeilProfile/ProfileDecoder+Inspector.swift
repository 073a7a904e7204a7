// The `[inspector]` section: routing (port, base URLs, CONNECT hosts, keys), limits, modes
// and rules.

extension ProfileDecoder {
    func decodeInspector(_ s: ProfileSection) throws -> ProfileLayer.InspectorPatch {
        try s.checkKeys()
        var p = ProfileLayer.InspectorPatch()
        p.port = try s.integer("port", check: ProfileValidation.port).map { Int($0) }
        p.keys = try s.strings("keys", check: ProfileValidation.envName)
        p.connectAllow = try s.strings("connect_allow", check: ProfileValidation.connectHost)
        p.ownTypography = try s.strings("own_typography", check: ProfileValidation.typographyWord)
        p.maxBodyBytes = try s.integer("max_body_bytes") { v in
            (1...(Int64(1) << 40)).contains(v) ? nil : "\(v) must be between 1 and 2^40 bytes"
        }.map { Int($0) }
        p.maxBufferedBytes = try s.integer("max_buffered_bytes") { v in
            (1...(Int64(1) << 40)).contains(v) ? nil : "\(v) must be between 1 and 2^40 bytes"
        }.map { Int($0) }
        p.maxRecordBytes = try s.integer("max_record_bytes") { v in
            (4096...(Int64(1) << 50)).contains(v) ? nil : "\(v) must be between 4096 and 2^50 bytes"
        }.map { Int($0) }
        p.maxConnections = try s.integer("max_connections") { v in
            (1...1_000_000).contains(v) ? nil : "\(v) must be between 1 and 1000000"
        }.map { Int($0) }
        for (key, path) in [("request_timeout_seconds", \ProfileLayer.InspectorPatch.requestTimeoutSeconds),
                            ("idle_timeout_seconds", \ProfileLayer.InspectorPatch.idleTimeoutSeconds)] {
            p[keyPath: path] = try s.integer(key) { v in (1...86_400).contains(v) ? nil : "\(v) must be 1 to 86400 seconds" }
                .map { Int($0) }
        }
        if let urls = try s.section("base_urls") {
            for (variable, node) in urls.table.entries {
                try urls.validateKey(variable, node, ProfileValidation.envName(variable))
                guard case .string(let url) = node.value else { throw urls.typeError(node, expected: "a URL string") }
                try urls.rejectInvisible(url, node)
                if let problem = ProfileValidation.upstreamURL(url) { throw urls.valueError(node, problem) }
                p.baseURLs.append(Profile.BaseURL(variable: variable, upstream: url))
            }
        }
        if let modes = try s.section("modes") {
            try modes.checkKeys()
            p.canary = try modes.mode("canary")
            p.tag = try modes.mode("tag")
            p.covert = try modes.mode("covert")
            p.rule = try modes.mode("rule")
        }
        p.rules = try decodeRules(s)
        return p
    }

    /// `[[inspector.rules]]`: name and kind required; forbid needs a pattern; names unique.
    private func decodeRules(_ s: ProfileSection) throws -> [Profile.Rule] {
        guard let node = s.table["rules"] else { return [] }
        guard case .array(let elements) = node.value else {
            throw s.typeError(node, expected: "an array of tables ([[inspector.rules]])")
        }
        var rules: [Profile.Rule] = []
        for element in elements {
            guard case .table(let t) = element.value else { throw s.typeError(element, expected: "a table") }
            let r = ProfileSection(table: t, path: element.keyPath, file: file)
            try r.checkKeys()
            guard let name = try r.string("name") else { throw missing("name", in: element) }
            if name.value.isEmpty { throw r.valueError(name.node, "a rule name cannot be empty") }
            if rules.contains(where: { $0.name == name.value }) {
                throw r.valueError(name.node, "a rule named '\(name.value)' is already defined in this file")
            }
            guard let kindValue = try r.string("kind") else { throw missing("kind", in: element) }
            guard let kind = Profile.Rule.Kind(rawValue: kindValue.value) else {
                throw r.valueError(kindValue.node, "'\(kindValue.value)' is not a rule kind (\"forbid\" or \"iso-date\")")
            }
            let pattern = try r.string("pattern", allowInvisible: true)
            if kind == .forbid, pattern?.value.isEmpty ?? true {
                throw pattern.map { r.valueError($0.node, "a forbid rule needs a non-empty pattern") }
                    ?? missing("pattern", in: element)
            }
            rules.append(Profile.Rule(name: name.value, kind: kind, pattern: pattern?.value ?? "",
                                      mode: try r.mode("mode")))
        }
        return rules
    }

    private func missing(_ key: String, in element: TOMLNode) -> ProfileError {
        let path = element.keyPath.appending(key: key)
        return ProfileError(.value, file: file, position: element.position, keyPath: path.description,
                            message: "rule '\(element.keyPath)' needs '\(key)'")
    }
}
