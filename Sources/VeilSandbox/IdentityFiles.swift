import VeilProfile

/// The generated identity files: the sandbox looks like a fresh default install,
/// with no host user, host name, DNS server or machine-id in them.
public enum IdentityFiles {
    public static func passwd(_ id: Profile.Identity, home: String, shell: String) -> String {
        """
        root:x:0:0:root:/root:/bin/sh
        \(id.user):x:\(id.uid):\(id.gid):\(id.fullName):\(home):\(shell)
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin

        """
    }

    public static func group(_ id: Profile.Identity) -> String {
        """
        root:x:0:
        \(id.user):x:\(id.gid):
        nogroup:x:65534:

        """
    }

    /// `extra` names resolve to the sandbox's loopback (decoy hosts served by the inspector).
    public static func hosts(_ id: Profile.Identity, extra: [String] = []) -> String {
        var s = "127.0.0.1\tlocalhost\n127.0.1.1\t\(id.hostname)\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        for name in extra { s += "127.0.0.1\t\(name)\n" }
        return s
    }

    /// No host DNS server: the sandbox has only its own loopback anyway.
    public static let resolvConf = "nameserver 127.0.0.53\noptions edns0 trust-ad\n"

    public static let nsswitch = """
        passwd:         files
        group:          files
        shadow:         files
        hosts:          files dns
        networks:       files
        protocols:      files
        services:       files

        """

    /// /etc/timezone names the zone the way Debian does.
    public static func timezone(_ tz: String) -> String {
        (tz == "UTC" ? "Etc/UTC" : tz) + "\n"
    }

    /// Symlink target for /etc/localtime: programs read the zone name from it.
    public static func localtimeTarget(_ tz: String) -> String {
        "/usr/share/zoneinfo/" + (tz == "UTC" ? "Etc/UTC" : tz)
    }
}
