import Foundation
import Testing

@testable import Conduit

@Suite struct ArgumentValidationTests {
    private func tool(_ name: String) throws -> Tool {
        try #require(try sampleLoaded().tools.first { $0.name == name })
    }

    @Test func unknownMissingWrongTypeAndBadEnumAreEachNamed() throws {
        let list = try tool("list_all_acme_widgets")
        #expect(ArgumentValidator.problems(in: ["colour": "red"], schema: list.inputSchema).first?.contains("unknown argument \"colour\"") == true)
        #expect(ArgumentValidator.problems(in: ["color": "green"], schema: list.inputSchema) == [#"argument "color" must be one of "red", "blue", not "green""#])
        #expect(ArgumentValidator.problems(in: ["limit": "ten"], schema: list.inputSchema) == [#"argument "limit" must be an integer, not a string"#])
        #expect(ArgumentValidator.problems(in: ["limit": 0], schema: list.inputSchema) == [#"argument "limit" must be at least 1"#])
        let create = try tool("create_a_acme_widget")
        #expect(ArgumentValidator.problems(in: ["size": 3], schema: create.inputSchema) == [#"missing required argument "name""#])
        #expect(ArgumentValidator.problems(in: ["name": "w", "size": 3], schema: create.inputSchema).isEmpty)
    }
}

@Suite struct RequestBuildingTests {
    private func build(_ name: String, _ arguments: JSONObject, cursor: ListCursor? = nil) throws -> UpstreamRequest {
        let tool = try #require(try sampleLoaded().tools.first { $0.name == name })
        let position = tool.kind == .list ? RequestBuilder.PagePosition(cursor: cursor ?? ListCursor(), pageSize: nil) : nil
        return try RequestBuilder.build(tool: tool, arguments: arguments, baseURL: "https://api.acme.test", position: position)
    }

    @Test(arguments: ["../../admin", "a/b", "x?y=1", "frag#ment", "..", "%2e%2e", "sp ace"])
    func pathValuesCannotChangeTheTarget(value: String) throws {
        let request = try build("get_single_acme_widget_by_id", ["id": .string(value)])
        let path = request.url.absoluteString.replacingOccurrences(of: "https://api.acme.test", with: "")
        #expect(path.hasPrefix("/v1/widgets/"))
        let segment = path.dropFirst("/v1/widgets/".count)
        #expect(segment.allSatisfy { $0 != "/" && $0 != "?" && $0 != "#" })
        #expect(segment != "." && segment != "..")
        #expect(request.url.query == nil && request.url.fragment == nil)
    }

    @Test func jsonAPIBodiesAreWrapped() throws {
        let request = try build("create_a_acme_widget", ["name": "Sprocket", "size": 3])
        let body = try JSONValue.parse(request.body ?? [])
        #expect(body == ["data": ["type": "widget", "attributes": ["name": "Sprocket", "size": 3]]])
        #expect(request.headers.contains { $0.name == "Content-Type" && $0.value == "application/vnd.api+json" })
    }

    @Test func textBodiesAreSentAsIs() throws {
        let request = try build("acme_widgets_polish", ["body": "join https://zoom.us/j/1"])
        #expect(request.body == Array("join https://zoom.us/j/1".utf8))
    }

    @Test func theVendorCursorTravelsInTheQuery() throws {
        let request = try build("list_all_acme_widgets", ["color": "red"], cursor: ListCursor(vendorCursor: "abc/="))
        #expect(request.url.query == "color=red&cursor=abc%2F%3D")
    }
}

@Suite struct CursorTests {
    @Test func aCursorRoundTripsForItsTool() {
        let cursor = ListCursor(vendorCursor: "xyz", skip: 3)
        #expect(ListCursor.decode(cursor.encode(tool: "t"), tool: "t") == cursor)
    }

