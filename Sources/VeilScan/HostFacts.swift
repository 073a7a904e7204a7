import Foundation
import VeilProfile

/// The real host's identifying values, captured before the sandbox normalises anything.
/// They are the inspector's canaries (DESIGN.md: none may appear upstream) and the
/// left column of `veil doctor`.
public struct HostFacts: Sendable, Codable, Equatable {
    public var timeZone: String = ""
    public var locales: [String] = []
    public var hostname: String = ""
    public var userName: String = ""
    public var fullName: String = ""
    public var uid: UInt32 = 0
    public var home: String = ""
    public var workdir: String = ""
    public var proxyHosts: [String] = []
    public var baseURLHosts: [String] = []
    public var dnsServers: [String] = []
    public var machineID: String = ""
    public var addresses: [String] = []
    /// uname -r and -v, and /proc/version (its `(user@host)` names the build machine).
    public var kernelRelease: String = ""
    public var kernelVersion: String = ""
    public var procVersion: String = ""
    /// The vDSO's build salt and build id (HostKernel.vdsoNotes): every process inside can
    /// read them from its own memory.
    public var kernelBuildSalt: String = ""
    public var kernelBuildID: String = ""

    public init() {}

    /// Reads the facts from this process's environment and the host's files.
    public static func capture(environment env: [String: String] = ProcessInfo.processInfo.environment,
                               workdir: String = FileManager.default.currentDirectoryPath) -> HostFacts {
        var f = HostFacts()
        f.timeZone = captureTimeZone(env)
        let localeVariables = ["LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_TIME", "LC_NUMERIC",
                               "LC_MONETARY", "LC_COLLATE", "LANGUAGE"]
        var locales: [String] = []
        for name in localeVariables {
            for part in (env[name] ?? "").split(separator: ":") where !neutralLocales.contains(String(part)) {
                locales.append(String(part))
            }
        }
        f.locales = uniq(locales)
        let account = HostAccount.current()
        f.hostname = account.hostname
        f.uid = getuid()
        f.userName = account.userName
        f.fullName = account.fullName
        f.home = env["HOME"] ?? account.home
        f.workdir = workdir
        f.proxyHosts = uniq(env.filter { isProxyVariable($0.key) }.values.compactMap(hostOf))
        f.baseURLHosts = uniq(env.filter { $0.key.hasSuffix("_BASE_URL") || $0.key.hasSuffix("_API_BASE") }
            .values.compactMap(hostOf))
        f.dnsServers = readLines("/etc/resolv.conf").compactMap { line in
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return parts.count >= 2 && parts[0] == "nameserver" ? String(parts[1]) : nil
        }
        f.machineID = (readFirstLine("/etc/machine-id") ?? readFirstLine("/var/lib/dbus/machine-id")) ?? ""
        f.addresses = interfaceAddresses()
        (f.kernelRelease, f.kernelVersion) = HostKernel.uname()
        f.procVersion = readFirstLine("/proc/version") ?? ""
        (f.kernelBuildSalt, f.kernelBuildID) = HostKernel.vdsoNotes()
        return f
    }

    static let neutralLocales: Set<String> = ["C", "POSIX", "C.UTF-8", "C.utf8"]

    public static func isProxyVariable(_ name: String) -> Bool {
        ["http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy", "rsync_proxy"]
            .contains(name.lowercased())
    }

    /// Host part of a URL or `host:port`, the first of a NO_PROXY list; read as `Authority`
    /// reads one, but kept even where no client could use the value (it is a canary).
    static func hostOf(_ value: String) -> String? {
        Authority.hostName(in: value.split(separator: ",").first ?? "")
    }

    static func captureTimeZone(_ env: [String: String]) -> String {
        if let tz = env["TZ"], !tz.isEmpty { return tz.hasPrefix(":") ? String(tz.dropFirst()) : tz }
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/etc/localtime"),
           let r = link.range(of: "zoneinfo/") {
            return String(link[r.upperBound...])
        }
        return readFirstLine("/etc/timezone") ?? "UTC"
    }

    static func interfaceAddresses() -> [String] {
        var result: [String] = []
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return [] }
        defer { freeifaddrs(head) }
        var p = head
        while let ifa = p {
            defer { p = ifa.pointee.ifa_next }
            guard let sa = ifa.pointee.ifa_addr else { continue }
            let family = Int32(sa.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var buf = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let len = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(sa, len, &buf, socklen_t(buf.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let addr = text.split(separator: "%").first.map(String.init) ?? ""
            if addr.hasPrefix("127.") || addr == "::1" || addr.hasPrefix("fe80") || addr.isEmpty { continue }
            result.append(addr)
        }
        return uniq(result)
    }

    static func readLines(_ path: String) -> [String] {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func readFirstLine(_ path: String) -> String? {
        readLines(path).first { !$0.isEmpty }
    }

    static func uniq(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }
}
