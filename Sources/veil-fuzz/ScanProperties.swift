// What must hold for any body at all, checked on every fuzz input. A violation traps, so
// that libFuzzer saves the input and stops. Beyond "no crash, no out-of-bounds access"
// (AddressSanitizer's part):
// 1. Every instruction set of the C kernel (AVX-512, AVX2, SSSE3, portable) gives the same findings.
// 2. Findings point into the body, and the decision on them can be made; the same bytes as a
//    header name and value and as a request target scan without fault.
// 3. A body walked as JSON holds nothing outside its strings but whitespace, structure and
//    JSON numbers and literals (anything else, `192.168.3.17` say, must be scanned as text).
// 4. A zero-width space after every letter of every string hides no canary that was there
//    (for bodies without such characters to begin with, and below the cap on findings).
// 6. The normalised view: a Cyrillic `а` for every Latin `a` and a combining mark after
//    every letter hide no canary that was there (bodies without non-ASCII to begin with).
// 5. For valid JSON, the form does not matter: the same document spaced out, or with its
//    spaces written as `\u0020`, gives the same findings at the same paths. An agent cannot
//    hide a canary or a covert character by re-encoding the JSON it sends.
// 7. Canaries across strings: the junctions read one by one (the filter, the quick read, the
//    full read) and all of them read by the deferred pass find the same ones.

import Foundation
import VeilProfile
@_spi(Fuzzing) import VeilScan

enum ScanProperties {
    /// The benchmark's made-up host (canaries of every kind), with rules of both kinds.
    static let scanner: VeilScan.Scanner = {
        let rules = [Profile.Rule(name: "iso", kind: .isoDate),
                     Profile.Rule(name: "codename", kind: .forbid, pattern: "Project X")]
        return VeilScan.Scanner(config: ScanConfig(canaries: ScanBenchmark.facts.canaries(), rules: rules))
    }()

