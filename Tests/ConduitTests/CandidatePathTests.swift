import Foundation
import Testing

@testable import Conduit

/// The sample definition with one method's keys replaced, loaded (or its problems).
private func editedSample(
    _ resource: String, _ method: String, _ edit: (inout JSONObject) -> Void
) throws(DefinitionError) -> DefinitionLoader.Loaded {
    var root = (try! JSONValue.parse(sampleDefinitionJSON)).objectValue!
    var resources = root["resources"]!.objectValue!
    var res = resources[resource]!.objectValue!
    var methods = res["methods"]!.objectValue!
    var spec = methods[method]!.objectValue!
    edit(&spec)
    methods[method] = .object(spec)
    res["methods"] = .object(methods)
    resources[resource] = .object(res)
    root["resources"] = .object(resources)
    return try DefinitionLoader.decode(JSONValue.object(root).jsonBytes, source: "my-api.json")
}

private func problems(_ resource: String, _ method: String, _ edit: (inout JSONObject) -> Void) -> [String] {
    do {
        _ = try editedSample(resource, method, edit)
        return []
    } catch {
        return error.description.split(separator: "\n").map(String.init)
    }
}

/// `results_path` and `next_cursor_path` given as lists of candidates: the first one the
/// response holds wins, so a vendor whose documents leave the location out can be read
/// whichever of the likely shapes it answers with.
@Suite struct CandidatePathTests {
    private func widgetsList(results: JSONValue, next: JSONValue) throws -> (DefinitionLoader.Loaded, Tool) {
        let loaded = try editedSample("widgets", "list") { spec in
            spec["results_path"] = results
            var pagination = spec["pagination"]!.objectValue!
            pagination["next_cursor_path"] = next
            spec["pagination"] = .object(pagination)
        }
        return (loaded, try #require(loaded.tools.first { $0.name == "list_all_acme_widgets" }))
    }

    private func interpret(_ body: String, results: JSONValue, next: JSONValue) throws -> ToolCallResult {
        let (loaded, tool) = try widgetsList(results: results, next: next)
        let response = HTTPResponse(status: 200, headers: ["content-type": "application/json"], body: Array(body.utf8))
        return ResponseInterpreter(definition: loaded.definition, tool: tool)
            .interpret(response, position: RequestBuilder.PagePosition(cursor: ListCursor(), pageSize: nil), limit: nil)
    }

    private func vendorCursor(_ result: ToolCallResult) -> JSONValue? {
        guard let text = result.structured["next_cursor"]?.stringValue else { return nil }
        return ListCursor.decode(text, tool: "list_all_acme_widgets")?.vendorCursor
    }

    @Test func aSinglePathIsStillAccepted() throws {
        let (loaded, _) = try widgetsList(results: "items", next: "next")
        let method = try #require(loaded.definition.resources.first { $0.name == "widgets" }?.methods.first { $0.name == "list" })
        #expect(method.resultsPaths.map(\.steps.count) == [1])
        #expect(method.pagination?.nextCursorPaths.count == 1)
    }

    @Test(arguments: [
        (#"{"items":[{"id":1}],"next":"a"}"#, "a"),
        (#"{"data":[{"id":1}],"meta":{"page":{"cursor":"b"}}}"#, "b"),
        (#"{"data":[{"id":1}],"meta":{"page":{"cursor":null}},"next":"c"}"#, "c"),
    ])
    func theFirstCandidateThatIsPresentWins(body: String, cursor: String) throws {
        let result = try interpret(body, results: ["items", "data"], next: ["next", "meta.page.cursor", "nextPage"])
        #expect(result.structured["result"] == [["id": 1]])
        #expect(vendorCursor(result) == .string(cursor))
    }

    @Test func anEarlierCandidateBeatsALaterOne() throws {
        let result = try interpret(#"{"items":[{"id":1}],"data":[{"id":2}],"next":"n1","meta":{"page":{"cursor":"n2"}}}"#,
            results: ["items", "data"], next: ["next", "meta.page.cursor"])
        #expect(result.structured["result"] == [["id": 1]])
        #expect(vendorCursor(result) == "n1")
    }

    @Test func aNullOrEmptyCandidateIsPassedOverAndNoneMeansTheLastPage() throws {
        let skipped = try interpret(#"{"items":null,"data":[{"id":2}],"next":"","nextPage":"p"}"#,
            results: ["items", "data"], next: ["next", "nextPage"])
        #expect(skipped.structured["result"] == [["id": 2]])
        #expect(vendorCursor(skipped) == "p")
        let last = try interpret(#"{"data":[{"id":2}],"next":null}"#, results: ["items", "data"], next: ["next", "nextPage"])
        #expect(last.structured["next_cursor"] == .null)
    }

    @Test func theEmptyPathAsTheLastCandidateKeepsAnUnexpectedBodyInsteadOfReturningNothing() throws {
        let array = try interpret(#"[{"id":1},{"id":2}]"#, results: ["users", "data", ""], next: "next")
        #expect(array.structured["result"] == [["id": 1], ["id": 2]])
        let other = try interpret(#"{"people":[{"id":1}]}"#, results: ["users", "data", ""], next: "next")
        #expect(other.structured["result"] == [["people": [["id": 1]]]])
        let none = try interpret(#"{"people":[{"id":1}]}"#, results: ["users", "data"], next: "next")
        #expect(none.structured["result"] == [])
    }

    @Test func aBadCandidateListIsNamedByPath() {
        let empty = problems("widgets", "list") { $0["results_path"] = [] }
        #expect(empty.contains("my-api.json: resources.widgets.methods.list.results_path: must be a path or a non-empty array of paths, not array"))
        let number = problems("widgets", "list") { spec in
            var pagination = spec["pagination"]!.objectValue!
            pagination["next_cursor_path"] = ["next", 3]
            spec["pagination"] = .object(pagination)
        }
        #expect(number.contains("my-api.json: resources.widgets.methods.list.pagination.next_cursor_path[1]: must be a string"))
    }
}

/// `jsonapi_id`: a body property sent as the JSON:API `data.id` of a document whose
/// path names no resource.
@Suite struct JSONAPIIdentifierTests {
    private func createWithID() throws -> Tool {
        let loaded = try editedSample("widgets", "create") { spec in
            spec["body"] = [
                "content_type": "application/vnd.api+json", "required": true, "jsonapi_type": "widget", "jsonapi_id": "id",
                "schema": ["type": "object", "properties": ["id": ["type": "string"], "name": ["type": "string"]], "required": ["id", "name"]],
            ]
        }
        return try #require(loaded.tools.first { $0.name == "create_a_acme_widget" })
    }

    @Test func theNamedPropertyBecomesDataIDAndLeavesTheAttributes() throws {
        let tool = try createWithID()
        #expect(tool.inputSchema["required"] == ["id", "name"])
        let request = try RequestBuilder.build(tool: tool, arguments: ["id": "w-7", "name": "Sprocket"], baseURL: "https://api.acme.test", position: nil)
        let body = try JSONValue.parse(request.body ?? [])
        #expect(body == ["data": ["type": "widget", "id": "w-7", "attributes": ["name": "Sprocket"]]])
    }

    @Test func jsonAPIIDMustNameABodyPropertyOfAJSONAPIBody() {
        let unknown = problems("widgets", "create") { spec in
            var body = spec["body"]!.objectValue!
            body["jsonapi_id"] = "serial"
            spec["body"] = .object(body)
        }
        #expect(unknown.contains(#"my-api.json: resources.widgets.methods.create.body.jsonapi_id: names "serial", which is not a property of the body schema"#))
        let plain = problems("widgets", "create") { spec in
            spec["body"] = ["content_type": "application/json", "jsonapi_id": "name", "schema": ["type": "object", "properties": ["name": ["type": "string"]]]]
        }
        #expect(plain.contains("my-api.json: resources.widgets.methods.create.body.jsonapi_id: needs jsonapi_type: only a JSON:API document has data.id"))
    }
}
