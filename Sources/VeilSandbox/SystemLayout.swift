import Glibc

/// What the host's system directories look like: the only filesystem facts the planner needs.
/// Probed once (impure); tests make their own.
public struct SystemLayout: Sendable, Equatable {
    public enum Entry: Sendable, Equatable { case directory, symlink(String) }
    /// Top-level system entries (/bin, /lib64, …) that exist.
    public var roots: [String: Entry] = [:]
    /// Host /etc entries from the allowlist that exist: directories (bound read-only) and
    /// small files (copied, which is cheaper than a mount).
    public var etc: [String] = []
    public var etcFiles: [String] = []
    public var locales: Set<String> = []
    /// `toolConfigCandidates` present on this host: hidden in the sandbox.
    public var toolConfigs: [String] = []
    public var shell = "/bin/sh"

    public init() {}

    /// Read-only system directories shown at the same path.
    public static let rootNames = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"]

    /// Host /etc entries an agent needs to run (libraries, terminfo, …); of /etc/ssl only
    /// OpenSSL's configuration. Everything identifying (hostname, passwd, resolv.conf,
    /// timezone, machine-id, proxies in /etc/environment, mirrors in pip.conf/npmrc/gitconfig,
    /// the certificate store with the roots the host added) is generated or left out.
    public static let etcAllowlist = [
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl/openssl.cnf",
        "pki", "crypto-policies", "alternatives", "os-release", "lsb-release", "debian_version",
        "services", "protocols", "mime.types", "terminfo", "inputrc", "bash.bashrc", "profile",
        "locale.alias", "gai.conf", "host.conf", "magic", "magic.mime", "shells", "login.defs",
        "python3", "python3.11", "python3.12", "perl", "vim", "nanorc", "xdg", "fonts",
        "localtime.d", "selinux", "java-17-openjdk",
    ]

    /// Package managers' system-wide settings inside the bound trees (/usr, /opt, and /etc/xdg
    /// of the /etc allowlist): a company's registry mirror names it, and a token or password
    /// in one is the host's secret. The agent's tools keep their settings in its own home.
    public static let toolConfigCandidates = [
        "/usr/etc/npmrc", "/usr/local/etc/npmrc",  // npm's global config ($PREFIX/etc/npmrc)
        "/usr/lib/node_modules/npm/npmrc", "/usr/local/lib/node_modules/npm/npmrc",
        "/usr/share/nodejs/npm/npmrc",  // npm's built-in one
        "/etc/xdg/pip/pip.conf", "/etc/xdg/uv/uv.toml",
        // CARGO_HOME of CI images.
        "/usr/local/cargo/config.toml", "/usr/local/cargo/config", "/usr/local/cargo/credentials.toml",
        "/usr/local/cargo/credentials",
        "/opt/conda/.condarc", "/opt/conda/condarc",
    ]

    public static func probe() -> SystemLayout {
        var l = SystemLayout()
        for name in rootNames {
            var st = stat()
            guard lstat(name, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFLNK {
                var buf = [CChar](repeating: 0, count: 4096)
                let n = readlink(name, &buf, buf.count - 1)
                if n > 0 { l.roots[name] = .symlink(String(cString: Array(buf[0..<n]) + [0])) }
            } else if (st.st_mode & S_IFMT) == S_IFDIR {
                l.roots[name] = .directory
            }
        }
        for name in etcAllowlist {
            var st = stat()
            guard stat("/etc/" + name, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFREG && st.st_size <= 256 * 1024 { l.etcFiles.append(name) }
            else { l.etc.append(name) }
        }
        for dir in ["/usr/lib/locale"] {
            if let d = opendir(dir) {
                while let e = readdir(d) {
                    let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                    l.locales.insert(name)
                }
                closedir(d)
            }
        }
        l.toolConfigs = toolConfigCandidates.filter { var st = stat(); return lstat($0, &st) == 0 }
        l.shell = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh"
        return l
    }

    /// The locale to use: the profile's when installed, else C.UTF-8 (built into glibc ≥ 2.35).
    public func locale(preferring wanted: String) -> String {
        if wanted == "C.UTF-8" || wanted == "C" || wanted == "POSIX" { return wanted }
        let normalized = wanted.replacingUTF8Suffix()
        return locales.contains(wanted) || locales.contains(normalized) ? wanted : "C.UTF-8"
    }
}

extension String {
    /// `en_US.UTF-8` is installed as `en_US.utf8`.
    func replacingUTF8Suffix() -> String {
        if hasSuffix(".UTF-8") { return String(dropLast(6)) + ".utf8" }
        return self
    }
}
