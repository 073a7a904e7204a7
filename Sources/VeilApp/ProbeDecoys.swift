import VeilLaunch
import Foundation
import VeilProfile

/// The decoy values probe tries, per dimension: built in (the same as examples/decoys.toml),
/// extended by a user's file (`--decoys FILE`: `dimension = ["value", ...]`, TOML).
public enum ProbeDecoys {
    /// Dimension order is the report's order.
    public static let builtIn: [(String, [String])] = [
        ("tz", ["Asia/Shanghai", "Asia/Urumqi", "America/New_York", "Europe/Moscow"]),
        ("base-host", ["api.deepseek.com", "api.moonshot.cn", "gateway.example.cn", "openai-proxy.example.ru", "llm.corp.example.com"]),
        ("proxy", ["proxy.example.cn", "squid.corp.example.com", "gateway.example.ru"]),
        ("locale", ["zh_CN.UTF-8", "ru_RU.UTF-8", "ja_JP.UTF-8"]),
        ("hostname", ["wang-thinkpad", "build-07.corp.example.cn"]),
        ("user", ["zhangwei", "ivanov"]),
    ]

    public static var dimensionNames: [String] { Decoy.Dimension.allCases.map(\.rawValue) }

    /// Built-in lists, extended by the file's (new values appended, duplicates dropped).
    public static func load(file: String?) throws -> [(String, [String])] {
        var lists = builtIn
        guard let file else { return lists }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw CompareError("cannot read the decoys file \(file): \(error.localizedDescription)")
        }
        let table: TOMLTable
        do { table = try TOML.parse(text) } catch { throw CompareError("\(file):\(error)") }
        for (key, node) in table.entries {
            guard Decoy.Dimension(rawValue: key) != nil else {
                throw CompareError("\(file):\(node.keyPosition): unknown dimension \(key) (known: \(dimensionNames.joined(separator: ", ")))")
            }
            guard case .array(let items) = node.value else { throw CompareError("\(file):\(node.position): \(key) must be an array of strings") }
            var values: [String] = []
            for item in items {
                guard case .string(let s) = item.value, !s.isEmpty else { throw CompareError("\(file):\(item.position): \(key) must hold non-empty strings") }
                values.append(s)
            }
            if let i = lists.firstIndex(where: { $0.0 == key }) {
                lists[i].1 += values.filter { !lists[i].1.contains($0) }
            } else {
                lists.append((key, values))
            }
        }
        return lists
    }

    /// `--vary tz,base-host`: the dimensions chosen, in the report's order.
    public static func select(_ vary: String?, from lists: [(String, [String])]) throws -> [(String, [String])] {
        guard let vary, !vary.isEmpty else { return lists }
        let wanted = vary.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for w in wanted where !lists.contains(where: { $0.0 == w }) {
            throw CompareError("--vary \(w): unknown dimension (known: \(dimensionNames.joined(separator: ", ")))")
        }
        return lists.filter { wanted.contains($0.0) }
    }
}
