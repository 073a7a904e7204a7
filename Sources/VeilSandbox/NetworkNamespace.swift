import CVeilShim
import Glibc

/// The network namespace: only `lo`, brought up, and the inspector's listening socket on it.
/// The socket is made here, inside, and handed to the veil process outside, which serves it;
/// so the agent reaches the inspector and nothing else, with no relay process inside.
enum NetworkNamespace {
    static func bringUpLoopback() throws {
        try check(.network, "bring up lo", veil_loopback_up())
    }

    /// A listening TCP socket on 127.0.0.1:port in the current network namespace.
    static func inspectorSocket(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try check(.inspector, "socket", fd)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try check(.inspector, "bind 127.0.0.1:\(port)", rc)
        try check(.inspector, "listen", listen(fd, 512))
        return fd
    }

    static func send(_ fd: Int32, over channel: Int32) throws {
        try check(.inspector, "pass the socket to veil", veil_send_fd(channel, fd))
    }
}
