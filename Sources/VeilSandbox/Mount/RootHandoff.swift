import CVeilShim
import Glibc

/// How the new root changes hands during a launch: the sandbox sends veil a descriptor of its
/// staging root (`sendRoot`), veil writes the root's plain files through it (RootFiles) while
/// the sandbox mounts, and says when each `Step` is done on the same socket.
enum RootHandoff {
    /// What veil tells the sandbox it has finished, in this order, one byte each.
    enum Step: UInt8 {
        /// The mount points. The sandbox does not wait for them: where veil is late it makes
        /// them itself (both sides take a directory that is there already).
        case mountPoints = 1
        /// The files: the sandbox may switch to the new root.
        case files = 2
    }

    /// The sandbox's side: veil gets a descriptor of the staging root, to write the root's
    /// plain files through while the sandbox mounts.
    static func sendRoot(over socket: Int32) throws {
        let fd = open(Mounts.newRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(.mount, "open \(Mounts.newRoot)", fd)
        defer { close(fd) }
        try check(.mount, "send \(Mounts.newRoot) to veil", veil_send_fd(socket, fd))
    }

    static func signal(_ step: Step, over socket: Int32) throws {
        var byte = step.rawValue
        if send(socket, &byte, 1, Int32(MSG_NOSIGNAL)) != 1 {
            throw SandboxError(.mount, errno: errno, "tell the sandbox its \(step) are made")
        }
    }

    /// Whether veil has said `step` is done, without waiting (the sandbox's side).
    static func done(_ step: Step, over socket: Int32) -> Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, Int32(MSG_DONTWAIT)) == 1 && byte == step.rawValue
    }

    /// Waits for `step`, passing over the word for an earlier one that `done` did not read.
    static func await(_ step: Step, over socket: Int32) throws {
        var byte: UInt8 = 0
        var n: Int
        repeat {
            repeat { n = recv(socket, &byte, 1, 0) } while n < 0 && errno == EINTR
        } while n == 1 && byte < step.rawValue
        if n != 1 || byte != step.rawValue {
            throw SandboxError(.mount, errno: n < 0 ? errno : EPIPE, "veil did not make the root's \(step)")
        }
    }
}
