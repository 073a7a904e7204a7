import CCap
import CVeilShim
import Glibc

/// Capabilities via libcap: bounding, ambient, effective, permitted and inheritable sets all
/// empty, so nothing — not even a setuid binary — gives privileges back.
enum Capabilities {
    static func dropAll() throws {
        let last = veil_cap_last_cap()
        // The bounding set first: dropping from it needs CAP_SETPCAP, which goes last.
        for cap in 0...last {
            if veil_capbset_drop(Int32(cap)) != 0 && errno != EINVAL {
                throw SandboxError(.capabilities, errno: errno, "bounding set, capability \(cap)")
            }
        }
        try check(.capabilities, "ambient set", veil_cap_ambient_clear_all())
        guard let caps = cap_init() else { throw SandboxError(.capabilities, errno: errno, "cap_init") }
        defer { cap_free(UnsafeMutableRawPointer(caps)) }
        try check(.capabilities, "cap_set_proc", cap_set_proc(caps))
    }
}
