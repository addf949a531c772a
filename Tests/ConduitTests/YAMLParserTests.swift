import Foundation
import Testing

@testable import Conduit

/// The error `YAML.parse` throws for `text`, or nil when it accepts it.
private func refusal(_ text: String, maximumNodes: Int = YAML.maximumNodes) -> YAMLError? {
    do {
        _ = try YAML.parse(text, maximumNodes: maximumNodes)
        return nil
    } catch {
        return error
    }
}

@Suite struct YAMLStructureTests {
    @Test func blockMappingsNestByIndentation() throws {
        let text = """
            a:
              b:
                c: 1
              d: 2
            e: 3
            """
        #expect(try YAML.parse(text) == ["a": ["b": ["c": 1], "d": 2], "e": 3])
    }

    @Test func blockSequencesHoldScalarsSequencesAndMappings() throws {
        let text = """
            - one
            - - nested
              - list
            - key: value
            """
        #expect(try YAML.parse(text) == ["one", ["nested", "list"], ["key": "value"]])
    }

    @Test func compactSequencesOfMappingsKeepEveryKeyOfAnEntry() throws {
        let text = """
            - a: 1
              b: 2
            -   c: 3
                d: 4
            """
        #expect(try YAML.parse(text) == [["a": 1, "b": 2], ["c": 3, "d": 4]])
    }

    @Test func aSequenceMayStartAtTheIndentationOfItsKey() throws {
        let text = """
            key:
            - a
            - b
            other:
              - c
            """
        #expect(try YAML.parse(text) == ["key": ["a", "b"], "other": ["c"]])
    }

    @Test func flowCollectionsNestAndSpanLines() throws {
        let text = """
            list: [a, b, {c: d}]
            map: {a: 1, b: [2,
              3], c: {d: e},
            }
            """
        #expect(try YAML.parse(text) == ["list": ["a", "b", ["c": "d"]], "map": ["a": 1, "b": [2, 3], "c": ["d": "e"]]])
    }

    @Test func flowMappingKeysWithoutValuesAreNullAndPairsInSequencesAreMappings() throws {
        #expect(try YAML.parse("{a, b: , c: 1}") == ["a": nil, "b": nil, "c": 1])
        #expect(try YAML.parse("[a: 1, ? b : 2]") == [["a": 1], ["b": 2]])
    }

    @Test func explicitKeysAreRead() throws {
        let text = """
            ? plain
            : value
            ? |
              block
            : other
            ? no value
            """
        #expect(try YAML.parse(text) == ["plain": "value", "block\n": "other", "no value": nil])
    }

    @Test func missingValuesAreNull() throws {
        #expect(try YAML.parse("a:\nb: 1\nc:") == ["a": nil, "b": 1, "c": nil])
        #expect(try YAML.parse("- \n- a\n-") == [nil, "a", nil])
    }

    @Test func commentsAndBlankLinesAreIgnoredButAHashInsideAWordIsText() throws {
        let text = """
            # leading comment

            a: b#c   # trailing comment
              # indented comment
            c: "d" # after a quoted scalar
            e: [1, 2] # after a flow sequence
            """
        #expect(try YAML.parse(text) == ["a": "b#c", "c": "d", "e": [1, 2]])
    }

    @Test func colonsInsideWordsAndURLsAreText() throws {
        let text = "url: http://example.com:8080/a:b\nflow: [http://x.test/y, {k: http://z.test}]"
        #expect(try YAML.parse(text) == ["url": "http://example.com:8080/a:b", "flow": ["http://x.test/y", ["k": "http://z.test"]]])
    }

    @Test func tabsMaySeparateTokensOnALine() throws {
        #expect(try YAML.parse("key:\tvalue\t# comment\nother\t: x") == ["key": "value", "other": "x"])
    }
}

