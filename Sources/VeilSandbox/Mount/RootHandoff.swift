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
    static func sendRoot(over channel: LaunchChannel) throws {
        let fd = open(Mounts.newRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(.mount, "open \(Mounts.newRoot)", fd)
        defer { close(fd) }
        if let e = channel.send(.stagingRoot, attaching: fd) { throw SandboxError(.mount, errno: e, "send \(Mounts.newRoot) to veil") }
    }

    /// veil's side: `step` is done. The errno of a failed send (the sandbox is gone), or nil.
    static func signal(_ step: Step, over channel: LaunchChannel) -> Int32? {
        channel.send(.rootWritten(step))
    }

    /// Whether veil has said `step` is done, without waiting (the sandbox's side). Only that
    /// word can come next: veil sends nothing else before it.
    static func done(_ step: Step, over channel: LaunchChannel) throws -> Bool {
        guard let (message, _) = try channel.receive(wait: false) else { return false }
        guard message == .rootWritten(step) else { throw WireReader.malformed }
        return true
    }

    /// Waits for `step`, passing over the word for an earlier one that `done` did not read.
    static func await(_ step: Step, over channel: LaunchChannel) throws {
        while true {
            guard let (message, _) = try channel.receive() else {
                throw SandboxError(.mount, errno: EPIPE, "veil did not make the root's \(step)")
            }
            if case .rootWritten(let s) = message, s.rawValue < step.rawValue { continue }
            guard message == .rootWritten(step) else { throw WireReader.malformed }
            return
        }
    }
}
