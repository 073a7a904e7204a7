import Glibc
import VeilProfile

/// The new root's plain files (host copies, generated files, symlinks), written by veil from
/// the host side into the sandbox's staging tmpfs while the sandbox makes its mounts: the two
/// halves of building the root run on two cores instead of one after the other.
///
/// veil writes through a descriptor of the staging root that the sandbox sends it, as the
/// caller's own uid, which the sandbox maps; nothing else of the sandbox is reachable. It
/// makes the directories the sandbox mounts on first (`mountPoints`), then the files, and says
/// when each is done (`RootHandoff`).
enum RootFiles {
    /// The directories the sandbox mounts on, with those that lead to them, that stand on the
    /// new root's own tmpfs (below no mount target), as `.dir` ops with the modes the sandbox
    /// would give them: veil makes them from outside before the sandbox mounts, about 25
    /// mkdirs (3.5 µs each and a path walk) off PID 1's path. A bind's target is a directory
    /// when its host source is one (`isDirectory`); a bind of a file, and anything at or
    /// below a symlink or file op, is left to the sandbox.
    static func mountPoints(_ ops: [MountOp], isDirectory: (String) -> Bool) -> [MountOp] {
        let targets = PathPrefixes(ops.compactMap(\.mountTarget))
        let files = PathPrefixes(ops.compactMap { op -> String? in
            switch op {
            case .copy(_, let path, _), .file(let path, _, _), .symlink(let path, _): return path
            default: return nil
            }
        })
        var made: [MountOp] = [], seen: Set<String> = ["/"]
        func make(_ dir: String, mode: UInt32) {
            guard !seen.contains(dir) else { return }
            make(dirname(dir), mode: 0o755)
            seen.insert(dir)
            made.append(.dir(dir, mode: mode))
        }
        for op in ops {
            let dir: String, mode: UInt32
            switch op {
            case .dir(let path, let m): (dir, mode) = (path, m)
            case .tmpfs(let path, _), .scratch(let path, _), .devpts(let path): (dir, mode) = (path, 0o755)
            case .proc(let path): (dir, mode) = (path, 0o555)
            case .bind(let source, let target, _, _) where isDirectory(source): (dir, mode) = (target, 0o755)
            default: continue
            }
            let underAMount = targets.contain(onOrAbove: dir, properly: true)
            if !underAMount && !files.contain(onOrAbove: dir) { make(dir, mode: mode) }
        }
        return made
    }

    /// The mount points veil makes ahead of the sandbox: `mountPoints` on an idle machine, none
    /// with another task running. The sandbox does not wait for them (where veil is late it
    /// makes them too), and with a CPU shared the two sides made most of them twice: 62-66
    /// mkdirat a launch where 38 do, and a launch with one CPU busy took 0.14-0.21 ms less
    /// without veil's (two runs of bench-launch); idle, no difference either way.
    static func premade(_ ops: [MountOp], othersIdle: Bool, isDirectory: (String) -> Bool) -> [MountOp] {
        othersIdle ? mountPoints(ops, isDirectory: isDirectory) : []
    }

    /// The ops veil can write from outside: files and symlinks that no mount target of the
    /// plan is on, above or below (a mount would hide them, they belong in a mount the
    /// sandbox has yet to make, or the sandbox's mount point is made through them, in order).
    static func split(_ ops: [MountOp]) -> (outside: [MountOp], inside: [MountOp]) {
        let targets = PathPrefixes(ops.compactMap(\.mountTarget))
        func underAMount(_ path: String) -> Bool {
            targets.contain(onOrAbove: path) || targets.contain(onOrBelow: path)
        }
        var outside: [MountOp] = [], inside: [MountOp] = []
        for op in ops {
            switch op {
            case .copy(_, let path, _), .file(let path, _, _), .symlink(let path, _):
                if underAMount(path) { inside.append(op) } else { outside.append(op) }
            default:
                inside.append(op)
            }
        }
        return (outside, inside)
    }

    /// Writes `ops` (`mountPoints`, or `split`'s outside half) under `root`, a directory
    /// descriptor of the staging new root. Host sources are read at their host paths.
    static func write(_ ops: [MountOp], under root: Int32) throws {
        let saved = umask(0)  // every mode exactly as planned
        defer { umask(saved) }
        var tree = Tree(dir: root, base: ".", hostRoot: "")
        for op in ops { try tree.create(op) }
    }
}
