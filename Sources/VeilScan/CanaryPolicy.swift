import Foundation

// Which host values make usable canaries, and how each is matched.
//
// The policy (documented in README under "Inspector"):
// - Never canaries: the neutral values the sandbox itself shows (UTC, C.UTF-8, en_US,
//   localhost, 127.0.0.1, user, root, /home/user) and anything shorter than 3 bytes.
// - Names (user, host, full name, locale) need 4 or more characters and must not be a
//   common word (`dev`, `box`, `ubuntu`, `admin`, … below): such a value would match
//   ordinary prose and block honest requests.
// - Everything matches case-insensitively with word boundaries, except short all-capital
//   acronyms (PRC, ROC, CST), which match in their case only.
// - Paths match as whole path segments (`/home/alice` in `/home/alice/src`, not in
//   `/home/alicex`); addresses and offsets must not continue with digits, and a bare offset
//   (`+0800`) after a digit only ends a time (`10:00:00+0800`, `T100000+0800`), never a
//   longer number or a version (`2026+0800`, `1.2.3+0800`).
// - Typographic quotes and dashes are never canaries (they are covert-character findings
//   and never block on their own).

enum CanaryPolicy {
    static let never: Set<String> = [
        "utc", "etc/utc", "gmt", "etc/gmt", "uct", "universal", "etc/universal", "zulu", "etc/zulu",
        "c", "posix", "c.utf-8", "c.utf8", "en_us", "en-us", "en_us.utf-8", "en_us.utf8", "en",
        "localhost", "localhost.localdomain", "localdomain", "127.0.0.1", "::1", "0.0.0.0",
        "user", "root", "/", "/root", "/home", "/home/user", "/tmp", "/work", "/workspace",
        "coordinated universal time", "greenwich mean time",
    ]

    /// Common words and default account or machine names: never canaries on their own.
    static let commonWords: Set<String> = [
        "dev", "box", "admin", "test", "tester", "guest", "ubuntu", "debian", "fedora", "linux", "server",
        "desktop", "laptop", "machine", "computer", "runner", "docker", "build", "builder", "default",
        "devel", "developer", "code", "coder", "work", "home", "main", "master", "node", "data", "demo",
        "local", "host", "android", "agent", "claude", "codex", "gemini", "model", "system", "operator",
        "service", "worker", "sandbox", "container", "vagrant", "ec2-user", "azureuser", "raspberrypi",
        "kali", "arch", "alpine", "centos", "nobody", "www-data", "app", "api", "web", "workstation",
        "github", "gitlab", "jenkins", "python", "java", "rust", "swift", "user1", "users", "admin1",
        "hello", "world", "example", "personal", "private", "public", "office", "student", "teacher",
    ]

    static func isNeverCanary(_ v: String) -> Bool {
        never.contains(v.lowercased()) || commonWords.contains(v.lowercased())
    }

    /// A name-like value worth matching: long enough and not an everyday word.
    static func isDistinctiveName(_ v: String) -> Bool {
        v.utf8.count >= 4 && !isNeverCanary(v)
    }

    struct Shape { var exactCase: Bool; var before: Edge; var after: Edge }

    /// How a value is matched, from its shape alone (so canaries given directly in a
    /// ScanConfig get the same treatment as HostFacts ones).
    static func shape(of v: String) -> Shape {
        let u = Array(v.utf8)
        if u.first == 0x2F || v.hasPrefix("~/") { return Shape(exactCase: false, before: .none, after: .path) }
        if u.count >= 2, u[0] == 0x2B || u[0] == 0x2D, Matcher.isDigit(u[1]) {
            return Shape(exactCase: false, before: .offset, after: .number)
        }
        let upper = v.uppercased()
        if (upper.hasPrefix("UTC") || upper.hasPrefix("GMT")) && u.count > 3 && (u[3] == 0x2B || u[3] == 0x2D) {
            return Shape(exactCase: false, before: .word, after: .number)
        }
        let isAddress = u.allSatisfy { Matcher.isDigit($0) || $0 == 0x2E }
            || (u.contains(0x3A) && u.allSatisfy { Matcher.isDigit($0) || ($0 | 0x20) &- 0x61 < 6 || $0 == 0x3A || $0 == 0x2E })
        if isAddress { return Shape(exactCase: false, before: .number, after: .number) }
        if u.count <= 5, u.allSatisfy({ $0 &- 0x41 < 26 || $0 == 0x2D }) {
            return Shape(exactCase: true, before: .word, after: .word)
        }
        return Shape(exactCase: false, before: .word, after: .word)
    }
}
