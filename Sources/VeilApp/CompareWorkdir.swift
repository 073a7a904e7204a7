import Foundation
import VeilCompare

/// Each arm of compare and each run of probe works on its own copy of the workdir, so that no
/// run sees another's changes and the user's directory is never touched. The copy keeps the
/// directory's basename, so veil shows it under the same neutral name as a plain `veil run`.
enum CompareWorkdir {
    /// Copies larger than this are refused: a copy per run of a big tree would be slow and full.
    static let maxBytes: Int64 = 1 << 30

    static func size(of dir: String, limit: Int64) -> Int64 {
        var total: Int64 = 0
        let e = FileManager.default.enumerator(at: URL(fileURLWithPath: dir), includingPropertiesForKeys: [.fileSizeKey, .isSymbolicLinkKey])
        while let url = e?.nextObject() as? URL {
            let v = try? url.resourceValues(forKeys: [.fileSizeKey, .isSymbolicLinkKey])
            if v?.isSymbolicLink != true { total += Int64(v?.fileSize ?? 0) }
            if total > limit { break }
        }
        return total
    }

    /// `cp -a` of `source` to `<parent>/<basename>`; returns the copy's path.
    static func copy(_ source: String, into parent: String) throws -> String {
        let dest = parent + "/" + (source as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        let status = try ChildProcess.runQuietly("/bin/cp", ["-a", "--reflink=auto", source + "/.", dest])
        guard status == 0 else { throw CompareError("cannot copy the workdir \(source) to \(dest) (cp exited \(status))") }
        return dest
    }

    /// Files the run added, changed or deleted, judged against the untouched original (size and
    /// mtime first: `cp -a` keeps them, so unchanged files are never read).
    static func changes(original: String, copy: String) -> [String: FileChange] {
        let a = listing(original), b = listing(copy)
        var out: [String: FileChange] = [:]
        for (rel, meta) in b where a[rel] != meta {
            if let old = a[rel], old.size == meta.size, sameBytes(original + "/" + rel, copy + "/" + rel) { continue }
            out[rel] = .written(content(copy + "/" + rel, size: meta.size))
        }
        for rel in a.keys where b[rel] == nil { out[rel] = .deleted }
        return out
    }

    struct Meta: Equatable { var size: Int64; var mtime: Double }

    static func listing(_ root: String) -> [String: Meta] {
        var out: [String: Meta] = [:]
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]
        let e = FileManager.default.enumerator(at: URL(fileURLWithPath: root), includingPropertiesForKeys: keys)
        while let url = e?.nextObject() as? URL {
            guard let v = try? url.resourceValues(forKeys: Set(keys)), v.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            let rel = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
            out[rel] = Meta(size: Int64(v.fileSize ?? 0), mtime: v.contentModificationDate?.timeIntervalSince1970 ?? 0)
        }
        return out
    }

    static func sameBytes(_ a: String, _ b: String) -> Bool {
        FileManager.default.contentsEqual(atPath: a, andPath: b)
    }

    /// Text up to 256 KiB as is; anything else as a one-line digest.
    static func content(_ path: String, size: Int64) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "(unreadable)" }
        if size <= 256 << 10, let text = String(data: data, encoding: .utf8) { return text }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "(binary or large: \(data.count) bytes, fnv1a-64 \(String(h, radix: 16)))"
    }
}

struct CompareError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = "veil: " + d }
}

/// A run of `compare` or `probe` with nothing to compare: an arm (probe's baseline) that sent
/// no request. Never "no difference": a CI gate on the exit status would pass on nothing.
struct NothingToCompare: Error, CustomStringConvertible {
    static let exitStatus: Int32 = 5
    var description: String

    init(arm: String, status: Int32, timedOut: Bool, profile: String, stderrTail: String) {
        description = "veil: the \(arm) sent no request to the inspector (\(timedOut ? "stopped after its --timeout" : "exit \(status)")): "
            + "nothing to compare. Is the agent pointed at its base URL (profile \(profile))? Pick one with --profile "
            + "(e.g. claude-code), and see `veil profile show \(profile)` for the variables it routes."
            + (stderrTail.isEmpty ? "" : "\n" + stderrTail)
    }
}