    @Test func anEditedOrForeignCursorIsRejected() {
        let text = ListCursor(page: 2).encode(tool: "t")
        #expect(ListCursor.decode(text, tool: "other") == nil)
        let tampered = ListCursor(page: 3).encode(tool: "t").split(separator: ".")[0] + "." + text.split(separator: ".")[1]
        #expect(ListCursor.decode(String(tampered), tool: "t") == nil)
        #expect(ListCursor.decode("garbage", tool: "t") == nil)
    }
}

@Suite struct ResponseInterpretationTests {
    private func interpret(
        _ tool: String, status: Int, body: String, cursor: ListCursor = ListCursor(), limit: Int? = nil, store: FileStore? = nil
    ) throws -> ToolCallResult {
        let loaded = try sampleLoaded()
        let found = try #require(loaded.tools.first { $0.name == tool })
        let response = HTTPResponse(status: status, headers: ["content-type": "application/json"], body: Array(body.utf8))
        return ResponseInterpreter(definition: loaded.definition, tool: found, store: store)
            .interpret(response, position: RequestBuilder.PagePosition(cursor: cursor, pageSize: nil), limit: limit)
    }

    /// Walks a two-page vendor list with `limit` and an inline limit, the way an agent
    /// follows next_cursor, and returns every record it was shown.
    private func walk(limit: Int?, inlineLimit: Int) throws -> (records: [JSONValue], calls: Int) {
        var settings = FileSettings()
        settings.directory = NSTemporaryDirectory() + "conduit-fit-\(UUID().uuidString)"
        settings.inlineLimitBytes = inlineLimit
        let store = FileStore(settings: settings)
        defer { try? FileManager.default.removeItem(atPath: settings.directory!) }
        let pages = [
            "": (1...40).map { #"{"id":\#($0),"name":"\#(String(repeating: "n", count: 60 + $0))"}"# },
            "n2": (41...47).map { #"{"id":\#($0)}"# },
        ]
        var records: [JSONValue] = []
        var cursor = ListCursor()
        var calls = 0
        while calls < 200 {
            let vendorCursor = cursor.vendorCursor?.stringValue ?? ""
            let next = vendorCursor.isEmpty ? #","next":"n2""# : ""
            let body = #"{"items":[\#(pages[vendorCursor]!.joined(separator: ","))]\#(next)}"#
            let result = try interpret("list_all_acme_widgets", status: 200, body: body, cursor: cursor, limit: limit, store: store)
            calls += 1
            #expect(result.structuredJSON.count <= inlineLimit, "an inline page over the limit")
            records += result.structured["result"]?.arrayValue ?? []
            guard case .string(let text)? = result.structured["next_cursor"] else { break }
            cursor = try #require(ListCursor.decode(text, tool: "list_all_acme_widgets"))
        }
        return (records, calls)
    }

    @Test(arguments: [(nil, 1024), (5, 1024), (12, 1500), (3, 100_000), (nil, 100_000), (100, 1100)] as [(Int?, Int)])
    func walkingTheCursorsReturnsEveryRecordOnceWhateverThePageAndInlineSizes(limit: Int?, inlineLimit: Int) throws {
        let (records, calls) = try walk(limit: limit, inlineLimit: inlineLimit)
        #expect(records.compactMap { $0["id"]?.intValue } == Array(1...47))
        if inlineLimit < 2000 { #expect(calls > 2) }
    }

    @Test func aFittedPageSaysHowMuchItShowsAndWhy() throws {
        var settings = FileSettings()
        settings.directory = NSTemporaryDirectory() + "conduit-fit-\(UUID().uuidString)"
        settings.inlineLimitBytes = 1024
        defer { try? FileManager.default.removeItem(atPath: settings.directory!) }
        let body = #"{"items":[\#((1...50).map { #"{"id":\#($0),"pad":"\#(String(repeating: "p", count: 40))"}"# }.joined(separator: ","))],"next":"n2"}"#
        let result = try interpret("list_all_acme_widgets", status: 200, body: body, store: FileStore(settings: settings))
        let shown = try #require(result.structured["result"]?.arrayValue)
        #expect(result.structured["truncated"] == true)
        #expect(result.structured["records_shown"] == .int(Int64(shown.count)))
        #expect(result.structured["note"]?.stringValue?.contains("\(50 - shown.count) more records") == true)
        let cursor = try #require(ListCursor.decode(result.structured["next_cursor"]!.stringValue!, tool: "list_all_acme_widgets"))
        #expect(cursor.skip == shown.count && cursor.vendorCursor == nil, "resumes on the same vendor page")
    }

    @Test func pagesPassThroughWithTheVendorsOwnSpelling() throws {
        let body = "{ \"items\" : [ {\"id\":1, \"big\": 123456789012345678901234567890, \"s\":\"\\u00e9\\/\"} ],\n \"next\": null }"
        let result = try interpret("list_all_acme_widgets", status: 200, body: body)
        #expect(String(decoding: result.structuredJSON, as: UTF8.self)
            == #"{"result":[{"id":1,"big":123456789012345678901234567890,"s":"\u00e9\/"}],"next_cursor":null}"#)
    }

    @Test func listsBecomeResultAndNextCursor() throws {
        let result = try interpret("list_all_acme_widgets", status: 200, body: #"{"items":[{"id":1},{"id":2}],"next":"n2"}"#)
        #expect(result.structured["result"] == [["id": 1], ["id": 2]])
        let next = try #require(result.structured["next_cursor"]?.stringValue)
        #expect(ListCursor.decode(next, tool: "list_all_acme_widgets")?.vendorCursor == "n2")
    }

    @Test func theLastPageHasANullCursor() throws {
        let result = try interpret("list_all_acme_widgets", status: 200, body: #"{"items":[{"id":1}]}"#)
        #expect(result.structured["next_cursor"] == .null)
    }

    @Test func aLimitSmallerThanThePageKeepsTheRestForTheNextCall() throws {
        let body = #"{"items":[{"id":1},{"id":2},{"id":3}],"next":"n2"}"#
        let first = try interpret("list_all_acme_widgets", status: 200, body: body, limit: 2)
        #expect(first.structured["result"] == [["id": 1], ["id": 2]])
        let cursor = try #require(ListCursor.decode(first.structured["next_cursor"]!.stringValue!, tool: "list_all_acme_widgets"))
        #expect(cursor.skip == 2 && cursor.vendorCursor == nil)
        let second = try interpret("list_all_acme_widgets", status: 200, body: body, cursor: cursor, limit: 2)
        #expect(second.structured["result"] == [["id": 3]])
        #expect(ListCursor.decode(second.structured["next_cursor"]!.stringValue!, tool: "list_all_acme_widgets")?.vendorCursor == "n2")
    }

    @Test func vendorErrorsCarryStatusMessageAndBody() throws {
        let result = try interpret("get_single_acme_widget_by_id", status: 404, body: #"{"errors":[{"detail":"Widget 9 not found"}]}"#)
        #expect(result.isError)
        #expect(result.text.contains("404") && result.text.contains("Widget 9 not found"))
        #expect(result.structured["error"]?["status"] == 404)
        #expect(result.structured["error"]?["body"]?.stringValue?.contains("errors") == true)
    }

    @Test func invalidJSONFromTheVendorIsAnError() throws {
        let result = try interpret("get_single_acme_widget_by_id", status: 200, body: #"{"truncated": "#)
        #expect(result.isError)
        #expect(result.text.contains("not valid JSON"))
    }

    @Test func asyncOperationsSayAcceptedNotDone() throws {
        let result = try interpret("delete_a_acme_widget_by_id", status: 202, body: #"{"data":{"type":"task","id":"t1"}}"#)
        #expect(result.structured["async"] == true)
        #expect(result.structured["async_note"]?.stringValue?.contains("Accepted, not finished") == true)
    }

    @Test func binaryBodiesAreRefusedNotInlined() throws {
        let loaded = try sampleLoaded()
        let tool = try #require(loaded.tools.first { $0.name == "get_single_acme_widget_by_id" })
        let bytes = [UInt8](repeating: 0xFF, count: 100_000)
        let response = HTTPResponse(status: 200, headers: ["content-type": "audio/webm"], body: bytes)
        let result = ResponseInterpreter(definition: loaded.definition, tool: tool).interpret(response, position: nil, limit: nil)
        #expect(result.isError)
        #expect(result.text.count < 1000)
        #expect(result.text.contains("audio/webm"))
    }
}

@Suite struct ArgumentReadingTests {
    private func chorusTool(_ name: String) throws -> Tool {
        try #require(try DefinitionLoader.load("chorus").tools.first { $0.name == name })
    }

    @Test func aCommaListStringAndASingleValueBecomeTheListTheSchemaWants() throws {
        let tool = try chorusTool("list_all_chorus_conversations")
        let (single, singleNotes) = ArgumentReader.read(["user_id": "305921"], for: tool)
        #expect(single["user_id"] == [305921])
        #expect(singleNotes == [#"read "user_id": "305921" as [305921]"#])
        let (several, _) = ArgumentReader.read(["user_id": "305921, 305922,,"], for: tool)
        #expect(several["user_id"] == [305921, 305922])
        #expect(ArgumentValidator.problems(in: several, schema: tool.inputSchema).isEmpty)
        let request = try RequestBuilder.build(tool: tool, arguments: several, baseURL: "https://chorus.test",
                                               position: RequestBuilder.PagePosition(cursor: ListCursor(), pageSize: nil))
        #expect(request.url.query?.contains("user_id=305921%2C305922") == true, "\(request.url)")
    }

    @Test func numbersAndFlagsWrittenAsTextAreRead() throws {
        let schema: JSONObject = ["type": "object", "properties": [
            "limit": ["type": "integer"], "ratio": ["type": "number"], "flag": ["type": "boolean"], "ids": ["type": "array", "items": ["type": "integer"]],
            "name": ["type": "string"],
        ]]
        #expect(ArgumentReader.convert("42", schema: ["type": "integer"]) == 42)
        #expect(ArgumentReader.convert(" -7 ", schema: ["type": "integer"]) == -7)
        #expect(ArgumentReader.convert("2.5", schema: ["type": "number"]) == 2.5)
        #expect(ArgumentReader.convert("TRUE", schema: ["type": "boolean"]) == true)
        #expect(ArgumentReader.convert("false", schema: ["type": "boolean"]) == false)
        #expect(ArgumentReader.convert(["1", "2"], schema: schema["properties"]!["ids"]!.objectValue!) == [1, 2])
        #expect(ArgumentReader.convert("3", schema: schema["properties"]!["ids"]!.objectValue!) == [3])
        // What cannot be read as meant stays as it is, for the validator to refuse clearly.
        #expect(ArgumentReader.convert("forty-two", schema: ["type": "integer"]) == "forty-two")
        #expect(ArgumentReader.convert("4.5", schema: ["type": "integer"]) == "4.5")
        #expect(ArgumentReader.convert("yes", schema: ["type": "boolean"]) == "yes")
        #expect(ArgumentReader.convert(42, schema: ["type": "string"]) == 42)
        #expect(ArgumentReader.convert(["a": "1"], schema: ["type": "integer"]) == ["a": "1"])
        #expect(ArgumentReader.convert(.null, schema: ["type": "array"]) == .null)
    }

    @Test func aCommaInAStringIsKeptWhereTheVendorWantsNoCommaList() throws {
        let listSchema: JSONObject = ["type": "array", "items": ["type": "string"]]
        #expect(ArgumentReader.convert("a,b", schema: listSchema, commaList: false) == ["a,b"])
        #expect(ArgumentReader.convert("a,b", schema: listSchema, commaList: true) == ["a", "b"])
    }
}
