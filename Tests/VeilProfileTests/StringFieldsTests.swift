import Glibc
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

    /// Whole contents whatever the file says of its size: a regular file (empty, and larger
    /// than a first guess), a /proc file that says 0 and holds more than 4 KiB, a pipe.
    @Test func readReturnsWholeContents() throws {
        let path = "/tmp/veil-read-\(getpid())"
        defer { unlink(path) }
        for size in [0, 1, 4095, 4096, 70_000] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == size)
            close(fd)
            #expect(HostFiles.read(path) == bytes, "\(size) bytes")
        }
        // The 65th mapping line is past 4 KiB: growth by doubling, all of it read.
        let maps = try #require(HostFiles.read("/proc/self/maps"))
        #expect(maps.count > 4096 && maps.last == UInt8(ascii: "\n"))
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let sent = Array(repeating: UInt8(ascii: "p"), count: 10_000)
        #expect(sent.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } == sent.count)
        close(ends[1])
        #expect(HostFiles.read(fd: ends[0]) == sent)
        close(ends[0])
        #expect(HostFiles.read("/nonexistent/veil") == nil)
    }
}
