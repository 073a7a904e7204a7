import Testing
@testable import VeilProfile

/// The byte-level splitter and prefix test the launcher uses on host files and paths.
@Suite struct StringFieldsTests {
    @Test func fieldsMatchSplitOnASCII() {
        for text in ["", "a", "::", "root:x:0:0:Ré Admin,,,:/root:/bin/bash", ":a::b:", "é:ü:😀"] {
            #expect(text.fields(UInt8(ascii: ":")) == text.split(separator: ":"))
            #expect(text.fields(UInt8(ascii: ":"), omittingEmpty: false)
                == text.split(separator: ":", omittingEmptySubsequences: false))
        }
    }

    /// Multibyte text between separators (a combining mark, an emoji) comes back whole.
    @Test func fieldsKeepMultibyteTextIntact() {
        let f = "caf\u{E9}:cafe\u{301}:\u{1F600}".fields(UInt8(ascii: ":"))
        #expect(f.map(String.init) == ["caf\u{E9}", "cafe\u{301}", "\u{1F600}"])
    }

    /// Paths compare as the kernel compares them: byte for byte, so a decomposed é is not the
    /// composed one (hasPrefix would call them equal).
    @Test func startsBytewiseIsByteForByte() {
        #expect("/home/user/work".startsBytewise(with: "/home/user/"))
        #expect(!"/home/use".startsBytewise(with: "/home/user/"))
        #expect("/x".startsBytewise(with: ""))
        #expect("caf\u{E9}/x".hasPrefix("cafe\u{301}"))
        #expect(!"caf\u{E9}/x".startsBytewise(with: "cafe\u{301}"))
        let long = String(repeating: "a/", count: 40)
        #expect((long + "tail").startsBytewise(with: long))
        #expect(!long.startsBytewise(with: long + "tail"))
    }

    /// Paths standardised on bytes: `.` and empty parts dropped, `..` takes back one part and
    /// never climbs above the root, decomposed text kept as written.
    @Test func standardizeFoldsDotsOnBytes() {
        let cases: [(String, String)] = [
            ("/", "/"), ("//", "/"), ("/a/b", "/a/b"), ("/a//b/", "/a/b"), ("/a/./b/.", "/a/b"),
            ("/a/b/..", "/a"), ("/a/../..", "/"), ("/../a", "/a"), ("/a/b/../../c", "/c"),
            ("/cafe\u{301}/../caf\u{E9}/x", "/caf\u{E9}/x"), ("/..a/b..", "/..a/b.."),
        ]
        for (path, standard) in cases { #expect(HostFiles.standardize(path) == standard, "\(path)") }
        #expect(HostFiles.standardize("rel/./x") == HostFiles.standardize(HostFiles.currentDirectory() + "/rel/x"))
    }
}
