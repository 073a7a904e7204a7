import Foundation

// The normalised view the canary matcher also reads (HitSink+Normalised.swift): each scalar as
// a model reads it. A model reads `Ａｓｉａ／Ｓｈａｎｇｈａｉ`, `𝐒𝐡𝐚𝐧𝐠𝐡𝐚𝐢`, `Shanghai` with a
// Cyrillic `а`, and `Shan̈ghai` with a mark or a NUL inside as the time zone, so the view
// writes each of them as `Shanghai`:
// - dropped: what Unicode says is not a character of the word: default-ignorables and format
//   characters, variation selectors, tags, controls, combining marks, private use;
// - NFKC (compatibility forms: fullwidth, mathematical alphanumerics, ligatures, circled
//   and superscript forms, `㎏`), kept only where it gives ASCII;
// - a UTS #39-style skeleton for letters that look Latin (`confusables`).
// Precomposed letters stay as they are (`é` is not `e`, and NFKC keeps it): the accent is
// visible, and a name with one is another name. ASCII stays as it is: look-alikes within
// ASCII (`l` for `I`, `0` for `O`) are out of scope, as are letters for digits.

enum Fold {
    /// How one scalar appears in the view: nil when as it is, empty when dropped. Read for
    /// every non-ASCII scalar of a text the view is made of (prose in another script has
    /// one in every word): from a table below U+20000, not from classes and dictionaries.
    @inline(__always) static func of(_ c: UInt32) -> [UInt8]? {
        guard c < 0x20000, !(0xD800 ... 0xDFFF).contains(c) else { return compute(c) }
        let t = table
        let page = Int(t.pageIndex[Int(c >> 8)])
        return page < 0 ? nil : t.pages[page &* 256 &+ Int(c & 0xFF)]
    }

    static func compute(_ c: UInt32) -> [UInt8]? {
        if c < 0x80 { return Covert.classify(c) == .control ? [] : nil }
        switch Covert.classify(c) {
        case .invisible, .tag, .variationSelector, .control, .mark, .privateUse: return []
        default: break
        }
        if let a = confusables[c] { return [a] }
        // Every compatibility block lies below U+20000: above, no need to build that table.
        return c < 0x20000 ? compatibility[c] : nil
    }

