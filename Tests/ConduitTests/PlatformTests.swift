import Foundation
import Testing

@testable import Conduit

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-12-31T23:59:59Z", 1_798_761_599.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-02-29T12:00:00+02:00", 1_709_200_800.0),
        ("2024-02-29t12:00:00.250z", 1_709_208_000.25),
        ("1969-12-31T23:59:59Z", -1.0),
        ("2000-03-01T00:00:00-05:30", 951_888_600.0),
    ])
    func rfc3339TextsParseToTheirInstant(text: String, seconds: Double) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(date.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-31T24:00:00Z", "2026-12-31", "2026-12-31T23:59:59",
                      "2026-12-31T23:59:59+0200", "2026-12-31T23:59:59.Z", " 2026-12-31T23:59:59Z", "2026-12-31T23:59:59Zjunk"])
    func malformedTimestampsAreRefused(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formattingRoundTripsAndAgreesWithFoundation() throws {
        let formatter = ISO8601DateFormatter()
        for seconds in stride(from: -2_000_000_000.0, through: 4_000_000_000.0, by: 86_399.0 * 37) {
            let date = Date(timeIntervalSince1970: seconds)
            let text = Timestamp.format(date)
            #expect(text == formatter.string(from: date))
            #expect(Timestamp.parse(text) == date)
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0), offsetSeconds: -19_800) == "1969-12-31T18:30:00-05:30")
    }

    @Test func plainDatesAreMidnightUTC() {
        #expect(Timestamp.parseDate("2024-05-01")?.timeIntervalSince1970 == 1_714_521_600)
        #expect(Timestamp.parseDate("2024-05-32") == nil)
        #expect(Timestamp.parseDate("2024-05-01T00:00:00Z") == nil)
    }

    @Test func httpDatesReadInAllThreeFormsAndWriteAsIMFFixdate() throws {
        let expected = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.format(expected) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 CET") == nil)
        #expect(HTTPDate.parse("soon") == nil)
    }
}

@Suite struct TextTests {
    @Test func trimmingRemovesSurroundingWhitespaceOnly() {
        #expect("  a b \t\r\n".trimmed == "a b")
        #expect("   ".trimmed == "")
        #expect(" \"quoted\" ".trimmed(andAlso: ["\""]) == "quoted")
    }

    @Test func percentDecodingRefusesMalformedEscapesAndInvalidUTF8() {
        #expect("a%20b%2Fc".percentDecoded == "a b/c")
        #expect("%C3%A9t%C3%A9".percentDecoded == "été")
        #expect("50%".percentDecoded == nil)
        #expect("%zz".percentDecoded == nil)
        #expect("%FF".percentDecoded == nil)
    }

    @Test func unsafeURLBytesAreEscapedAndDelimitersKept() {
        #expect("/a b/ü?q=1#top%20".escapingUnsafeURLBytes == "/a%20b/%C3%BC?q=1#top%20")
    }

    @Test func pathsSplitAndJoinAsPlainText() {
        #expect(FilePath.directory(of: "/etc/conduit/a.json") == "/etc/conduit")
        #expect(FilePath.directory(of: "a.json") == "")
        #expect(FilePath.directory(of: "/a.json") == "/")
        #expect(FilePath.join("", "def.json") == "def.json")
        #expect(FilePath.join("configs/", "def.json") == "configs/def.json")
        #expect(FilePath.lastComponent(of: "/tmp/x/report.pdf") == "report.pdf")
    }
}

@Suite struct JSONObjectTests {
    @Test func smallAndLargeObjectsBehaveAlike() throws {
        for size in [3, 32, 33, 200] {
            var object = JSONObject()
            for index in 0..<size { object["k\(index)"] = .int(Int64(index)) }
            #expect(object.count == size)
            #expect(object.keys == (0..<size).map { "k\($0)" })
            #expect(object["k\(size - 1)"] == .int(Int64(size - 1)))
            object["k0"] = "replaced"
            #expect(object.keys.first == "k0", "replacing keeps the position")
            object["k1"] = nil
            #expect(object["k1"] == nil)
            #expect(object.count == size - 1)
            #expect(object["k\(size - 1)"] == .int(Int64(size - 1)), "lookups after a removal still find later keys")
            object["k1"] = true
            #expect(object.keys.last == "k1")
        }
    }

    @Test func equalityAndHashingIgnoreMemberOrder() {
        let forward: JSONObject = ["a": 1, "b": [true, nil], "c": ["d": "e"]]
        let backward: JSONObject = ["c": ["d": "e"], "b": [true, nil], "a": 1]
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(forward != ["a": 1, "b": [true, nil]])
        #expect(forward != ["a": 2, "b": [true, nil], "c": ["d": "e"]])
    }

    @Test func duplicateKeysInInputKeepTheLastValueAtTheFirstPosition() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
    }
}

@Suite struct JSONStringTests {
    @Test func everyControlCharacterAndDELIsEscapedAndRoundTrips() throws {
        let text = String(decoding: (0..<128).map { UInt8($0) } + Array("é\"\\/".utf8), as: UTF8.self)
        let encoded = JSONValue.string(text).jsonBytes
        #expect(!encoded.contains(where: { $0 < 0x20 || $0 == 0x7F }))
        #expect(try JSONValue.parse(encoded) == .string(text))
        #expect(JSONValue.string("a\"b\\c\nd\u{7F}").jsonString == #""a\"b\\c\nd\u007f""#)
    }

    @Test(arguments: [
        [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xC3], [0xE2, 0x82], [0x80], [0xC3, 0x41],
    ] as [[UInt8]])
    func malformedUTF8InsideStringsIsRejected(sequence: [UInt8]) {
        for escaped in [false, true] {
            let bytes = Array("[\"a".utf8) + (escaped ? Array("\\n".utf8) : []) + sequence + Array("b\"]".utf8)
            #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
        }
    }

    @Test func wellFormedMultibyteTextParsesWithAndWithoutEscapes() throws {
        #expect(try JSONValue.parse(#"["Björn Åström — 東京 🎧"]"#) == ["Björn Åström — 東京 🎧"])
        #expect(try JSONValue.parse(#"["tab\there — 東京 🎧"]"#) == ["tab\there — 東京 🎧"])
    }

    @Test func integersWriteExactlyAtTheExtremes() {
        #expect(JSONValue.int(.min).jsonString == "-9223372036854775808")
        #expect(JSONValue.int(.max).jsonString == "9223372036854775807")
        #expect(JSONValue.int(0).jsonString == "0")
        #expect(JSONValue.double(-120).jsonString == "-120")
    }
}
