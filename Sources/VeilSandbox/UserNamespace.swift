import Glibc

/// The user namespace: one id inside (the neutral user) mapped to the caller's real id.
/// Works unprivileged, because a process may map exactly its own ids once it has
/// denied setgroups.
enum UserNamespace {
    static func mapIDs(insideUID: UInt32, insideGID: UInt32, outsideUID: uid_t, outsideGID: gid_t) throws {
        try writeProc("/proc/self/setgroups", "deny")
        try writeProc("/proc/self/gid_map", "\(insideGID) \(outsideGID) 1\n")
        try writeProc("/proc/self/uid_map", "\(insideUID) \(outsideUID) 1\n")
    }

    private static func writeProc(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError(.userMap, errno: errno, path) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw SandboxError(.userMap, errno: errno, path) }
    }
}
