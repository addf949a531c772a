import Testing

@testable import Conduit

@Suite struct JSONTextTests {
    /// Texts the tree parser accepts must be accepted here, and the other way round.
    static let samples: [String] = [
        #"{"a":1}"#, #"[]"#, #"{}"#, #"  [1, 2.5e-3, -0, true, false, null, "x"]  "#, "\"\\u00e9\\ud83c\\udfa7\"", "12", "-1.5E+2",
        "{\n  \"pretty\": [ 1,\n 2 ],\t\"s\": \"keep  spaces\\n\" }",
        #"{"a":}"#, #"[1,]"#, #"[01]"#, #"{"a" 1}"#, #"{"a":1"#, #"[1 2]"#, #""\x""#, "\"\\ud800\"", "\"\\udc00x\"", "\"raw\u{01}control\"",
        #"tru"#, #"nul"#, "[1] x", "", "   ", #"{"k":"v",}"#, #"-"#, #"1."#, #"1e"#, #"[-a]"#,
    ]

    @Test(arguments: samples)
    func validationAgreesWithTheTreeParser(text: String) throws {
        let bytes = Array(text.utf8)
        let tree = try? JSONValue.parse(bytes)
        let validated = try? JSONText(validating: bytes)
        #expect((tree == nil) == (validated == nil), "\(text)")
        if let tree, let validated {
            #expect(try JSONValue.parse(validated.bytes) == tree, "compacting keeps the value")
            #expect(!validated.bytes.contains(0x0A), "compact text has no line break")
        }
    }

    @Test func invalidUTF8AndExcessiveDepthAreRefused() {
        #expect(throws: JSONParseError.self) { try JSONText(validating: Array("[\"a".utf8) + [0xC3, 0x28] + Array("\"]".utf8)) }
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParseError.self) { try JSONText(validating: Array(deep.utf8)) }
    }

    @Test func compactTextIsKeptWithoutCopyingAndWhitespaceGoesOnlyOutsideStrings() throws {
        let compact = Array(#"{"a":[1,2],"b":"x y"}"#.utf8)
        #expect(try JSONText(validating: compact).bytes == compact)
        let pretty = Array("{ \"a\" : [ 1 , 2 ] ,\r\n \"b\" : \"x y\" }".utf8)
        #expect(try JSONText(validating: pretty).bytes == compact)
    }

    @Test func membersElementsAndPathsReachTheSameValuesAsTheTree() throws {
        let source = #"{"records":{"cursor":"c2","total":3},"calls":[{"id":"1","tags":["a"]},{"id":"2"},{"id":"3","x":{"y":null}}],"meta":{"page":{"cursor":null}},"a\u0062":"escaped key","dup":1,"dup":2}"#
        let text = try JSONText(validating: Array(source.utf8))
        let tree = try JSONValue.parse(source)
        for path in ["records.cursor", "records.total", "calls", "calls[].id", "meta.page.cursor", "ab", "dup", "missing", "calls[].tags[]", ""] {
            let jsonPath = JSONPath(path)
            let ranges = text.ranges(jsonPath, from: text.root)
            #expect(ranges.map { text.value(of: $0) } == jsonPath.values(in: tree), "\(path)")
            #expect(text.value(jsonPath, from: text.root) == jsonPath.value(in: tree), "\(path)")
        }
        let calls = try #require(text.member("calls", of: text.root))
        #expect(text.kind(of: calls) == .array)
        #expect(text.elements(of: calls).map { String(decoding: text.bytes[$0], as: UTF8.self) }
            == [#"{"id":"1","tags":["a"]}"#, #"{"id":"2"}"#, #"{"id":"3","x":{"y":null}}"#])
        #expect(text.members(of: text.root).count == 6)
        #expect(text.elements(of: text.root).isEmpty, "an object has no elements")
    }

    @Test func scalarsAndEmptyContainersNavigate() throws {
        let text = try JSONText(validating: Array(#"[[],{},"s",-1.5e3,true,null]"#.utf8))
        let elements = text.elements(of: text.root)
        #expect(elements.count == 6)
        #expect(text.elements(of: elements[0]).isEmpty)
        #expect(text.members(of: elements[1]).isEmpty)
        #expect(text.kind(of: elements[2]) == .string)
        #expect(text.kind(of: elements[3]) == .number)
        #expect(text.value(of: elements[3]) == .double(-1500))
        #expect(text.isNull(elements[5]))
        #expect(!text.isNull(elements[4]))
    }

    /// The validator reads strings eight bytes at a time: every special byte must be seen
    /// wherever it falls in a word.
    @Test func specialBytesAreFoundAtEveryOffsetOfAWord() throws {
        let specials: [[UInt8]] = [
            Array("\\\"".utf8), Array("\\n".utf8), Array("\\u00e9".utf8), [0x01], [0x1F], [0xC3, 0xA9], [0xC3], [0xFF], [0xE2, 0x82],
            Array("\\x".utf8), [0x7F],
        ]
        for special in specials {
            for offset in 0..<20 {
                let bytes = Array("{\"k\":\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: offset) + special
                    + Array(repeating: UInt8(ascii: "b"), count: 9) + Array("\"}".utf8)
                let tree = try? JSONValue.parse(bytes)
                let text = try? JSONText(validating: bytes)
                #expect((tree == nil) == (text == nil), "\(special) at \(offset)")
                if let tree, let text { #expect(try JSONValue.parse(text.bytes) == tree) }
            }
        }
    }

    @Test func deepContainersAreWalkedWhenNotIndexed() throws {
        let source = #"{"a":{"b":{"c":[1,{"d":"x"}],"e":"y"}},"list":[[1,2],[3]]}"#
        let text = try JSONText(validating: Array(source.utf8))
        let tree = try JSONValue.parse(source)
        for path in ["a.b.c", "a.b.e", "a.b.c[].d", "list[]", "list[][]"] {
            #expect(text.ranges(JSONPath(path), from: text.root).map { text.value(of: $0) } == JSONPath(path).values(in: tree), "\(path)")
        }
    }
}
