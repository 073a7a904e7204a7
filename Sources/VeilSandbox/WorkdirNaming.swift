import Glibc
import VeilProfile

/// The neutral path of the user's workdir inside the sandbox: `/home/user/<basename>` when the
/// basename is plain and says nothing of the host, else `project-<8 random hex digits>`. A
/// registry keeps distinct host directories on distinct names, so agents' per-project state
/// never collides.
public enum WorkdirNaming {
    public static func isPlain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64, name.first != "." else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2D || c == 0x2E || c == 0x5F
        }
    }

    /// Eight random hex digits. Not a hash of the path: the name reaches the model in every
    /// prompt (the agent's cwd), and a hash would let anyone holding a guess of the host path
    /// (`/home/alice/acme-payroll`) confirm it. The registry keeps the name stable.
    public static func randomSuffix() -> String {
        let hex = String(UInt32.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 8 - hex.utf8.count) + hex
    }

    /// Picks the name for `hostPath`. `taken` maps names already used to their host paths;
    /// `avoid` lists host facts (user name, host name) that must not appear in the name.
    public static func name(for hostPath: String, taken: [String: String], avoid: [String],
                            suffix: () -> String = randomSuffix) -> String {
        // Byte for byte, as the kernel compares paths: String's == would call a composed and a
        // decomposed é equal and give two directories one name.
        if let existing = taken.first(where: { $0.value.utf8.elementsEqual(hostPath.utf8) }) { return existing.key }
        let base = basename(hostPath)
        let lower = base.lowercased()
        let leaks = avoid.contains { $0.count >= 3 && lower.contains($0.lowercased()) }
        var candidate = isPlain(base) && !leaks && base != "user" ? base : "project-" + suffix()
        var n = 2
        let stem = candidate
        while taken[candidate] != nil {
            candidate = "\(stem)-\(n)"
            n += 1
        }
        return candidate
    }
}

/// The registry file `<state>/workdirs.tsv` (name TAB host path), updated under flock.
public enum WorkdirRegistry {
    public static func neutralName(for hostPath: String, stateRoot: String, avoid: [String]) throws -> String {
        let file = stateRoot + "/workdirs.tsv"
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SandboxError(.state, errno: errno, file) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        // On bytes: a directory seen before (the usual case) is found by comparing each line's
        // path, with no table of the others and no String per line.
        let bytes = HostFiles.read(fd: fd) ?? []
        let wanted = Array(hostPath.utf8)
        var entries: [(name: Range<Int>, path: Range<Int>)] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if let tab = bytes[start..<end].firstIndex(of: UInt8(ascii: "\t")), tab > start, tab + 1 < end {
                if bytes[(tab + 1)..<end].elementsEqual(wanted) {
                    return String(decoding: bytes[start..<tab], as: UTF8.self)
                }
                entries.append((start..<tab, (tab + 1)..<end))
            }
            start = end + 1
        }
        var taken: [String: String] = [:]
        for entry in entries {
            taken[String(decoding: bytes[entry.name], as: UTF8.self)] = String(decoding: bytes[entry.path], as: UTF8.self)
        }
        let name = WorkdirNaming.name(for: hostPath, taken: taken, avoid: avoid)
        if taken[name] == nil {
            let line = Array("\(name)\t\(hostPath)\n".utf8)
            lseek(fd, 0, SEEK_END)
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        return name
    }
}
