// TOML numbers: decimal, hex, octal and binary integers with `_` between digits; floats with
// fraction and/or exponent; inf and nan. Stricter than Swift's own parsing on purpose
// (no leading zeros, no `1.`), because TOML is.

enum TOMLNumber {
    static func parse(_ token: String, at position: SourcePosition) throws -> TOMLValue {
        func fail(_ why: String) -> TOMLError { TOMLError("invalid number '\(token)': \(why)", at: position) }
        switch token {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if let radix = radixPrefix(token) {
            let digits = token.dropFirst(2)
            guard isDigitRun(digits, radix: radix) else { throw fail("bad digits for base \(radix)") }
            guard let v = Int64(digits.filter { $0 != "_" }, radix: radix) else {
                throw fail("does not fit in 64 bits")
            }
            return .integer(v)
        }
        var body = Substring(token)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return .float(try parseFloat(body, token: token, fail: fail))
        }
        guard isDigitRun(body, radix: 10) else { throw fail("not a number") }
        if body.count > 1, body.first == "0" { throw fail("leading zeros are not allowed") }
        guard let v = Int64(token.filter { $0 != "_" }) else {
            throw fail("does not fit in 64 bits")
        }
        return .integer(v)
    }

    private static func parseFloat(_ body: Substring, token: String, fail: (String) -> TOMLError) throws -> Double {
        var mantissa = body, exponent: Substring? = nil
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            var exp = body[body.index(after: e)...]
            if exp.first == "+" || exp.first == "-" { exp = exp.dropFirst() }
            exponent = exp
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, isDigitRun(parts[0], radix: 10) else { throw fail("bad digits before the fraction") }
        if parts[0].count > 1, parts[0].first == "0" { throw fail("leading zeros are not allowed") }
        if parts.count == 2, !isDigitRun(parts[1], radix: 10) { throw fail("a '.' needs digits on both sides") }
        if let exponent, !isDigitRun(exponent, radix: 10) { throw fail("bad exponent") }
        guard let v = Double(token.filter { $0 != "_" }) else { throw fail("not a number") }
        return v
    }

    private static func radixPrefix(_ token: String) -> Int? {
        if token.hasPrefix("0x") { return 16 }
        if token.hasPrefix("0o") { return 8 }
        if token.hasPrefix("0b") { return 2 }
        return nil
    }

    /// Digits of the radix, with each `_` between two digits.
    static func isDigitRun(_ s: Substring, radix: Int) -> Bool {
        guard !s.isEmpty, s.first != "_", s.last != "_" else { return false }
        var previousUnderscore = false
        for ch in s {
            if ch == "_" {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if let d = ch.hexDigitValue, d < radix, ch.isASCII {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    /// `1979-05-27`, `07:32:00`, `1979-05-27T07:32:00Z`: refused rather than misread as numbers.
    static func looksLikeDateTime(_ token: String) -> Bool {
        let s = Array(token.unicodeScalars)
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= s.count && r.allSatisfy { ("0"..."9").contains(s[$0]) } }
        if digits(0..<4), s.count > 4, s[4] == "-", digits(5..<7), s.count > 7, s[7] == "-" { return true }
        if digits(0..<2), s.count > 2, s[2] == ":" { return true }
        return false
    }
}
