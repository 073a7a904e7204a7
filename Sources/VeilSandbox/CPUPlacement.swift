import VeilProfile

/// Where the helper that makes PID 1 runs (veil_clone_aside). A new task starts on its
/// parent's CPU, and in a VM an idle CPU may not take it over before a scheduler tick, so on
/// an idle machine the helper is moved to another CPU at once: about 1 ms of a launch on a
/// 2-CPU VM. With another task runnable that CPU may be the busy one, and pinned there the
/// helper waited for the other task's time slices: 2.5 ms more per launch with one CPU
/// spinning. Then the scheduler places it.
enum CPUPlacement {
    /// Whether /proc/loadavg says nothing but its reader is runnable now (its fourth field,
    /// "running/total"). Anything unreadable: no.
    static func othersIdle(loadavg: [UInt8]) -> Bool {
        let fields = loadavg.split(separator: UInt8(ascii: " "), maxSplits: 4)
        guard fields.count >= 4, let slash = fields[3].firstIndex(of: UInt8(ascii: "/")) else { return false }
        let running = fields[3][..<slash]
        guard !running.isEmpty, running.count <= 6,
              running.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        return running.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } <= 1
    }

    static func moveAside() -> Bool {
        HostFiles.read("/proc/loadavg").map(othersIdle) ?? false
    }
}
