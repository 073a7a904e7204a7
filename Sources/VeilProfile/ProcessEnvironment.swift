import Glibc

/// This process's environment as a dictionary, read straight from `environ`: the launch path
/// has no Foundation (ProcessInfo's copy also costs about half a millisecond at start).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var count = 0
        while environ[count] != nil { count += 1 }
        var env = [String: String](minimumCapacity: count)
        for i in 0 ..< count {
            guard let entry = environ[i], let eq = strchr(entry, 0x3D) else { continue }
            let key = String(decoding: UnsafeRawBufferPointer(start: entry, count: eq - entry), as: UTF8.self)
            // getenv semantics: the first definition of a name wins.
            if env[key] == nil { env[key] = String(cString: eq + 1) }
        }
        return env
    }
}
