import CVeilShim
import Glibc

/// The cell of compare's host arm: the agent runs on the host as it is — its variables, files,
/// ids, processes and host name untouched — except that its network is a namespace of its own,
/// where the hosts it dials (its base URLs, its proxies) lead to veil's recorder:
///
/// 1. a network and a mount namespace; as an ordinary user inside a user namespace that maps
///    exactly the user's own ids (the kernel requires one); root needs none and keeps its
///    identity and capabilities as they are;
/// 2. lo up, with the addresses the agent dials;
/// 3. a listening socket per port, handed to the recorder over its unix socket, then wait for
///    its word that it serves them (the agent's first connection must find it);
/// 4. the overlays (the hosts file, the trust bundles, the workdir's copy over the workdir)
///    bound over the host's files, in this mount namespace only, and the workdir entered;
/// 5. exec the agent, in this process: its status is the arm's.
public enum HostCell {
    public static func enter(_ plan: HostCellPlan) throws -> Never {
        let (uid, gid) = (getuid(), getgid())
        let ownUserNamespace = geteuid() != 0
        try check(.clone, "unshare", veil_unshare_cell(ownUserNamespace ? 1 : 0))
        if ownUserNamespace { try UserNamespace.mapIDs(insideUID: uid, insideGID: gid, outsideUID: uid, outsideGID: gid) }

        try NetworkNamespace.bringUpLoopback()
        for (i, address) in plan.addresses.enumerated() {
            try check(.network, "add \(address) to lo", veil_loopback_add(address, Int32(i + 1)))
        }
        let recorder = try connect(plan.socketPath)
        for port in plan.ports {
            let fd = try listeningSocket(port: port)
            try NetworkNamespace.send(fd, over: recorder)
            close(fd)
        }
        var word: UInt8 = 0
        guard read(recorder, &word, 1) == 1 else { throw SandboxError(.inspector, errno: EPIPE, "the recorder did not start") }
        close(recorder)

        try check(.mount, "make / private", mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil))
        for o in plan.overlays {
            try check(.mount, "bind \(o.source) over \(o.target)", mount(o.source, o.target, nil, UInt(MS_BIND | MS_REC), nil))
        }
        if let cwd = plan.cwd { try check(.chdir, cwd, chdir(cwd)) }
        let argv = plan.argv.map { strdup($0) } + [nil]
        execvp(plan.argv[0], argv)
        throw SandboxError(.exec, errno: errno, plan.argv[0])
    }

    /// Every address of the cell on `port` (IPv4 too, through a dual-stack socket); IPv4 alone
    /// where the kernel has no IPv6.
    static func listeningSocket(port: Int) throws -> Int32 {
        let stream = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        var one: Int32 = 1, zero: Int32 = 0
        let size = socklen_t(MemoryLayout<Int32>.size)
        var fd = socket(AF_INET6, stream, 0)
        var rc: Int32
        if fd >= 0 {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size)
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, size)
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = in_port_t(UInt16(port).bigEndian)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            fd = socket(AF_INET, stream, 0)
            try check(.inspector, "socket", fd)
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        try check(.inspector, "bind port \(port)", rc)
        try check(.inspector, "listen", listen(fd, 512))
        return fd
    }

    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try check(.inspector, "socket", fd)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            throw SandboxError(.inspector, errno: ENAMETOOLONG, path)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in bytes.enumerated() { buf[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try check(.inspector, "connect to the recorder at \(path)", rc)
        return fd
    }
}
