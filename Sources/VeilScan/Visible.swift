import VeilProfile

// Findings end up in terminals, JSON records and API error messages. Anything that is not
// printable ASCII is written as [U+XXXX] so that the covert characters themselves never
// travel onwards and a reader sees exactly which code point was there.

/// `don[U+02BC]t`: printable ASCII kept, `\n` `\r` `\t` escaped, everything else `[U+XXXX]`.
public func visible(_ s: Substring) -> String {
    // Most excerpts are plain ASCII: one pass over the bytes, then the text as it is.
    if s.utf8.allSatisfy({ $0 &- 0x20 < 0x5F }) { return String(s) }
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count + 16)
    for u in s.unicodeScalars {
        switch u.value {
        case 0x20 ..< 0x7F: out.append(UInt8(u.value))
        case 0x0A: out += [0x5C, 0x6E]
        case 0x0D: out += [0x5C, 0x72]
        case 0x09: out += [0x5C, 0x74]
        default: out.append(0x5B); out += codePointName(u.value).utf8; out.append(0x5D)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

public func visible(_ s: String) -> String { visible(Substring(s)) }

/// `U+02BC MODIFIER LETTER APOSTROPHE`, from the standard library's Unicode names.
public func describeCodePoint(_ cp: UInt32) -> String {
    guard let u = Unicode.Scalar(cp) else { return codePointName(cp) }
    if let name = u.properties.name ?? u.properties.nameAlias { return codePointName(cp) + " " + name }
    if (0xFE00 ... 0xFE0F).contains(cp) { return codePointName(cp) + " VARIATION SELECTOR-\(cp - 0xFE00 + 1)" }
    if (0xE0100 ... 0xE01EF).contains(cp) { return codePointName(cp) + " VARIATION SELECTOR-\(cp - 0xE0100 + 17)" }
    return codePointName(cp)
}
