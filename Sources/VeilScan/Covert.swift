// Which code points are covert-channel characters, by class. Pure tables: the context
// rules (emoji sequences, "inside a word", mixed scripts) live in HitSink+Covert.swift.

enum CovertClass: Equatable {
    case none
    /// Zero-width, bidi control, soft hyphen, other Cf, invisible fillers.
    case invisible
    /// U+E0000–E007F: hidden ASCII when it is not an emoji flag sequence.
    case tag
    /// U+FE00–FE0F, U+E0100–E01EF.
    case variationSelector
    /// Punctuation that looks like ASCII; a finding only inside an otherwise-ASCII word.
    case lookalike
    /// A space other than U+0020.
    case space
    /// A letter of a script that imitates Latin (Cyrillic, Greek): mixed-script check.
    case confusableLetter
    /// A C0 or C1 control other than tab, LF and CR (a finding of kind `invisible`).
    case control
    /// A private-use code point: no meaning Unicode gives it, so any meaning two parties agree on.
    case privateUse
    /// A combining mark (Mn, Me): ordinary alone, a finding in a long run (`markRun`).
    case mark
}

enum Covert {
    /// Classification of one non-ASCII scalar. Ordered so that the common letters of real
    /// text (Latin-1, CJK, emoji) leave after one or two comparisons.
    static func classify(_ c: UInt32) -> CovertClass {
        if c < 0xA0 { return c < 0x20 || c >= 0x7F ? byProperties(c) : .none }
        if c < 0x0370 { return latinRange(c) }
        if c < 0x0530 {
            // U+037E GREEK QUESTION MARK is the classic look-alike of `;`.
            if c == 0x037E { return .lookalike }
            // Combining Cyrillic marks are marks, not letters: the view drops them, as it does
            // U+0301 (`Shang\u{0483}hai` is the time zone), and a run of them is data.
            if c >= 0x0483 && c <= 0x0489 { return .mark }
            return (c == 0x03BC || c == 0x03A9 || c == 0x0374 || c == 0x0387) ? .none : .confusableLetter
        }
        if c >= 0x3040 && c < 0xD800 {
            if c >= 0xA640 && c <= 0xA69F {
                return (0xA66F ... 0xA67D).contains(c) || c >= 0xA69E ? byProperties(c) : .confusableLetter
            }
            // CJK and Hangul syllables hold no mark, format or space: no lookup for them.
            return (c >= 0x3400 && c < 0xA000) || c >= 0xAC00 ? .none : byProperties(c)
        }
        if c < 0x2000 { return middle(c) }
        if c < 0x2070 { return generalPunctuation(c) }
        if c < 0x3040 {
            if c == 0x2212 || c == 0x2215 { return .lookalike }
            return byProperties(c)  // U+2DE0-2DFF, combining Cyrillic letters, are marks (Mn)
        }
        if c >= 0xFF01 && c <= 0xFF5E { return .lookalike }
        return byProperties(c)
    }

    /// What Unicode's own properties say (the standard library's tables), so that code points
    /// a later Unicode version adds are classed without a list. Plane 14 is all hidden data
    /// but for its selectors: tags spell ASCII, and U+E0080–E00FF the bytes above it.
    static func byProperties(_ c: UInt32) -> CovertClass {
        guard let s = Unicode.Scalar(c) else { return .none }
        let p = s.properties
        if p.isVariationSelector { return .variationSelector }
        if c >= 0xE0000 && c <= 0xE0FFF { return .tag }
        switch p.generalCategory {
        case .control: return c == 0x09 || c == 0x0A || c == 0x0D ? .none : .control
        case .format: return .invisible
        case .privateUse: return .privateUse
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: return c == 0x20 ? .none : .space
        case .nonspacingMark, .enclosingMark: return p.isDefaultIgnorableCodePoint ? .invisible : .mark
        default:
            // U+2800 BRAILLE PATTERN BLANK is a symbol that prints as nothing (a favourite
            // filler where a zero-width character would be stripped).
            return p.isDefaultIgnorableCodePoint || c == 0x2800 ? .invisible : .none
        }
    }

    private static func latinRange(_ c: UInt32) -> CovertClass {
        switch c {
        case 0x00A0: return .space
        case 0x00AD, 0x034F: return .invisible
        case 0x02B9, 0x02BA, 0x02BC, 0x02C8, 0x02CB, 0x02CA: return .lookalike
        case 0x0300 ..< 0x0370: return .mark
        default: return .none
        }
    }

    private static func middle(_ c: UInt32) -> CovertClass {
        switch c {
        case 0x1C80 ... 0x1C8F, 0x1D2B, 0x1D78, 0x1F00 ... 0x1FFF: return .confusableLetter
        default: return byProperties(c)
        }
    }

    private static func generalPunctuation(_ c: UInt32) -> CovertClass {
        switch c {
        case 0x2010 ... 0x2015, 0x2018 ... 0x201F, 0x2032, 0x2033, 0x2035, 0x2044, 0x2024, 0x2027:
            return .lookalike
        default: return byProperties(c)
        }
    }

    /// Scalars after which U+FE0E/U+FE0F and U+200D are part of an emoji sequence.
    static func isEmojiBase(_ c: UInt32) -> Bool {
        switch c {
        case 0x1F000 ... 0x1FAFF, 0x2600 ... 0x27BF, 0x2300 ... 0x23FF, 0x2B00 ... 0x2BFF,
             0x2190 ... 0x21FF, 0x25A0 ... 0x25FF, 0x2900 ... 0x297F,
             0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299,
             0x20E3:
            return true
        default: return false
        }
    }

    /// Keycap bases: `1️⃣` is `1` U+FE0F U+20E3.
    static func isKeycapBase(_ c: UInt32) -> Bool {
        (c >= 0x30 && c <= 0x39) || c == 0x23 || c == 0x2A
    }

    static func isIdeograph(_ c: UInt32) -> Bool {
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x3FFFF)
            || (c >= 0xF900 && c <= 0xFAFF)
    }

    enum Script { case latin, greek, cyrillic, other }

    /// The script of a letter for the mixed-script check; `nil` for non-letters, which end
    /// a word. Digits and unit symbols (µ, Ω) are `.other` and never mix.
    static func script(_ c: UInt32) -> Script? {
        if c < 0x80 {
            if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A { return .latin }
            if c >= 0x30 && c <= 0x39 { return .other }
            return nil
        }
        switch c {
        case 0x00C0 ... 0x024F: return c == 0xD7 || c == 0xF7 ? nil : .latin
        case 0x1E00 ... 0x1EFF: return .latin
        case 0x03BC, 0x03A9, 0x00B5: return .other
        case 0x0370 ... 0x03FF, 0x1F00 ... 0x1FFF: return .greek
        case 0x0400 ... 0x052F, 0x1C80 ... 0x1C8F, 0x2DE0 ... 0x2DFF, 0xA640 ... 0xA69F: return .cyrillic
        default: return nil
        }
    }
}