    static func check(_ body: [UInt8]) {
        let findings = sameOnEveryISA(body)
        for f in findings {
            guard f.offset >= 0, f.offset < max(body.count, 1), f.path.hasPrefix("$") else {
                fail("finding outside the body: \(f)", body)
            }
        }
        _ = decide(findings, modes: Profile.Modes(), rules: scanner.config.rules)
        let text = String(decoding: body, as: UTF8.self)
        _ = scanner.scanHeaders([(text, text)])
        for f in scanner.scanTarget(text) where f.path != "uri" { fail("a target finding at \(f.path)", body) }

        guard isJSON(body) else { return }
        for token in bareTokens(body) where !isScalar(token) {
            fail("walked as JSON with \(token.debugDescription) outside strings", body)
        }
        if findings.count < 900, let deferred = scanner.scanDeferringJoins(body) {
            let across = { (fs: [Finding]) in
                Set(fs.filter { $0.path.contains(" + ") }.map { "\($0.kind) \($0.rule ?? "") \($0.detail.prefix { $0 != "\"" })" })
            }
            if across(findings) != across(deferred) {
                fail("the deferred pass finds other canaries across strings:\n  \(across(findings))\n  \(across(deferred))", body)
            }
        }
        let ignorable: Set<FindingKind> = [.invisible, .tag, .variationSelector]
        if !findings.contains(where: { ignorable.contains($0.kind) }) {
            // The detail shows the text as sent (with the spaces now): compare it without them.
            // A dropped character may also let a longer canary cover a shorter one.
            let spaced = scanner.scanBody(zeroWidthAfterLetters(body), api: .anthropic)
            if spaced.count < 900, let hidden = uncovered(findings, spaced, ["[U+200B]": ""]) {
                fail("zero-width spaces hid \(hidden)", body)
            }
        }
        if body.allSatisfy({ $0 < 0x80 }) {
            let disguised = scanner.scanBody(disguise(body), api: .anthropic)
            if disguised.count < 900, let hidden = uncovered(findings, disguised, ["[U+0301]": "", "[U+0430]": "a"]) {
                fail("look-alikes and marks hid \(hidden)", body)
            }
            // Alone, without a mark that always sends a text through the view: letters whose
            // lead bytes the kernel once left unmarked.
            let substituted = insideStrings(body) { b, out in out += latinLookalikes[b] ?? [b] }
            let latin = scanner.scanBody(substituted, api: .anthropic)
            let undo = Dictionary(uniqueKeysWithValues: latinLookalikes.map { b, bytes in
                ("[" + codePointName(String(decoding: bytes, as: UTF8.self).unicodeScalars.first!.value) + "]",
                 String(UnicodeScalar(b)))
            })
            if latin.count < 900, let hidden = uncovered(findings, latin, undo) {
                fail("Latin look-alikes hid \(hidden)", body)
            }
        }
        guard (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil
        else { return }
        for (name, variant) in [("spaced", spacedOut(body)), ("escaped", spacesEscaped(body))] where variant != body {
            guard isJSON(variant) else { fail("the \(name) form is not taken as JSON", body) }
            let other = scanner.scanBody(variant, api: .anthropic)
            guard other.map(Key.init) == findings.map(Key.init) else {
                fail("the \(name) form gives other findings:\n  \(findings.map(Key.init))\n  \(other.map(Key.init))", body)
            }
        }
    }

    /// The canaries of `before` that `after` lost, or nil when there are none. One is still
    /// there when an excerpt of `after` (`undo` taking the disguise out of its detail) holds
    /// its excerpt (a longer canary's may: a dropped character can let it cover a shorter
    /// one), or the same canary's excerpt is held in it (an excerpt runs on to the end of the
    /// word, which a zero-width space ends: `payments` then invalid bytes is the whole run
    /// without spaces, `payments` alone with them).
    static func uncovered(_ before: [Finding], _ after: [Finding], _ undo: [String: String]) -> [String]? {
        func text(_ f: Finding) -> (label: Substring, excerpt: Substring, shown: String) {
            var d = f.detail
            for (from, to) in undo { d = d.replacingOccurrences(of: from, with: to) }
            let quoted = d.drop { $0 != "\"" }
            return (d.prefix(d.count - quoted.count), quoted.dropFirst().dropLast(), String(quoted))
        }
        let still = after.filter { $0.kind == .canary }.map(text)
        let hidden = before.filter { $0.kind == .canary }.map(text).filter { t in
            !still.contains { $0.excerpt.contains(t.excerpt) || $0.label == t.label && t.excerpt.contains($0.excerpt) }
        }
        return hidden.isEmpty ? nil : hidden.map(\.shown).sorted()
    }

    /// What a finding says, without where in the bytes (which the variants move).
    struct Key: Equatable, CustomStringConvertible {
        let kind: FindingKind, path: String, codePoints: [UInt32], detail: String, rule: String?
        init(_ f: Finding) { (kind, path, codePoints, detail, rule) = (f.kind, f.path, f.codePoints, f.detail, f.rule) }
        var description: String { "\(kind.rawValue) \(detail) at \(path)" }
    }

    static func sameOnEveryISA(_ body: [UInt8]) -> [Finding] {
        let best = VeilScan.Scanner.bestISA
        defer { scanner.kernelISA = best }
        scanner.kernelISA = best
        let reference = scanner.scanBody(body, api: .anthropic)
        for isa in 0 ..< best {
            scanner.kernelISA = isa
            let other = scanner.scanBody(body, api: .anthropic)
            guard other == reference else { fail("isa \(isa) differs from isa \(best):\n  \(reference)\n  \(other)", body) }
        }
        return reference
    }

    static func isJSON(_ body: [UInt8]) -> Bool { scanner.walksAsJSON(body) }

    /// The runs of bytes outside strings between whitespace, structure, colons and quotes.
    static func bareTokens(_ body: [UInt8]) -> [String] {
        var tokens: [String] = [], current: [UInt8] = []
        eachByte(body) { b, inString in
            if !inString, !Array(" \t\r\n{}[],:\"".utf8).contains(b) {
                current.append(b)
            } else if !current.isEmpty {
                tokens.append(String(decoding: current, as: UTF8.self))
                current = []
            }
        }
        if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
        return tokens
    }

    static let scalar = try! NSRegularExpression(pattern: #"\A(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null)\z"#)

    static func isScalar(_ token: String) -> Bool {
        scalar.firstMatch(in: token, range: NSRange(token.startIndex..., in: token)) != nil
    }

    /// A space after every `,` and `:` outside strings, and one before and after the document.
    static func spacedOut(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x20]
        eachByte(body) { b, inString in
            out.append(b)
            if !inString, b == UInt8(ascii: ",") || b == UInt8(ascii: ":") { out.append(0x20) }
        }
        return out + [0x0A]
    }

    /// U+200B after every ASCII letter inside strings, escapes left whole.
    static func zeroWidthAfterLetters(_ body: [UInt8]) -> [UInt8] {
        insideStrings(body) { b, out in
            out.append(b)
            if isLetter(b) { out += [0xE2, 0x80, 0x8B] }
        }
    }

    /// Inside strings, `a` as Cyrillic U+0430 and U+0301 after every other letter, escapes
    /// left whole.
    static func disguise(_ body: [UInt8]) -> [UInt8] {
        insideStrings(body) { b, out in
            if b == UInt8(ascii: "a") {
                out += [0xD0, 0xB0]
            } else {
                out.append(b)
                if isLetter(b) { out += [0xCC, 0x81] }
            }
        }
    }

    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

    /// Letters the view reads as ASCII, each of another lead byte: Latin alpha, dotless i,
    /// long s, Armenian ho and oh, a squared capital A.
    static let latinLookalikes: [UInt8: [UInt8]] = [
        UInt8(ascii: "a"): Array("\u{0251}".utf8), UInt8(ascii: "i"): Array("\u{0131}".utf8),
        UInt8(ascii: "s"): Array("\u{017F}".utf8), UInt8(ascii: "h"): Array("\u{0570}".utf8),
        UInt8(ascii: "o"): Array("\u{0585}".utf8), UInt8(ascii: "A"): Array("\u{1F130}".utf8),
    ]

    /// `body` with `rewrite` writing each byte inside a string; quotes, bytes outside strings
    /// and escapes (a `\u` with its four hex digits) are copied as they are.
    static func insideStrings(_ body: [UInt8], _ rewrite: (UInt8, inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        var inString = false, i = 0
        while i < body.count {
            let b = body[i]
            if inString, b == 0x5C {
                let len = i + 1 < body.count && body[i + 1] == UInt8(ascii: "u") ? 6 : 2
                out += body[i ..< min(body.count, i + len)]
                i += len
                continue
            }
            if b == 0x22 {
                inString.toggle()
                out.append(b)
            } else if inString {
                rewrite(b, &out)
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    /// Every space inside a string written as `\u0020`.
    static func spacesEscaped(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        eachByte(body) { b, inString in
            if inString, b == 0x20 { out += Array(#"\u0020"#.utf8) } else { out.append(b) }
        }
        return out
    }

    /// Each byte, and whether it is inside a string's contents (its quotes are outside;
    /// the two bytes of an escape are inside).
    static func eachByte(_ body: [UInt8], _ visit: (UInt8, Bool) -> Void) {
        var inString = false, escaped = false
        for b in body {
            if !inString {
                visit(b, false)
                if b == 0x22 { inString = true }
            } else if escaped {
                escaped = false; visit(b, true)
            } else if b == 0x5C {
                escaped = true; visit(b, true)
            } else if b == 0x22 {
                inString = false; visit(b, false)
            } else {
                visit(b, true)
            }
        }
    }

    static func fail(_ why: String, _ body: [UInt8]) -> Never {
        let shown = String(decoding: body.prefix(600), as: UTF8.self)
        fatalError("veil-fuzz: \(why)\n  body (\(body.count) bytes): \(shown.debugDescription)")
    }
}
