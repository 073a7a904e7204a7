import Testing
@testable import VeilProfile

/// A compact rendering of a parsed document, so expectations fit in a table row.
func render(_ v: TOMLValue) -> String {
    switch v {
    case .string(let s): return "\"" + s.unicodeScalars.map { $0.value < 0x20 || $0.value > 0x7E ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    case .integer(let i): return "\(i)"
    case .float(let d): return d.isNaN ? "nan" : "\(d)"
    case .boolean(let b): return "\(b)"
    case .array(let a): return "[" + a.map { render($0.value) }.joined(separator: ",") + "]"
    case .table(let t): return render(t)
    }
}

func render(_ t: TOMLTable) -> String {
    "{" + t.entries.map { "\($0.key)=\(render($0.node.value))" }.joined(separator: ",") + "}"
}

@Suite struct TOMLParserTests {
    static let valid: [(String, String)] = [
        ("", "{}"),
        ("# only a comment\n\n", "{}"),
        ("a = 1", "{a=1}"),
        ("a = 1 # trailing comment\r\nb = 2\r\n", "{a=1,b=2}"),
        ("bare_key-1 = true", "{bare_key-1=true}"),
        ("\"quoted key\" = false", "{quoted key=false}"),
        ("'lit.key' = 1", "{lit.key=1}"),
        ("\"\" = 1", "{=1}"),
        ("a.b.c = 1", "{a={b={c=1}}}"),
        ("a . \"b\" . c = 1", "{a={b={c=1}}}"),
        ("a.b = 1\na.c = 2", "{a={b=1,c=2}}"),
        ("s = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"", "{s=\"tab\\u{9}here \"q\" \\ \\u{e9} \\u{1f600}\"}"),
        ("s = 'C:\\path\\no escapes'", "{s=\"C:\\path\\no escapes\"}"),
        ("s = \"\"\"\nline1\nline2\"\"\"", "{s=\"line1\\u{a}line2\"}"),
        ("s = \"\"\"a \\\n    b\"\"\"", "{s=\"a b\"}"),
        ("s = \"\"\"x\"\"\"\"\"", "{s=\"x\"\"\"}"),
        ("s = '''\nraw \\n 'quoted'\n'''", "{s=\"raw \\n 'quoted'\\u{a}\"}"),
        ("i = +17\nj = -0\nk = 1_000", "{i=17,j=0,k=1000}"),
        ("h = 0xDEAD_beef\no = 0o755\nb = 0b1010", "{h=3735928559,o=493,b=10}"),
        ("max = 9223372036854775807", "{max=9223372036854775807}"),
        ("f = 3.14\ng = -1e3\nh = 6.626e-34\ni = 1_000.5", "{f=3.14,g=-1000.0,h=6.626e-34,i=1000.5}"),
        ("f = inf\ng = -inf\nh = nan", "{f=inf,g=-inf,h=nan}"),
        ("a = [1, 2, 3]", "{a=[1,2,3]}"),
        ("a = [\n  \"x\", # one\n  \"y\",\n]", "{a=[\"x\",\"y\"]}"),
        ("a = [[1, 2], ['a'], []]", "{a=[[1,2],[\"a\"],[]]}"),
        ("a = [1, 'mixed', true]", "{a=[1,\"mixed\",true]}"),
        ("t = { x = 1, y.z = \"w\" }", "{t={x=1,y={z=\"w\"}}}"),
        ("t = {}", "{t={}}"),
        ("[a]\nx = 1\n[b]\ny = 2", "{a={x=1},b={y=2}}"),
        ("[a.b.c]\nx = 1\n[a]\ny = 2", "{a={b={c={x=1}},y=2}}"),
        ("[ a . b ]\nx = 1", "{a={b={x=1}}}"),
        ("[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true",
         "{fruit={apple={color=\"red\",texture={smooth=true}}}}"),
        ("[[r]]\nn = 1\n[[r]]\nn = 2", "{r=[{n=1},{n=2}]}"),
        ("[[r]]\nn = 1\n[r.sub]\nx = 1\n[[r]]\nn = 2", "{r=[{n=1,sub={x=1}},{n=2}]}"),
        ("\u{FEFF}a = 1", "{a=1}"),
    ]

    @Test(arguments: valid)
    func parsesValidDocuments(input: String, expected: String) throws {
        #expect(render(try TOML.parse(input)) == expected)
    }

    /// Each error with the exact line:column it must point at.
    static let invalid: [(String, String, String)] = [
        ("a = 1\na = 2", "2:1", "duplicate key 'a' (first defined at 1:1)"),
        ("[t]\nx = 1\n[t]", "3:2", "table [t] is defined twice"),
        ("a.b = 1\n[a.b]", "2:4", "already"),
        ("[a]\nb.c = 1\n[a.b]", "3:4", "already defined by dotted keys"),
        ("a = {x = 1}\na.y = 2", "2:1", "a dotted key cannot add to it"),
        ("a = {x = 1}\n[a]", "2:2", "already an inline table"),
        ("a = []\n[[a]]", "2:3", "cannot define array of tables"),
        ("[[a]]\n[a]", "2:2", "is an array of tables"),
        ("a = 1\n[a.b]", "2:2", "not a table"),
        ("a = ", "1:5", "expected a value"),
        ("a", "1:2", "expected '='"),
        ("a b = 1", "1:3", "expected '='"),
        ("= 1", "1:1", "expected a key"),
        ("a = 1 b = 2", "1:7", "expected the end of the line"),
        ("a = \"open", "1:10", "is not closed"),
        ("a = \"line\nbreak\"", "1:10", "newline in a single-line string"),
        ("a = \"bad \\q\"", "1:10", "invalid escape sequence '\\q'"),
        ("a = \"\\uD800\"", "1:6", "not a Unicode scalar value"),
        ("a = \"\\u12\"", "1:6", "needs 4 hex digits"),
        ("a = \"x\u{1}y\"", "1:7", "control character U+0001"),
        ("# bell \u{7}\na = 1", "1:8", "control character U+0007 in a comment"),
        ("a = \"\"\"x\"\"\"\"\"\"", "1:9", "too many"),
        ("a = 01", "1:5", "leading zeros"),
        ("a = 1__0", "1:5", "invalid number"),
        ("a = _1", "1:5", "invalid value"),
        ("a = 1.", "1:5", "a '.' needs digits on both sides"),
        ("a = .5", "1:5", "invalid value"),
        ("a = 0xG", "1:5", "bad digits for base 16"),
        ("a = 9223372036854775808", "1:5", "does not fit in 64 bits"),
        ("a = 1979-05-27", "1:5", "date and time values are not supported"),
        ("a = 07:32:00", "1:5", "date and time values are not supported"),
        ("a = yes", "1:5", "strings must be quoted"),
        ("a = truex", "1:5", "strings must be quoted"),
        ("a = [1, 2", "1:10", "is not closed"),
        ("a = [1 2]", "1:8", "expected ',' or ']'"),
        ("a = [,]", "1:6", "expected a value"),
        ("t = {x = 1,}", "1:12", "trailing comma in an inline table"),
        ("t = {x = 1\n}", "1:11", "must be on one line"),
        ("t = {x = 1, x = 2}", "1:13", "duplicate key 't.x'"),
        ("[a", "1:3", "expected ']'"),
        ("[[a]", "1:4", "expected ']]'"),
        ("[]", "1:2", "expected a key"),
        ("a = 1\r\nb = 2\rc = 3", "2:6", "expected the end of the line"),
        ("k = \"\"\"a\"\"\"\n\"\"\"x\"\"\" = 1", "2:1", "a key cannot be a multi-line string"),
    ]

    @Test(arguments: invalid)
    func reportsErrorsAtTheirPosition(input: String, position: String, message: String) {
        do {
            let t = try TOML.parse(input)
            Issue.record("parsed without error: \(render(t))")
        } catch let e as TOMLError {
            #expect(e.position.description == position, "\(e)")
            #expect(e.message.contains(message), "\(e)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func valuesKeepPositionsAndKeyPaths() throws {
        let doc = try TOML.parse("""
            # comment
            [inspector]
            port = 8080
              [[inspector.rules]]
              name = "x"
            [identity]
            tz = 'UTC'
            """)
        let inspector = try #require(doc["inspector"])
        guard case .table(let t) = inspector.value, let port = t["port"],
              case .array(let rules) = t["rules"]?.value, case .table(let rule) = rules[0].value,
              case .table(let id) = doc["identity"]?.value, let tz = id["tz"]
        else { Issue.record("unexpected shape"); return }
        #expect(inspector.position == SourcePosition(line: 2, column: 2))
        #expect(port.keyPosition == SourcePosition(line: 3, column: 1))
        #expect(port.position == SourcePosition(line: 3, column: 8))
        #expect(port.keyPath.description == "inspector.port")
        // A header table is placed at its last key segment, the part a typo would be in.
        #expect(rules[0].position == SourcePosition(line: 4, column: 15))
        #expect(rule["name"]?.keyPath.description == "inspector.rules[0].name")
        #expect(rule["name"]?.position == SourcePosition(line: 5, column: 10))
        #expect(tz.position == SourcePosition(line: 7, column: 6))
    }

    @Test func keyPathsQuoteKeysThatAreNotBare() throws {
        let doc = try TOML.parse("[\"a.b\"]\n'c d' = 1")
        guard case .table(let t) = doc["a.b"]?.value else { Issue.record("no table"); return }
        #expect(t["c d"]?.keyPath.description == "\"a.b\".\"c d\"")
    }

    @Test func tablesKeepFileOrder() throws {
        let doc = try TOML.parse("z = 1\na = 2\nm = 3")
        #expect(doc.keys == ["z", "a", "m"])
    }

    @Test func writerOutputParsesBack() throws {
        let tricky = "quote \" backslash \\ tab \t newline \n zero-width \u{200B} tag \u{E0041} é"
        let doc = try TOML.parse("s = \(TOMLWriter.string(tricky))\n\(TOMLWriter.key("odd key")) = 1")
        #expect(doc["s"]?.value == .string(tricky))
        #expect(doc["odd key"]?.value == .integer(1))
        #expect(!TOMLWriter.string(tricky).unicodeScalars.contains("\u{200B}"))
    }

    /// Every prefix of every shipped profile either parses or fails with a TOMLError: cut
    /// input must never crash or hang the reader.
    @Test func truncatedInputFailsCleanly() {
        for (_, text) in ShippedProfiles.files {
            let scalars = Array(text.unicodeScalars)
            for end in stride(from: 0, to: scalars.count, by: 3) {
                var prefix = String.UnicodeScalarView()
                prefix.append(contentsOf: scalars[..<end])
                do { _ = try TOML.parse(String(prefix)) } catch is TOMLError {} catch {
                    Issue.record("unexpected error type \(error)")
                }
            }
        }
    }
}