    /// A canary or pattern as the view writes it.
    static func string(_ s: String) -> String {
        var out: [UInt8] = []
        for u in s.unicodeScalars {
            if let f = of(u.value) { out += f } else { out += String(u).utf8 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether the view differs from the text at `c`: a text holding one is looked at again.
    @inline(__always) static func changes(_ c: UInt32) -> Bool {
        c < 0x20000 ? table.changed[Int(c >> 6)] & 1 << UInt64(c & 63) != 0 : of(c) != nil
    }

    /// `compute` below U+20000 (surrogates aside), made once: per block of 256 scalars with
    /// any change, a page of results; and one bit per scalar, whether it changes.
    struct Table {
        var pageIndex = [Int16](repeating: -1, count: 0x200)
        var pages: [[UInt8]?] = []
        /// The same results as single words, for the view's loop (no array to retain per
        /// scalar): 0 unchanged; else 0x10, the length in the low four bits (15: longer than
        /// seven bytes, ask `of`) and the bytes from bit 8 on.
        var packed: [UInt64] = []
        var changed = [UInt64](repeating: 0, count: 0x20000 >> 6)
        /// The most view bytes a byte of text becomes (`⒇`, three bytes, is `(20)`).
        var growth = 1
    }

    static func pack(_ f: [UInt8]) -> UInt64 {
        guard f.count <= 7 else { return 0x1F }
        return f.enumerated().reduce(0x10 | UInt64(f.count)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset + 8) }
    }

    /// `body` with the packed table: its page index (by scalar >> 8) and its pages.
    @inline(__always)
    static func withPacked<R>(_ body: (UnsafeBufferPointer<Int16>, UnsafeBufferPointer<UInt64>) -> R) -> R {
        let t = table
        return t.pageIndex.withUnsafeBufferPointer { index in t.packed.withUnsafeBufferPointer { body(index, $0) } }
    }

    /// Bytes of view per byte of text, at most: what a view's buffer must hold.
    static var growth: Int { table.growth }

    /// Made from the changes as built into veil (Fold+Built.swift), which a test holds equal
    /// to `compute` for every scalar: computing them from Unicode's properties at start took
    /// the inspector ~15 ms, which an agent's first request waited for.
    private static let table: Table = table(from: FoldChanges(built: builtDropped, builtReplaced) ?? .computed())

    static func table(from changes: FoldChanges) -> Table {
        var t = Table()
        func set(_ c: UInt32, _ f: [UInt8]) {
            let block = Int(c >> 8)
            if t.pageIndex[block] < 0 {
                t.pageIndex[block] = Int16(t.pages.count / 256)
                t.pages += [[UInt8]?](repeating: nil, count: 256)
                t.packed += [UInt64](repeating: 0, count: 256)
            }
            t.pages[Int(t.pageIndex[block]) &* 256 &+ Int(c & 0xFF)] = f
            t.packed[Int(t.pageIndex[block]) &* 256 &+ Int(c & 0xFF)] = pack(f)
            t.changed[Int(c >> 6)] |= 1 << UInt64(c & 63)
            let len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
            t.growth = max(t.growth, (f.count + len - 1) / len)
        }
        for run in changes.dropped where run.upperBound < 0x20000 {
            for c in run where !(0xD800 ... 0xDFFF).contains(c) { set(c, []) }
        }
        for r in changes.replaced where r.scalar < 0x20000 && !(0xD800 ... 0xDFFF).contains(r.scalar) {
            set(r.scalar, r.bytes)
        }
        return t
    }

    /// The blocks where compatibility forms of ASCII live; NFKC once each, when first needed.
    static let compatibilityBlocks: [Range<UInt32>] = [
        0x00A0 ..< 0x0250, 0x02B0 ..< 0x0300, 0x1D00 ..< 0x1DC0, 0x2000 ..< 0x2500, 0x3000 ..< 0x3400,
        0xFB00 ..< 0xFB07, 0xFE10 ..< 0xFE70, 0xFF00 ..< 0xFFF0, 0x1D400 ..< 0x1D800, 0x1F100 ..< 0x1F200,
        0x1FBF0 ..< 0x1FBFA,
    ]

    static let compatibility: [UInt32: [UInt8]] = {
        var out: [UInt32: [UInt8]] = [:]
        for block in compatibilityBlocks {
            for c in block {
                guard let u = Unicode.Scalar(c) else { continue }
                var bytes: [UInt8] = []
                for s in String(u).precomposedStringWithCompatibilityMapping.unicodeScalars {
                    if s.isASCII { bytes.append(UInt8(s.value)) } else if let a = confusables[s.value] { bytes.append(a) } else { bytes = []; break }
                }
                // Only what can stand in a canary: `…` is three dots to NFKC, and in every
                // other sentence, but never part of a host name or a zone.
                let useful = bytes.contains { Matcher.isWord($0) } || (bytes.count == 1 && Array("/:+-._@ ".utf8).contains(bytes[0]))
                if !bytes.isEmpty, useful { out[c] = bytes }
            }
        }
        return out
    }()

    /// Letters of other scripts, and punctuation, that look like ASCII (after UTS #39's
    /// confusables.txt, the common ones): Cyrillic, Greek, Armenian, Cherokee and IPA
    /// letters, Latin small capitals, and the dashes, slashes and dots a canary holds. The
    /// en and em dashes are not among them: prose is full of them, and each would have the
    /// text read twice (they are `lookalike` findings inside an ASCII word). Case is kept, so that an
    /// acronym (PRC) still matches only in its case.
    static let confusables: [UInt32: UInt8] = {
        let pairs: [(String, String)] = [
            // Cyrillic
            ("аеорсухѕіјһԁԛԝӏɡ", "aeopcyxsijhdqwlg"),
            ("АВЕКМНОРСТХУЅІЈԚԜҮҺӀЗЬ", "ABEKMHOPCTXYSIJQWYHI3b"),
            // Greek
            ("αοντυικχϲϳ", "aovtuikxcj"),
            ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ", "ABEZHIKMNOPTYXC"),
            // Armenian, Cherokee, IPA and other Latin look-alikes
            ("օսհոցզ", "ouhngq"), ("ᎪᏴᏟᎬᎻᏆᎫᏦᏞᎷᏃ", "ABCEHIJKLMZ"), ("ıɑɩʏ", "iaiy"),
            // Latin small capitals: those drawn as a lowercase letter, and the others as the
            // capital they are (canaries match without case, acronyms aside).
            ("ᴄᴏᴑᴜᴠᴡᴢꜱ", "coouvwzs"), ("ᴀʙᴅᴇɢʜɪᴊᴋʟᴍɴᴘʀᴛ", "ABDEGHIJKLMNPRT"),
            // Punctuation inside canaries: paths, host names, offsets, locales
            ("‐‑‒−⁃˗∕⁄∶꞉", "------//::"),
        ]
        var t: [UInt32: UInt8] = [:]
        for (from, to) in pairs {
            for (f, a) in zip(from.unicodeScalars, to.utf8) { t[f.value] = a }
        }
        return t
    }()
}
