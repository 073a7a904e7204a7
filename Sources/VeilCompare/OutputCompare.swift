// The agent's own results, compared like the requests: what it printed, how it exited, and
// which files it changed in its copy of the workdir.

public enum FileChange: Equatable, Sendable {
    case deleted
    /// New or modified, with its text (or a digest line for binary or large files).
    case written(String)
}

public struct ArmOutput: Equatable, Sendable {
    public var stdout: String
    public var exitStatus: Int32
    /// Files the run added, modified or deleted, by path relative to the workdir.
    public var changedFiles: [String: FileChange]

    public init(stdout: String, exitStatus: Int32, changedFiles: [String: FileChange] = [:]) {
        self.stdout = stdout
        self.exitStatus = exitStatus
        self.changedFiles = changedFiles
    }
}

public enum OutputCompare {
    public static func compare(_ a: ArmOutput, _ b: ArmOutput, normalizer: Normalizer,
                               attributor: Attributor) -> (differences: [Difference], volatile: [VolatileHit]) {
        var sd = StructuralDiff(normalizer: normalizer, attributor: attributor, request: 0, endpoint: "output")
        let output: (StructuralDiff.Origin, StructuralDiff.Origin) = (.none(.output), .none(.output))
        if a.exitStatus != b.exitStatus { sd.whole("exit", String(a.exitStatus), String(b.exitStatus), origins: output) }
        let (x, rx) = normalizer.string(a.stdout, key: nil, path: "stdout")
        let (y, ry) = normalizer.string(b.stdout, key: nil, path: "stdout")
        sd.note(rx + ry, "stdout")
        sd.compareText(x, y, path: "stdout", origins: output)
        for name in Set(a.changedFiles.keys).union(b.changedFiles.keys).sorted() {
            let path = "file:" + name
            switch (a.changedFiles[name], b.changedFiles[name]) {
            case let (.written(p)?, .written(q)?): sd.compareText(p, q, path: path, origins: output)
            case (.deleted?, .deleted?): break
            case let (l, r): sd.whole(path, describe(l), describe(r), origins: output)
            }
        }
        return (sd.differences, sd.volatile.sorted { ($0.path, $0.rule) < ($1.path, $1.rule) })
    }

    static func describe(_ c: FileChange?) -> String {
        switch c {
        case nil: return "(unchanged)"
        case .deleted?: return "(deleted)"
        case .written(let t)?: return t
        }
    }
}
