import Glibc
import Testing
@testable import VeilSandbox

/// veil writes the root's plain files from outside while the sandbox mounts: which ones, and
/// that they come out as planned.
@Suite struct RootFilesTests {
    @Test func filesUnderNoMountAreWrittenFromOutsideTheRestStaysInside() {
        let ops: [MountOp] = [
            .symlink("/bin", to: "usr/bin"), .dir("/etc"),
            .bind(source: "/etc/ssl/certs", target: "/etc/ssl/certs", readOnly: true),
            .copy(source: "/etc/services", target: "/etc/services", optional: true),
            .file("/etc/passwd", contents: "p"), .symlink("/etc/localtime", to: "/usr/share/zoneinfo/Etc/UTC"),
            .tmpfs("/dev"), .symlink("/dev/ptmx", to: "pts/ptmx"),
            .bind(source: "/h/home", target: "/home/user", readOnly: false),
            .file("/home/user/.x", contents: "in the home mount"),
            .file("/etc/ssl/certs/extra.pem", contents: "under a bind"),
            // A profile bind below a symlink: the sandbox makes its mount point through it.
            .symlink("/lib", to: "usr/lib"), .bind(source: "/lib/extra", target: "/lib/extra", readOnly: true),
        ]
        let (outside, inside) = RootFiles.split(ops)
        #expect(outside == [ops[0], ops[3], ops[4], ops[5]])
        #expect(inside == [ops[1], ops[2], ops[6], ops[7], ops[8], ops[9], ops[10], ops[11], ops[12]])
    }

    /// Directory prefixes, as RootFiles asks them: "/etc" is not above "/etcx", the root is
    /// above everything, and bytes compare as the kernel's (a composed é is not a decomposed one).
    @Test func pathPrefixesCompareWholeComponentsByteForByte() {
        let set = PathPrefixes(["/etc", "/home/user", "/caf\u{E9}"])
        #expect(set.contain(onOrAbove: "/etc") && set.contain(onOrAbove: "/etc/ssl/certs"))
        #expect(!set.contain(onOrAbove: "/etc", properly: true) && set.contain(onOrAbove: "/etc/ssl", properly: true))
        #expect(!set.contain(onOrAbove: "/etcx") && !set.contain(onOrAbove: "/") && !set.contain(onOrAbove: "/home"))
        #expect(set.contain(onOrBelow: "/home") && set.contain(onOrBelow: "/home/user"))
        #expect(!set.contain(onOrBelow: "/home/user/app") && !set.contain(onOrBelow: "/hom") && !set.contain(onOrBelow: "/etc/ssl"))
        #expect(set.contain(onOrAbove: "/caf\u{E9}/x") && !set.contain(onOrAbove: "/cafe\u{301}/x"))
        let root = PathPrefixes(["/"])
        #expect(root.contain(onOrAbove: "/usr") && root.contain(onOrAbove: "/usr", properly: true) && !root.contain(onOrBelow: "/usr"))
        #expect(!PathPrefixes([String]()).contain(onOrAbove: "/usr"))
    }

    @Test func thePlannedRootSplitsAsExpected() {
        let (outside, inside) = RootFiles.split(Planner.plan(inputs()).mounts)
        #expect(outside.contains(.symlink("/bin", to: "usr/bin")))
        #expect(outside.contains { if case .file("/etc/passwd", _, _) = $0 { return true } else { return false } })
        #expect(inside.contains(.symlink("/dev/ptmx", to: "pts/ptmx")))
        #expect(!outside.contains { $0.mountTarget != nil })
    }

    /// veil makes mount points ahead only when nothing else wants the CPUs: otherwise both
    /// sides would make them.
    @Test func mountPointsAreMadeAheadOnlyOnAnIdleMachine() {
        let plan = Planner.plan(inputs())
        let all = RootFiles.mountPoints(plan.mounts, isDirectory: { _ in true })
        #expect(!all.isEmpty)
        #expect(RootFiles.premade(plan.mounts, othersIdle: true, isDirectory: { _ in true }) == all)
        #expect(RootFiles.premade(plan.mounts, othersIdle: false, isDirectory: { _ in true }).isEmpty)
    }

