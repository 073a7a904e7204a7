import Glibc

/// The host kernel's release and build string (uname -r, -v), read before the sandbox hides
/// them: the launcher derives the neutral identity from them, the inspector makes them canaries.
public enum HostKernel {
    public static func uname() -> (release: String, version: String) {
        var u = utsname()
        guard Glibc.uname(&u) == 0 else { return ("", "") }
        func field<T>(_ tuple: inout T) -> String {
            withUnsafeBytes(of: &tuple) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        return (field(&u.release), field(&u.version))
    }
}
