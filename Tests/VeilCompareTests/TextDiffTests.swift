import Foundation
import Testing
@testable import VeilCompare

@Suite struct TextDiffTests {
    @Test func apostropheChangeIsOneScalar() {
        let a = scalars("Don't run commands the user hasn't asked for."), b = scalars("Don\u{02BC}t run commands the user hasn\u{02BC}t asked for.")
        let h = TextDiff.hunks(a, b)
        #expect(h.count == 2)
        #expect(h.allSatisfy { text(a, $0.left) == "'" && text(b, $0.right) == "\u{02BC}" })
    }

    @Test func dateSeparatorsMergeIntoOneChange() {
        let a = scalars("Today's date is 2026-07-01. Bye"), b = scalars("Today's date is 2026/07/01. Bye")
        let h = TextDiff.hunks(a, b)
        #expect(h.count == 1)
        #expect(text(a, h[0].left) == "-07-" && text(b, h[0].right) == "/07/")
    }

    @Test func insertionsAndDeletions() {
        let a = scalars("alpha beta gamma"), b = scalars("alpha gamma delta")
        let h = TextDiff.hunks(a, b)
        #expect(h.count == 2)
        #expect(h.map { text(a, $0.left) }.joined().trimmingCharacters(in: .whitespaces) == "beta")
        #expect(h.map { text(b, $0.right) }.joined().trimmingCharacters(in: .whitespaces) == "delta")
    }

    @Test func invisibleCharacterIsFound() {
        let a = scalars("hello world"), b = scalars("hello\u{200B} world")
        let h = TextDiff.hunks(a, b)
        #expect(h.count == 1 && h[0].left.isEmpty && text(b, h[0].right) == "\u{200B}")
    }

    @Test func identicalAndEmpty() {
        #expect(TextDiff.hunks(scalars("same"), scalars("same")).isEmpty)
        #expect(TextDiff.hunks([], scalars("new")) == [TextHunk(left: 0 ..< 0, right: 0 ..< 3)])
        #expect(TextDiff.hunks(scalars("old"), []) == [TextHunk(left: 0 ..< 3, right: 0 ..< 0)])
    }

    @Test func myersFindsAMinimalScript() {
        let r = Myers.diff([1, 2, 3, 4, 5], [1, 9, 3, 4, 6, 5], maxEdits: 100)!
        #expect(r.count == 2)
        #expect(r[0].0 == 1 ..< 2 && r[0].1 == 1 ..< 2)
        #expect(r[1].0 == 4 ..< 4 && r[1].1 == 4 ..< 5)
        #expect(Myers.diff(Array(0 ..< 50), Array(100 ..< 150), maxEdits: 10) == nil)
    }

    @Test func longPromptsWithOneChangeStayFast() {
        let base = String(repeating: "You are a coding agent and you write careful code. ", count: 2000)
        let a = scalars(base + "date 2026-07-01"), b = scalars(base + "date 2026/07/01")
        let h = TextDiff.hunks(a, b)
        #expect(h.count == 1)
    }
}
