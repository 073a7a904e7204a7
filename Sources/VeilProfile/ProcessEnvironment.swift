import Glibc

/// This process's environment as a dictionary, read straight from `environ`: the launch path
/// has no Foundation (ProcessInfo's copy also costs about half a millisecond at start).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                let key = String(s[..<eq])
                // getenv semantics: the first definition of a name wins.
                if env[key] == nil { env[key] = String(s[s.index(after: eq)...]) }
            }
            p += 1
        }
        return env
    }
}
