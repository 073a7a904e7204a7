import Glibc
import Testing
@testable import VeilSandbox
@testable import VeilProfile

/// Where a sandbox's cgroup goes, read from fixture trees laid out like /sys/fs/cgroup.
@Suite struct CgroupTests {
    let root: String
    init() {
        var template = Array("/tmp/veil-cgroup-XXXXXX".utf8CString)
        root = String(cString: mkdtemp(&template))
    }

    func file(_ path: String, _ text: String) {
        var dir = root
        for part in path.split(separator: "/").dropLast() { dir += "/" + part; mkdir(dir, 0o755) }
        let fd = open(root + "/" + path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    @Test func aDelegatedV2ParentWithBothControllersIsUsed() {
        file("self-cgroup", "0::/user.slice/user@1000.service/app.slice/term.scope\n")
        file("fs/cgroup.controllers", "cpu memory pids\n")
        file("fs/user.slice/user@1000.service/app.slice/cgroup.subtree_control", "memory pids\n")
        let p = Cgroup.placement(cgroupFile: root + "/self-cgroup", root: root + "/fs")
        #expect(p == root + "/fs/user.slice/user@1000.service/app.slice")
    }

    @Test func aV2ParentWithoutThePidsControllerIsNot() {
        file("self-cgroup", "0::/a/b\n")
        file("fs/cgroup.controllers", "cpu memory pids\n")
        file("fs/a/cgroup.subtree_control", "memory\n")
        #expect(Cgroup.placement(cgroupFile: root + "/self-cgroup", root: root + "/fs") == nil)
    }

    /// v1 hierarchies are never used (a move into one cost 10 ms and more per launch).
    @Test func aV1HostHasNoPlacement() {
        file("self-cgroup", "8:pids:/\n4:memory:/ci/job\n0::/\n")
        file("fs/pids/cgroup.procs", "")
        file("fs/memory/cgroup.procs", "")
        #expect(Cgroup.placement(cgroupFile: root + "/self-cgroup", root: root + "/fs") == nil)
    }

    @Test func hitsAreReadFromTheEventFiles() {
        file("g/pids.events", "max 7\n")
        file("g/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n")
        let h = Cgroup(directories: [root + "/g"]).hits()
        #expect(h.pids == 7 && h.oomKills == 2)
    }
}
