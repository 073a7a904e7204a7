import Glibc

/// Directories veil makes on the host (its state directories), with the tree writer the new
/// root uses, from the current directory.
enum HostDirectory {
    /// A host directory and its parents (veil's state directories).
    static func make(_ path: String, mode: UInt32) throws {
        var tree = Tree(dir: AT_FDCWD, base: "", hostRoot: "")
        try tree.makeDirs(path, mode: mode)
    }
}
