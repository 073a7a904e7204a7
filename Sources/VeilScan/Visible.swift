// Findings end up in terminals, JSON records and API error messages. Anything that is not
// printable ASCII is written as [U+XXXX] so that the covert characters themselves never
// travel onwards and a reader sees exactly which code point was there.

/// `don[U+02BC]t`: printable ASCII kept, `\n` `\r` `\t` escaped, everything else `[U+XXXX]`.
public func visible(_ s: Substring) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        switch u.value {
        case 0x20 ..< 0x7F: out.unicodeScalars.append(u)
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        default: out += "[" + codePointName(u.value) + "]"
        }
    }
    return out
}

public func visible(_ s: String) -> String { visible(Substring(s)) }

/// `U+02BC` (at least four hex digits, as Unicode writes them).
public func codePointName(_ cp: UInt32) -> String {
    let hex = String(cp, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}

/// `U+02BC MODIFIER LETTER APOSTROPHE`, from the standard library's Unicode names.
public func describeCodePoint(_ cp: UInt32) -> String {
    guard let u = Unicode.Scalar(cp) else { return codePointName(cp) }
    if let name = u.properties.name ?? u.properties.nameAlias { return codePointName(cp) + " " + name }
    if (0xFE00 ... 0xFE0F).contains(cp) { return codePointName(cp) + " VARIATION SELECTOR-\(cp - 0xFE00 + 1)" }
    if (0xE0100 ... 0xE01EF).contains(cp) { return codePointName(cp) + " VARIATION SELECTOR-\(cp - 0xE0100 + 17)" }
    return codePointName(cp)
}
