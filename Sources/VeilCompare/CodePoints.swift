import VeilProfile
import VeilScan

// The code points of a change as structure, for the JSON and HTML reports: `[U+02BC]` written
// into text cannot be told from the same eight characters typed by the agent, while a list of
// {offset, code point, name} can. Which are listed, the first `limit` of them: in a short
// change (at most `shortChange` code points, where a look-alike swap shows) every code point
// but ASCII letters and digits, so `'` U+0027 stands opposite `ʼ` U+02BC and `/` opposite `-`;
// in a longer one every code point outside printable ASCII, tab and line ends aside.

public struct NotableCodePoint: Equatable, Sendable {
    /// Position in the changed text, in code points (Python's `str` index, not UTF-16).
    public var offset: Int
    public var scalar: Unicode.Scalar
    /// Unicode's name (or its alias for controls), nil for unnamed ones (private use, unassigned).
    public var name: String?
    /// Two-letter general category (`Lm`, `Cf`, `Zs`).
    public var category: String
    /// Shows no glyph of its own, or acts on the text around it (format, bidi, spaces, marks,
    /// controls, private use): a page shows a named box instead of the character.
    public var invisible: Bool

    /// `U+02BC`.
    public var codePoint: String { codePointName(scalar.value) }
}

public enum CodePoints {
    public static let limit = 64
    public static let shortChange = 8

    public static func notable(_ s: String, limit: Int = CodePoints.limit) -> [NotableCodePoint] {
        var out: [NotableCodePoint] = []
        let short = s.unicodeScalars.count <= shortChange
        for (i, u) in s.unicodeScalars.enumerated() where isNotable(u, short: short) {
            out.append(NotableCodePoint(offset: i, scalar: u, name: name(u), category: category(u), invisible: isInvisible(u)))
            if out.count == limit { break }
        }
        return out
    }

    /// How many code points `notable` would list without a limit.
    public static func notableCount(_ s: String) -> Int {
        let short = s.unicodeScalars.count <= shortChange
        return s.unicodeScalars.reduce(0) { $0 + (isNotable($1, short: short) ? 1 : 0) }
    }

    static func isNotable(_ u: Unicode.Scalar, short: Bool) -> Bool {
        let v = u.value, l = v | 0x20
        if short { return !((v >= 0x30 && v <= 0x39) || (l >= 0x61 && l <= 0x7A)) }
        return !(v >= 0x20 && v < 0x7F) && u != "\n" && u != "\r" && u != "\t"
    }

    /// The C0 controls a prompt holds have no Unicode name, only aliases the standard library
    /// does not carry.
    static let controlNames: [UInt32: String] = [
        0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED", 0x0B: "LINE TABULATION",
        0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE",
    ]

    public static func name(_ u: Unicode.Scalar) -> String? {
        if let n = u.properties.name ?? u.properties.nameAlias ?? controlNames[u.value] { return n }
        let described = describeCodePoint(u.value)
        let prefix = codePointName(u.value)
        return described.count > prefix.count ? String(described.dropFirst(prefix.count + 1)) : nil
    }

    /// Nothing to see, or an effect on its neighbours: what a report must never put on a page
    /// or terminal as itself.
    public static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v == 0x20 { return false }
        if v < 0x20 || v == 0x7F { return true }
        if v < 0x80 { return false }
        // Blank glyphs that are letters or symbols by category.
        if [0x2800, 0x3164, 0x115F, 0x1160, 0xFFA0, 0x034F].contains(v) { return true }
        if u.properties.isDefaultIgnorableCodePoint || u.properties.isWhitespace { return true }
        switch u.properties.generalCategory {
        case .format, .control, .spaceSeparator, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate,
             .nonspacingMark, .enclosingMark, .spacingMark:
            return true
        default: return false
        }
    }

    public static func category(_ u: Unicode.Scalar) -> String {
        switch u.properties.generalCategory {
        case .uppercaseLetter: return "Lu"
        case .lowercaseLetter: return "Ll"
        case .titlecaseLetter: return "Lt"
        case .modifierLetter: return "Lm"
        case .otherLetter: return "Lo"
        case .nonspacingMark: return "Mn"
        case .spacingMark: return "Mc"
        case .enclosingMark: return "Me"
        case .decimalNumber: return "Nd"
        case .letterNumber: return "Nl"
        case .otherNumber: return "No"
        case .connectorPunctuation: return "Pc"
        case .dashPunctuation: return "Pd"
        case .openPunctuation: return "Ps"
        case .closePunctuation: return "Pe"
        case .initialPunctuation: return "Pi"
        case .finalPunctuation: return "Pf"
        case .otherPunctuation: return "Po"
        case .mathSymbol: return "Sm"
        case .currencySymbol: return "Sc"
        case .modifierSymbol: return "Sk"
        case .otherSymbol: return "So"
        case .spaceSeparator: return "Zs"
        case .lineSeparator: return "Zl"
        case .paragraphSeparator: return "Zp"
        case .control: return "Cc"
        case .format: return "Cf"
        case .surrogate: return "Cs"
        case .privateUse: return "Co"
        case .unassigned: return "Cn"
        @unknown default: return "Cn"
        }
    }
}