@Suite struct YAMLScalarTests {
    @Test func multiLinePlainScalarsFoldIntoOneLine() throws {
        let text = """
            text: first
              second

              third
            next: x
            """
        #expect(try YAML.parse(text) == ["text": "first second\nthird", "next": "x"])
    }

    @Test func singleQuotedScalarsEscapeQuotesByDoublingAndFold() throws {
        #expect(try YAML.parse("s: 'it''s\n  folded\n\n  here'") == ["s": "it's folded\nhere"])
        #expect(try YAML.parse(#"s: 'no \escapes\n'"#) == ["s": #"no \escapes\n"#])
    }

    @Test(arguments: [
        (#"\n"#, "\n"), (#"\t"#, "\t"), (#"\""#, "\""), (#"\\"#, "\\"), (#"\/"#, "/"), (#"\0"#, "\u{0}"),
        (#"\a"#, "\u{7}"), (#"\b"#, "\u{8}"), (#"\e"#, "\u{1B}"), (#"\f"#, "\u{C}"), (#"\r"#, "\r"),
        (#"\v"#, "\u{B}"), (#"\ "#, " "), (#"\N"#, "\u{85}"), (#"\_"#, "\u{A0}"), (#"\L"#, "\u{2028}"),
        (#"\P"#, "\u{2029}"), (#"\x41"#, "A"), (#"\u00e9"#, "é"), (#"\U0001F600"#, "😀"),
        (#"\ud83d\ude00"#, "😀"), ("\\\t", "\t"),
    ])
    func doubleQuotedEscapesDecode(escape: String, expected: String) throws {
        #expect(try YAML.parse("\"<\(escape)>\"") == .string("<\(expected)>"))
    }

    @Test func doubleQuotedScalarsFoldLinesAndJoinEscapedLineBreaks() throws {
        let text = "\"one\n  two\n\n  three\\\n  joined \\\n  spaced\""
        #expect(try YAML.parse(text) == "one two\nthreejoined spaced")
    }

    @Test(arguments: [
        ("null", JSONValue.null), ("Null", nil), ("NULL", nil), ("~", nil),
        ("true", true), ("True", true), ("TRUE", true), ("false", false), ("False", false), ("FALSE", false),
        ("0", 0), ("-7", -7), ("+7", 7), ("0o17", 15), ("0x1F", 31), ("0xff", 255), ("0777", 777),
        ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("0x10000000000000000", .double(18_446_744_073_709_551_616)),
        ("1.5", 1.5), ("-1e3", -1000.0), (".5", 0.5), ("5.", 5.0), ("1E+2", 100.0), ("0.1e-5", 0.000001),
    ])
    func plainScalarsResolveByTheCoreSchema(text: String, expected: JSONValue) throws {
        #expect(try YAML.parse("[\(text)]") == [expected])
    }

    @Test(arguments: [
        "yes", "no", "on", "off", "Yes", "NO", "y", "n", "1_000", "1:30", "0b101", "2001-12-14", "2001-12-14T21:59:43Z",
        ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "1e400", "nULL", "tRUE", "0x", "0o", "+0x1F", "0X1F", "1e", ".", "-", "12abc",
    ])
    func everythingElseStaysTheStringAsWritten(text: String) throws {
        #expect(try YAML.parse("[\(text)]") == [.string(text)])
    }

    @Test(arguments: [#""true""#, "'12'", #""null""#, "''", "|\n  7\n"])
    func quotedAndBlockScalarsAreAlwaysStrings(text: String) throws {
        #expect(try YAML.parse(text).stringValue != nil)
    }
}

@Suite struct YAMLBlockScalarTests {
    @Test func literalScalarsKeepLineBreaksAndMoreIndentedLines() throws {
        let text = "a: |\n  line 1\n    indented\n  line 3\n\nb: x"
        #expect(try YAML.parse(text) == ["a": "line 1\n  indented\nline 3\n", "b": "x"])
    }

    @Test(arguments: [
        ("|", "text\n"), ("|-", "text"), ("|+", "text\n\n\n"), (">", "text\n"), (">-", "text"), (">+", "text\n\n\n"),
    ])
    func chompingDecidesTheTrailingLineBreaks(header: String, expected: String) throws {
        #expect(try YAML.parse("a: \(header)\n  text\n\n\nb: 1") == ["a": .string(expected), "b": 1])
    }

    @Test func keepChompingKeepsBlankLinesAtTheEndOfTheInput() throws {
        #expect(try YAML.parse("a: |+\n  end\n\n") == ["a": "end\n\n"])
    }

    @Test func foldedScalarsJoinLinesButKeepParagraphsAndMoreIndentedLines() throws {
        let text = """
            a: >
              folded
              text

              paragraph
                more indented
                lines stay
              back
            """
        #expect(try YAML.parse(text) == ["a": "folded text\nparagraph\n  more indented\n  lines stay\nback"])
    }

    @Test func anIndentationIndicatorAllowsLeadingSpaces() throws {
        #expect(try YAML.parse("a: |2-\n    two extra\n  base\n") == ["a": "  two extra\nbase"])
        #expect(try YAML.parse("- |1\n  one extra\n") == [" one extra\n"])
    }

    @Test func leadingBlankLinesAndAHeaderCommentAreHandled() throws {
        #expect(try YAML.parse("a: | # comment\n\n\n  text\n") == ["a": "\n\ntext\n"])
    }

    @Test func anEmptyBlockScalarIsAnEmptyString() throws {
        #expect(try YAML.parse("a: |\nb: >\n") == ["a": "", "b": ""])
    }
}

@Suite struct YAMLAnchorTests {
    @Test func aliasesExpandToCopiesOfTheAnchoredValue() throws {
        let text = """
            base: &b {x: 1, list: [a]}
            copy: *b
            scalars: [&s hi, *s]
            """
        #expect(try YAML.parse(text) == ["base": ["x": 1, "list": ["a"]], "copy": ["x": 1, "list": ["a"]], "scalars": ["hi", "hi"]])
    }

    @Test func aMergeKeyAddsTheKeysItDoesNotOverride() throws {
        let text = """
            base: &b {x: 1, y: 2}
            derived:
              <<: *b
              y: 3
            """
        #expect(try YAML.parse(text)["derived"] == ["x": 1, "y": 3])
    }

    @Test func inAMergeListEarlierMappingsWinAndExplicitKeysWinOverAll() throws {
        let text = """
            a: &a {x: a, k: a}
            b: &b {x: b, z: b, k: b}
            c:
              <<: [*a, *b]
              k: own
            """
        #expect(try YAML.parse(text)["c"] == ["x": "a", "z": "b", "k": "own"])
    }

    @Test func aQuotedLessLessIsAnOrdinaryKey() throws {
        #expect(try YAML.parse(#"{"<<": {a: 1}}"#) == ["<<": ["a": 1]])
    }

    @Test func anAnchorMayBeRedefinedAndAliasesUseTheLatest() throws {
        #expect(try YAML.parse("[&a 1, *a, &a 2, *a]") == [1, 1, 2, 2])
    }

    @Test func anAliasMayBeAKey() throws {
        #expect(try YAML.parse("- &k name\n- *k : value") == ["name", ["name": "value"]])
    }
}

@Suite struct YAMLTagTests {
    @Test func standardTagsDecideTheType() throws {
        let text = """
            str: !!str 12
            int: !!int "42"
            float: !!float 3
            bool: !!bool "true"
            null: !!null anything
            binary: !!binary R0lGODlh
            seq: !!seq [a]
            map: !!map {a: 1}
            empty: !!str
            verbatim: !<tag:yaml.org,2002:str> 99
            """
        #expect(
            try YAML.parse(text) == [
                "str": "12", "int": 42, "float": 3.0, "bool": true, "null": nil, "binary": "R0lGODlh", "seq": ["a"],
                "map": ["a": 1], "empty": "", "verbatim": "99",
            ])
    }

    @Test func unknownTagsAreIgnored() throws {
        #expect(try YAML.parse("[!foo bar, !foo 7, !foo [a], !python/tuple {a: 1}]") == ["bar", 7, ["a"], ["a": 1]])
    }

    @Test func tagHandlesComeFromTagDirectives() throws {
        #expect(try YAML.parse("%TAG !e! tag:example.com,2000:\n---\na: !e!thing 5") == ["a": 5])
    }
}

@Suite struct YAMLKeyTests {
    @Test func nonStringScalarKeysBecomeTheirCanonicalText() throws {
        let text = "200: int\ntrue: bool\n~: tilde\n1.5: float\n0x10: hex\n1e3: exponent"
        #expect(
            try YAML.parse(text) == ["200": "int", "true": "bool", "null": "tilde", "1.5": "float", "16": "hex", "1000.0": "exponent"])
    }

    @Test func aDuplicatedKeyKeepsItsLastValueAtItsFirstPosition() throws {
        let value = try YAML.parse("a: 1\nb: 2\na: 3")
        #expect(value == ["a": 3, "b": 2])
        #expect(value.objectValue?.keys == ["a", "b"])
    }

    @Test func keysKeepTheirDocumentOrder() throws {
        #expect(try YAML.parse("zebra: 1\napple: 2\nmango: 3").objectValue?.keys == ["zebra", "apple", "mango"])
    }
}

@Suite struct YAMLDocumentTests {
    @Test func markersDirectivesAndAByteOrderMarkAreAccepted() throws {
        #expect(try YAML.parse("%YAML 1.2\n---\na: 1\n...\n") == ["a": 1])
        #expect(try YAML.parse("%YAML 1.1\n--- # comment\na: 1") == ["a": 1])
        #expect(try YAML.parse([0xEF, 0xBB, 0xBF] + Array("a: 1".utf8)) == ["a": 1])
        #expect(try YAML.parse("--- |\n  top-level literal\n") == "top-level literal\n")
    }

    @Test func windowsLineEndingsReadLikeUnixOnes() throws {
        #expect(try YAML.parse("a: 1\r\nb:\r\n  - \"x\r\n    y\"\r\nc: |\r\n  l1\r\n  l2\r\n") == ["a": 1, "b": ["x y"], "c": "l1\nl2\n"])
    }

    @Test(arguments: ["", "# only a comment\n", "---\n", "---\n...\n"])
    func anEmptyDocumentIsNull(text: String) throws {
        #expect(try YAML.parse(text) == nil)
    }

    @Test func aBareDocumentMayFollowADocumentEndMarker() throws {
        #expect(try YAML.parse("# header\n...\na: 1") == ["a": 1])
    }

    @Test func aTrailingDocumentMarkerWithNothingAfterItIsAccepted() throws {
        #expect(try YAML.parse("a: 1\n---\n# nothing more\n") == ["a": 1])
    }

    @Test(arguments: ["a: 1\n---\nb: 2", "--- 1\n--- 2", "a: 1\n...\nb: 2", "a: 1\n...\n%YAML 1.2\n---\nb: 2"])
    func aSecondDocumentIsRefused(text: String) throws {
        let error = try #require(refusal(text))
        #expect(error.message == "the input holds more than one YAML document; conduit reads one")
    }
}

/// An input conduit must refuse, and where and why.
struct YAMLErrorCase: Sendable, CustomTestStringConvertible {
    var text: String
    var line: Int
    var column: Int
    var message: String

    init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        self.text = text
        self.line = line
        self.column = column
        self.message = message
    }

    var testDescription: String { text.debugDescription }
}

@Suite struct YAMLErrorTests {
    @Test(arguments: [
        YAMLErrorCase("a: b: c", 1, 5, "a mapping value is not allowed here"),
        YAMLErrorCase("a: 1\n  b: 2", 2, 4, "continues the unquoted value that starts at line 1, column 4"),
        YAMLErrorCase("key: value\nbad\nc: 1", 2, 1, "expected ':' after this mapping key"),
        YAMLErrorCase("a:\n  - 1\n - 2", 3, 2, "expected another 'key: value' entry of the mapping that starts at line 1, column 1"),
        YAMLErrorCase("- a\nb: 1", 2, 1, "expected another '- ' entry of the sequence that starts at line 1, column 1"),
        YAMLErrorCase(" a: 1\nb: 2", 2, 1, "expected the end of the document, but found a mapping key"),
        YAMLErrorCase("a:\n\tb: 1", 2, 1, "a tab character is used for indentation"),
        YAMLErrorCase("a: \"never closed\nb: 1", 1, 4, "this double-quoted scalar is never closed"),
        YAMLErrorCase("a: 'never closed", 1, 4, "this single-quoted scalar is never closed"),
        YAMLErrorCase("a: \"x\n---\n\"", 2, 1, "a document marker ('---' or '...') appears inside a quoted scalar"),
        YAMLErrorCase("a: [1, 2", 1, 9, "the flow sequence that starts at line 1, column 4 is never closed"),
        YAMLErrorCase("a: {b: 1,\n c: 2", 2, 6, "the flow mapping that starts at line 1, column 4 is never closed"),
        YAMLErrorCase("a: [1 2]: x", 1, 9, "a mapping value is not allowed here"),
        YAMLErrorCase("a: *missing", 1, 4, "the alias *missing refers to no anchor"),
        YAMLErrorCase("a: &a [1, *a]", 1, 11, "the alias *a refers to a node that contains it"),
        YAMLErrorCase("? [a, b]\n: c", 1, 1, "a mapping key must be a scalar"),
        YAMLErrorCase("{{a: 1}: b}", 1, 2, "a mapping key must be a scalar"),
        YAMLErrorCase("x: {<<: 5}", 1, 5, "a merge key '<<' takes a mapping or a sequence of mappings, not an integer"),
        YAMLErrorCase("a: !!int abc", 1, 4, "'abc' is not an integer, but is tagged !!int"),
        YAMLErrorCase("a: !!str [x]", 1, 4, "the tag !!str cannot be used on a sequence"),
        YAMLErrorCase("a: !e!x y", 1, 4, "the tag handle !e! is not declared"),
        YAMLErrorCase(#"a: "\q""#, 1, 5, "unknown escape sequence '\\q'"),
        YAMLErrorCase(#"a: "\uD800""#, 1, 5, "names no Unicode character"),
        YAMLErrorCase(#"a: "\x4""#, 1, 5, "expected 2 hexadecimal digits"),
        YAMLErrorCase("a: |0\n  x", 1, 5, "indentation indicator must be 1 to 9"),
        YAMLErrorCase("a: |x\n  x", 1, 5, "expected a line break after the block scalar indicator"),
        YAMLErrorCase("a: @x", 1, 4, "'@' cannot start a plain scalar; quote the value"),
        YAMLErrorCase("a: - b", 1, 4, "a sequence entry ('- ') is not allowed here"),
        YAMLErrorCase("%YAML 2.0\n---\na: 1", 1, 1, "conduit reads YAML 1.x"),
        YAMLErrorCase("%YAML 1.2\na: 1", 2, 1, "expected a document start marker '---' after the directives"),
        YAMLErrorCase("a: 1\nb: \u{1}", 2, 4, "the control character U+0001 is not allowed"),
        YAMLErrorCase(String(repeating: "k", count: 1100) + ": v", 1, 1, "longer than 1024 characters"),
    ])
    func errorsSayWhereAndWhatWasExpected(_ errorCase: YAMLErrorCase) throws {
        let error = try #require(refusal(errorCase.text))
        #expect(error.message.contains(errorCase.message), "\(error)")
        #expect(error.line == errorCase.line && error.column == errorCase.column, "\(error)")
    }

    @Test func invalidUTF8IsRefusedWithItsPosition() throws {
        #expect(throws: YAMLError(line: 2, column: 4, message: "the input is not valid UTF-8")) {
            try YAML.parse(Array("a: 1\nb: ".utf8) + [0xC3, 0x28])
        }
    }

    @Test func UTF16IsRefusedAsSuch() throws {
        #expect(throws: YAMLError(line: 1, column: 1, message: "this YAML is encoded as UTF-16; conduit reads UTF-8")) {
            try YAML.parse([0xFF, 0xFE, 0x61, 0x00])
        }
    }

    @Test func theDescriptionNamesLineAndColumnFirst() throws {
        let error = try #require(refusal("a: b: c"))
        #expect(error.description == "line 1, column 5: " + error.message)
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let error = try #require(refusal("é: b: c"))
        #expect(error.column == 5)
    }
}

@Suite struct YAMLLimitTests {
    /// Nine levels of ten aliases each: 10^9 strings if expanded.
    static let billionLaughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """

    @Test func aBillionLaughsDocumentIsRefusedQuickly() throws {
        let start = ContinuousClock.now
        let error = try #require(refusal(Self.billionLaughs))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(error.message.contains("expands to more than 10000000 values"))
        #expect(error.line == 7)
    }

    @Test func theNodeBudgetCountsEveryCopyAnAliasMakes() throws {
        let text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]"
        // 1 root + 2 keys + 10 for a + 1 for b's list + 10 copies of a's 10 nodes = 114.
        #expect(refusal(text, maximumNodes: 114) == nil)
        #expect(refusal(text, maximumNodes: 113) != nil)
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNotCrashed() throws {
        let deepFlow = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(try #require(refusal(deepFlow)).message == "nesting deeper than 256 levels")
        let deepBlock = (0..<1000).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        #expect(try #require(refusal(deepBlock)).message == "nesting deeper than 256 levels")
        let deepCompact = String(repeating: "- ", count: 10_000) + "x"
        #expect(try #require(refusal(deepCompact)).message == "nesting deeper than 256 levels")
        let fine = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(refusal(fine) == nil)
    }

    @Test func anAliasCannotNestPastTheLimit() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let text = "a: &a \(deep)\nb: " + String(repeating: "[", count: 100) + "*a" + String(repeating: "]", count: 100)
        #expect(try #require(refusal(text)).message.contains("nesting deeper than 256 levels (through the alias *a)"))
    }

    @Test func longLinesAndManyKeysParseInLinearTime() throws {
        let long = "a: " + String(repeating: "x", count: 1_000_000)
        #expect(try YAML.parse(long)["a"]?.stringValue?.count == 1_000_000)
        let flow = "{" + (0..<20_000).map { "k\($0): \($0)" }.joined(separator: ", ") + "}"
        #expect(try YAML.parse(flow).objectValue?.count == 20_000)
    }
}

/// The YAML files in `Fixtures/yaml`, each beside the JSON it must parse to (that JSON is
/// PyYAML's reading of the file, checked again by `YAMLCorpusTests` when Python is around).
@Suite struct YAMLFixtureTests {
    static var folder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/yaml", isDirectory: true)
    }

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    @Test func thereAreFixtures() {
        #expect(Self.names.count >= 6)
    }

    @Test(arguments: names)
    func eachFixtureParsesToItsJSON(name: String) throws {
        let yaml = try Data(contentsOf: Self.folder.appendingPathComponent(name + ".yaml"))
        let json = try Data(contentsOf: Self.folder.appendingPathComponent(name + ".json"))
        let value = try YAML.parse([UInt8](yaml))
        let expected = try JSONValue.parse([UInt8](json))
        #expect(value == expected, "\(YAMLReference.firstDifference(value, expected) ?? "")")
    }
}