    @Test func mountPointsOnTheRootTmpfsAreMadeByVeilParentsFirst() {
        let ops: [MountOp] = [
            .bind(source: "/usr", target: "/usr", readOnly: true), .dir("/etc", mode: 0o711),
            .bind(source: "/etc/ssl/certs", target: "/etc/ssl/certs", readOnly: true),
            // A file's bind: its mount point is the sandbox's to make.
            .bind(source: "/etc/file", target: "/etc/file", readOnly: true),
            .proc("/proc"), .readOnly("/proc/sys"), .mask("/proc/version", contents: "v"),
            .tmpfs("/dev"), .device("/dev/null"), .devpts("/dev/pts"), .tmpfs("/dev/shm", mode: 0o1777),
            .dir("/sys"), .bind(source: "/sys/devices/system/cpu", target: "/sys/devices/system/cpu", readOnly: true),
            .dir("/home"), .bind(source: "/h/home", target: "/home/user", readOnly: false),
            // Below a mount: made by the sandbox once that mount is there.
            .bind(source: "/h/src/app", target: "/home/user/app", readOnly: false),
            // Through a symlink veil writes later: the sandbox's too.
            .symlink("/lib", to: "usr/lib"), .bind(source: "/lib/extra", target: "/lib/extra", readOnly: true),
        ]
        let made = RootFiles.mountPoints(ops, isDirectory: { $0 != "/etc/file" })
        #expect(made == [
            .dir("/usr"), .dir("/etc", mode: 0o711), .dir("/etc/ssl"), .dir("/etc/ssl/certs"), .dir("/proc", mode: 0o555),
            .dir("/dev"), .dir("/sys"), .dir("/sys/devices"), .dir("/sys/devices/system"), .dir("/sys/devices/system/cpu"),
            .dir("/home"), .dir("/home/user"),
        ])
    }

    /// What veil makes is no file veil writes, and nothing a mount hides.
    @Test func thePlannedRootsMountPointsStandOnTheRootTmpfs() {
        let ops = Planner.plan(inputs()).mounts
        let made = RootFiles.mountPoints(ops, isDirectory: { _ in true }).compactMap { $0.mountPointPath }
        #expect(made.contains("/usr") && made.contains("/etc/alternatives") && made.contains("/home/user"))
        #expect(!made.contains { $0.hasPrefix("/dev/") || $0.hasPrefix("/proc/") || $0.hasPrefix("/home/user/") })
        let (outside, _) = RootFiles.split(ops)
        let written = Set(outside.compactMap { op -> String? in
            switch op {
            case .copy(_, let path, _), .file(let path, _, _), .symlink(let path, _): return path
            default: return nil
            }
        })
        #expect(written.isDisjoint(with: made))
    }

    @Test func writtenThroughADescriptorWithTheirModes() throws {
        var template = Array("/tmp/veil-rootfiles-XXXXXX".utf8CString)
        let dir = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer { _ = system("rm -rf '\(dir)'") }
        let source = dir + "-source"
        let fd = open(source, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = "host contents\n".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        defer { unlink(source) }
        let root = open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(root) }
        try RootFiles.write([
            .file("/etc/machine-id", contents: "abc\n", mode: 0o444),
            .copy(source: source, target: "/etc/ssl/copied", optional: false),
            .copy(source: dir + "/missing", target: "/etc/never", optional: true),
            .symlink("/etc/localtime", to: "/usr/share/zoneinfo/Etc/UTC"),
        ], under: root)
        #expect(readSmall(dir + "/etc/machine-id", trim: false) == "abc\n")
        #expect(readSmall(dir + "/etc/ssl/copied", trim: false) == "host contents\n")
        #expect(access(dir + "/etc/never", F_OK) != 0)
        var st = stat()
        #expect(stat(dir + "/etc/machine-id", &st) == 0 && st.st_mode & 0o777 == 0o444)
        #expect(stat(dir + "/etc/ssl/copied", &st) == 0 && st.st_mode & 0o777 == 0o644)
        var buf = [CChar](repeating: 0, count: 256)
        let n = readlink(dir + "/etc/localtime", &buf, 255)
        #expect(n > 0 && String(cString: Array(buf[0..<n]) + [0]) == "/usr/share/zoneinfo/Etc/UTC")
        // A required host file that is missing fails, naming it.
        #expect(throws: SandboxError.self) {
            try RootFiles.write([.copy(source: dir + "/missing", target: "/etc/x", optional: false)], under: root)
        }
    }
}
