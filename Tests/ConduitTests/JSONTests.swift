import Testing

@testable import Conduit

@Suite struct JSONValueTests {
    @Test(arguments: [
        #"null"#, #"true"#, #"false"#, #"0"#, #"-1"#, #"9223372036854775807"#, #"-9223372036854775808"#,
        #"1.5"#, #"-2.25e-7"#, #""""#, #""a\"b\\c\n\t\u0001""#, #""héllo ✓ 𝄞""#, #"[]"#, #"{}"#,
        #"[1,"two",{"three":[3.5,null]}]"#, #"{"b":1,"a":2,"c":{"z":true,"y":false}}"#,
    ])
    func parsingThenWritingGivesBackTheSameValue(text: String) throws {
        let value = try JSONValue.parse(text)
        let again = try JSONValue.parse(value.jsonString)
        #expect(again == value)
    }

    @Test func objectsKeepTheirKeyOrder() throws {
        let text = #"{"zebra":1,"apple":2,"mango":3}"#
        #expect(try JSONValue.parse(text).jsonString == text)
    }

    @Test func integersBeyondTwoToThe53RoundTripExactly() throws {
        let value = try JSONValue.parse("9007199254740993")
        #expect(value == .int(9_007_199_254_740_993))
        #expect(value.jsonString == "9007199254740993")
    }

    @Test func integersBeyond64BitsBecomeDoubles() throws {
        #expect(try JSONValue.parse("18446744073709551616") == .double(18446744073709551616))
    }

    @Test func surrogatePairEscapesDecode() throws {
        #expect(try JSONValue.parse(#""\ud834\udd1e""#) == .string("𝄞"))
    }

    @Test func controlCharactersAreEscapedSoOutputIsOneLine() {
        let text = JSONValue.string("line1\nline2\r\u{0}").jsonString
        #expect(!text.contains("\n"))
        #expect(text == #""line1\nline2\r\u0000""#)
    }

    /// The word-at-a-time escaper against a byte-by-byte reference, on strings dense in
    /// bytes that need escaping at every offset of an eight-byte word, and back through
    /// the parser.
    @Test func stringEscapingMatchesTheByteByByteRule() throws {
        func reference(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\u{0}"..."\u{1F}", "\u{7F}":
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        let alphabet: [String] = ["a", "b", "\"", "\\", "\n", "\u{1}", "\u{7F}", "é", "𝄞", "/", "\t", "~", " "]
        var generator = SystemRandomNumberGenerator()
        for length in 0..<80 {
            for _ in 0..<20 {
                let text = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                let written = JSONValue.string(text).jsonString
                #expect(written == reference(text), "\(Array(text.utf8))")
                #expect(try JSONValue.parse(written) == .string(text))
            }
        }
        let long = String(repeating: "plain text without escapes, ", count: 400) + "\"end\""
        #expect(JSONValue.string(long).jsonString == reference(long))
    }

    @Test(arguments: [
        "", "{", "[1,", #"{"a" 1}"#, "tru", "01", "1.", "-", #""\x""#, #""\ud800""#, "[1] x", "{'a':1}", "NaN",
        "\"unterminated",
    ])
    func malformedInputIsRejected(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func invalidUTF8IsRejectedAsSuch() {
        let bytes: [UInt8] = [0x22, 0xFF, 0xFE, 0x22]
        #expect(throws: JSONParseError(reason: .invalidUTF8, offset: 1)) { try JSONValue.parse(bytes) }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNotCrashed() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try JSONValue.parse(fine) }
    }

    @Test func prettyOutputParsesToTheSameValue() throws {
        let value = try JSONValue.parse(#"{"a":[1,{"b":null}],"c":"d"}"#)
        #expect(value.prettyJSONString.contains("\n  \"a\": ["))
        #expect(try JSONValue.parse(value.prettyJSONString) == value)
    }

    @Test func pathsReachMembersAndMapOverArrays() throws {
        let value = try JSONValue.parse(#"{"records":{"cursor":"abc"},"errors":[{"detail":"one"},{"detail":"two"}]}"#)
        #expect(JSONPath("records.cursor").value(in: value) == .string("abc"))
        #expect(JSONPath("errors[].detail").values(in: value) == [.string("one"), .string("two")])
        #expect(JSONPath("").value(in: value) == value)
        #expect(JSONPath("missing.path").value(in: value) == nil)
    }
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func digestsMatchTheStandardVectors(input: String, expected: String) {
        #expect(SHA256.hexDigest(Array(input.utf8)) == expected)
    }

    @Test func incrementalUpdatesMatchOneShot() {
        let data = Array((0..<1000).map { UInt8($0 % 251) })
        var hasher = SHA256()
        hasher.update(data[0..<7])
        data[7..<500].withUnsafeBytes { hasher.update($0) }
        hasher.update(data[500...])
        #expect(hasher.finalize() == SHA256.hash(data))
    }
}
