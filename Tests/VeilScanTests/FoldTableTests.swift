import Testing
import VeilProfile
@testable import VeilScan

/// The view's table is made from the changes built into veil (Fold+Built.swift), not from
/// Unicode's properties at start: both must say the same for every scalar.
@Suite struct FoldTableTests {
    /// A change to the view (a class, a confusable, a compatibility block) or a Swift with
    /// other Unicode data fails here until scripts/embed-profiles runs.
    @Test func theBuiltChangesAreWhatUnicodesPropertiesSay() throws {
        let built = try #require(FoldChanges(built: Fold.builtDropped, Fold.builtReplaced), "Fold+Built.swift does not parse")
        let current = built == FoldChanges.computed()  // a Bool: the tables themselves print as 200 KB
        #expect(current, "Fold+Built.swift is out of date: run scripts/embed-profiles")
        let tests = "\(#filePath)".split(separator: "/").prefix { $0 != "Tests" }
        let path = "/" + tests.joined(separator: "/") + "/Sources/VeilScan/Fold+Built.swift"
        let text = try #require(HostFiles.read(path), "cannot read \(path)")
        let same = String(decoding: text, as: UTF8.self) == FoldChanges.builtSource()
        #expect(same, "Fold+Built.swift is out of date: run scripts/embed-profiles")
    }

    /// The table answers exactly as `compute` does, scalar by scalar, below U+20000.
    @Test func theTableAnswersAsComputeForEveryScalar() {
        var wrong: [UInt32] = []
        var growth = 1
        for c in UInt32(0) ..< 0x20000 where !(0xD800 ... 0xDFFF).contains(c) {
            let expected = Fold.compute(c)
            let packed = Fold.withPacked { index, pages in index[Int(c >> 8)] < 0 ? 0 : pages[Int(index[Int(c >> 8)]) * 256 + Int(c & 0xFF)] }
            if Fold.of(c) != expected || Fold.changes(c) != (expected != nil) || packed != (expected.map(Fold.pack) ?? 0) {
                wrong.append(c)
            }
            let len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
            growth = max(growth, ((expected?.count ?? 0) + len - 1) / len)
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10).map { String($0, radix: 16) })")
        // The view's buffers are sized by it: too small would overrun them.
        #expect(Fold.growth == growth && growth >= 1)
        // Above the table, compute answers (a tag character, a plane-2 ideograph).
        #expect(Fold.of(0xE0041) == [] && Fold.of(0x20000) == nil)
    }

    @Test func theBuiltTextsRoundTripAndRefuseWhatIsMalformed() throws {
        let changes = FoldChanges.computed()
        let (dropped, replaced) = changes.built
        #expect(FoldChanges(built: dropped, replaced) == changes)
        #expect(FoldChanges(built: "300-36f 5bf", "ff21=41 2044=2f") == {
            var c = FoldChanges()
            c.dropped = [0x300 ... 0x36F, 0x5BF ... 0x5BF]
            c.replaced = [.init(scalar: 0xFF21, bytes: [0x41]), .init(scalar: 0x2044, bytes: [0x2F])]
            return c
        }())
        for bad in [("36f-300", ""), ("x", ""), ("1-2-3", ""), ("", "41"), ("", "41="), ("", "41=4"), ("", "41=zz"), ("1234567", "")] {
            #expect(FoldChanges(built: bad.0, bad.1) == nil, "\(bad)")
        }
    }
}
