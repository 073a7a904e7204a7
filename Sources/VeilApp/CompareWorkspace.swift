import Foundation

/// The temporary directory of one compare or probe: workdir copies, records, logs, private
/// veil state. Removed at the end unless kept (`--keep`) for inspection.
struct RunWorkspace {
    let root: String
    let keep: Bool

    init(prefix: String, keep: Bool) throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array((base + "/" + prefix + "-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CompareError("cannot create a temporary directory under \(base)")
        }
        root = String(cString: made)
        self.keep = keep
    }

    /// A path inside the workspace (directories for names without an extension are made).
    func path(_ name: String) -> String {
        let p = root + "/" + name
        if !name.contains(".") { try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) }
        return p
    }

    func cleanUp() {
        if keep {
            FileHandle.standardError.write(Data("veil: kept \(root)\n".utf8))
        } else {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    static func resolveWorkdir(_ arg: String?) throws -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let raw = arg.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd
        guard let real = realpath(raw, nil) else { throw CompareError("workdir \(raw) does not exist") }
        defer { free(real) }
        let path = String(cString: real)
        if CompareWorkdir.size(of: path, limit: CompareWorkdir.maxBytes) > CompareWorkdir.maxBytes {
            throw CompareError("the workdir \(path) holds more than 1 GiB; each run works on a copy, so give a smaller one with --workdir")
        }
        return path
    }
}
