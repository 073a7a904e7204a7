// Routing, on an input read as lines: a request target, a base URL, then allow-list entries.
// 1. AbsoluteURI: a host that is not empty and holds no `/`, `@`, `?`, `#`, a port in
//    0...65535, a path that starts with `/`; and the host and port are the ones Foundation's
//    URL (which AsyncHTTPClient connects by) reads in the same string, so that the allow list
//    judges the host the request actually goes to.
// 2. AllowList.permits never permits a host no entry names (a plain reference implementation).
// 3. RouteTable.join keeps the base's origin: a request target never sends the upstream
//    request to another scheme, host or port, as veil or Foundation reads it.
// 4. Authority(connectTarget:) gives a host and a port in 1...65535, and what it gives parses back.

import Foundation
import VeilProfile
@testable import VeilProxy

enum RouteProperties {
    static func check(_ input: [UInt8]) {
        let lines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let target = lines[0]
        let base = lines.count > 1 ? lines[1] : "https://api.example.com/v1"
        let entries = Array(lines.dropFirst(2))

        absolute(target)
        absolute("http://" + target)
        allow(entries, target: target)
        join(base: base, target: target)
        connect(target)
    }

    static func absolute(_ uri: String) {
        guard let a = AbsoluteURI(uri) else { return }
        if a.host.isEmpty || a.host.contains(where: { "/@?#".contains($0) }) { fail("host \(a.host.debugDescription)", uri) }
        if !(0 ... 65535).contains(a.port) { fail("port \(a.port)", uri) }
        // In bytes: `/` and a combining mark are one Character.
        if a.pathAndQuery.utf8.first != UInt8(ascii: "/") { fail("path \(a.pathAndQuery.debugDescription)", uri) }
        guard let url = URL(string: uri), let host = url.host, !host.isEmpty else { return }
        if !sameHost(a.host, host) || (url.port ?? a.port) != a.port {
            fail("veil reads \(a.host):\(a.port), the upstream client \(host):\(url.port.map(String.init) ?? "default")", uri)
        }
    }

    /// A host as compared: lowercased, percent-decoded, without IPv6 brackets.
    static func host(_ h: String) -> String {
        (h.removingPercentEncoding ?? h).lowercased().trimmingCharacters(in: ["[", "]"])
    }

    /// Equal, or equal where the allow list looks: URL writes a label with non-ASCII letters in
    /// punycode (IDNA, `ǝvil` is `xn--vil-…`), so only the labels after the last such label are
    /// compared — those are what a `*.suffix` entry matches, and IDNA keeps ASCII labels.
    static func sameHost(_ veil: String, _ url: String) -> Bool {
        let v = host(veil), u = host(url)
        if v == u { return true }
        let labels = v.split(separator: ".", omittingEmptySubsequences: false)
        guard let unicode = labels.lastIndex(where: { !$0.allSatisfy(\.isASCII) }) else { return false }
        let tail = labels[(unicode + 1)...]
        return u.split(separator: ".", omittingEmptySubsequences: false).suffix(tail.count).elementsEqual(tail)
    }

    static func allow(_ entries: [String], target: String) {
        let list = AllowList(entries)
        var candidates: [(String, Int)] = []
        if let a = AbsoluteURI(target) { candidates.append((a.host, a.port)) }
        if let c = Authority(connectTarget: target) { candidates.append((c.host, c.port)) }
        candidates.append((target, 443))
        for (h, p) in candidates where list.permits(host: h, port: p) && !reference(entries, host: h, port: p) {
            fail("AllowList(\(entries)) permits \(h):\(p)", target)
        }
    }

    /// `*`, `host`, `*.suffix` (subdomains only), each optionally `:port` (without one, 443; an
    /// entry whose port is not a number names nothing); `[v6]` or `[v6]:port`; brackets do not
    /// count. Names are compared as DNS compares them, in bytes with ASCII case folded: in
    /// Characters, a Prepend mark before the dot (`x\u{600}.pypi.org`) made `.pypi.org` no
    /// suffix of a name below it.
    static func reference(_ entries: [String], host: String, port: Int) -> Bool {
        let h = fold(host.trimmingCharacters(in: ["[", "]"]))
        return entries.contains { raw in
            var e = raw
            if let colon = e.lastIndex(of: ":"), e.hasPrefix("[") ? e[..<colon].hasSuffix("]") : e.firstIndex(of: ":") == colon {
                guard Int(e[e.index(after: colon)...]) == port else { return false }
                e = String(e[..<colon])
            } else if port != 443 {
                return false  // an entry without a port is 443
            }
            // Brackets are not part of a name (`[::1]`), on either side.
            let name = fold(e.trimmingCharacters(in: ["[", "]"]))
            if name == Array("*".utf8) || name == h { return true }
            guard name.starts(with: "*.".utf8) else { return false }
            let suffix = name.dropFirst()  // ".suffix"
            return h.count > suffix.count && h.suffix(suffix.count).elementsEqual(suffix)
        }
    }

    static func fold(_ s: String) -> [UInt8] { s.utf8.map { (0x41 ... 0x5A).contains($0) ? $0 + 0x20 : $0 } }

    static func join(base: String, target: String) {
        guard let b = AbsoluteURI(base), !base.contains(where: { "?#@\\".contains($0) }) else { return }
        let joined = RouteTable.join(base: base, uri: target)
        guard let j = AbsoluteURI(joined), (j.scheme, j.host, j.port) == (b.scheme, b.host, b.port) else {
            fail("join(\(base)) goes to \(joined)", target)
        }
        if let url = URL(string: joined), let host = url.host, !sameHost(b.host, host) {
            fail("join(\(base)) goes to \(host) for the upstream client: \(joined)", target)
        }
    }

    static func connect(_ target: String) {
        guard let a = Authority(connectTarget: target) else { return }
        let (host, port) = (a.host, a.port)
        if host.isEmpty || !(1 ... 65535).contains(port) { fail("CONNECT \(host) \(port)", target) }
        // The allow list and the connection take the same string, so an odd host (` [a]`) is
        // refused by one or the other; a plain one must read back the same.
        guard !host.contains(where: { "[] \t".contains($0) }) else { return }
        let again = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        guard let back = Authority(connectTarget: again), back == a else { fail("CONNECT \(again) reads otherwise", target) }
    }

    static func fail(_ why: String, _ input: String) -> Never {
        fatalError("veil-fuzz http routing: \(why)\n  input: \(String(input.prefix(600)).debugDescription)")
    }
}
