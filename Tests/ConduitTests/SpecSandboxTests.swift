import Foundation
import Testing

@testable import Conduit

@Suite struct SpecSandboxTests {
    private let widget: JSONObject = [
        "type": "object", "required": ["name"],
        "properties": ["id": ["type": "integer"], "name": ["type": "string"], "size": ["type": "integer", "minimum": 1], "color": ["type": "string", "enum": ["red", "blue"]]],
    ]

    private func sandbox() -> SpecSandbox {
        let key = SpecOperation.Parameter(name: "X-Api-Key", location: .header, isRequired: true, schema: ["type": "string"])
        return SpecSandbox(operations: [
            SpecOperation(
                method: "GET", path: "/widgets",
                parameters: [.init(name: "limit", location: .query, isRequired: false, schema: ["type": "integer"]),
                             .init(name: "color", location: .query, isRequired: false, schema: ["type": "string", "enum": ["red", "blue"]])],
                success: .init(status: 200, mediaType: "application/json", example: ["data": [["id": 1, "name": "Sprocket"]], "has_more": false]),
                credentialCarriers: [key]),
            SpecOperation(
                method: "POST", path: "/widgets", body: .init(isRequired: true, mediaTypes: ["application/json"], schema: widget),
                success: .init(status: 201, mediaType: "application/json", schema: widget), badRequestStatus: 422, credentialCarriers: [key]),
            SpecOperation(
                method: "GET", path: "/widgets/{id}", parameters: [.init(name: "id", location: .path, isRequired: true, schema: ["type": "integer"])],
                success: .init(status: 200, mediaType: "application/json", schema: widget), credentialCarriers: [key]),
            SpecOperation(method: "GET", path: "/widgets/search", success: .init(status: 200, mediaType: "application/json", example: ["search": true])),
            SpecOperation(
                method: "DELETE", path: "/widgets/{id}", parameters: [.init(name: "id", location: .path, isRequired: true, schema: ["type": "integer"])],
                success: .init(status: 204, mediaType: nil), credentialCarriers: [key]),
            SpecOperation(method: "GET", path: "/widgets/{id}/photo", success: .init(status: 200, mediaType: "image/png")),
        ], basePath: "/v2")
    }

    private func send(_ sandbox: SpecSandbox, _ method: String, _ target: String, body: JSONValue? = nil, key: Bool = true) throws -> (Int, JSONValue?) {
        var headers: [String: String] = key ? ["x-api-key": "k"] : [:]
        if body != nil { headers["content-type"] = "application/json" }
        let response = sandbox.respond(to: SandboxRequest(method: method, target: target, headers: headers, body: body?.jsonBytes ?? []))
        return (response.status, response.body.isEmpty ? nil : try? JSONValue.parse(response.body))
    }

    @Test func documentedAnswersComeFromExamplesAndSchemas() throws {
        let stand = sandbox()
        let (status, list) = try send(stand, "GET", "/v2/widgets?limit=5")
        #expect(status == 200 && list?["data"]?.arrayValue?.first?["name"] == "Sprocket")
        let (_, one) = try send(stand, "GET", "/v2/widgets/7")
        #expect(one == ["id": 7, "name": "string", "size": 1, "color": "red"])
        #expect(try send(stand, "GET", "/v2/widgets/search", key: false).1 == ["search": true], "a literal segment wins over {id}")
        let photo = stand.respond(to: SandboxRequest(method: "GET", target: "/v2/widgets/1/photo"))
        #expect(photo.status == 200 && photo.headers.contains { $0.name == "Content-Type" && $0.value == "image/png" })
    }

    @Test func requestsTheDocumentRefusesAreRefusedWithItsStatus() throws {
        let stand = sandbox()
        #expect(try send(stand, "GET", "/v2/widgets", key: false).0 == 401)
        let (status, answer) = try send(stand, "GET", "/v2/widgets?limit=ten&color=green")
        #expect(status == 400)
        let said = answer?["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(said.contains { $0.contains("\"limit\" must be an integer") } && said.contains { $0.contains("\"color\" must be one of red, blue") })
        #expect(try send(stand, "GET", "/v2/widgets/abc").0 == 400)
        #expect(try send(stand, "POST", "/v2/widgets", body: ["size": 0]).0 == 422)
        #expect(try send(stand, "POST", "/v2/widgets").0 == 422, "a required body")
        #expect(try send(stand, "PATCH", "/v2/widgets/1").0 == 405)
        #expect(try send(stand, "GET", "/v2/gadgets").0 == 404)
    }

    @Test func aRequiredObjectParameterCountsAsSentInEitherOfItsForms() throws {
        let range: JSONObject = ["type": "object", "properties": ["gte": ["type": "integer"]]]
        let who: JSONObject = ["type": "object", "oneOf": [["properties": ["user_id": ["type": "string"]]], ["properties": ["email": ["type": "string"]]]]]
        let stand = SpecSandbox(operations: [
            SpecOperation(method: "GET", path: "/charges", parameters: [.init(name: "created", location: .query, isRequired: true, schema: range)],
                          success: .init(status: 200, mediaType: "application/json", example: ["data": []])),
            SpecOperation(method: "GET", path: "/events", parameters: [.init(name: "filter", location: .query, isRequired: true, schema: who)],
                          success: .init(status: 200, mediaType: "application/json", example: ["data": []])),
        ], basePath: "")
        #expect(try send(stand, "GET", "/charges?created%5Bgte%5D=5").0 == 200, "deepObject")
        #expect(try send(stand, "GET", "/charges?gte=5").0 == 200, "form, exploded")
        #expect(try send(stand, "GET", "/events?email=a%40b.test").0 == 200, "a property of one of its choices")
        #expect(try send(stand, "GET", "/events?gte=5").0 == 400)
        let (status, answer) = try send(stand, "GET", "/charges?other=5")
        #expect(status == 400 && answer?["problems"] == ["missing required query parameter \"created\""])
    }

    @Test func formAndMultipartBodiesAreCheckedAgainstTheirFields() throws {
        let message: JSONObject = [
            "type": "object", "required": ["channel", "file"],
            "properties": ["channel": ["type": "string"], "count": ["type": "integer"], "urgent": ["type": "boolean"],
                           "tags": ["type": "array", "items": ["type": "string"]], "file": ["type": "string", "format": "binary"]],
        ]
        let stand = SpecSandbox(operations: [
            SpecOperation(method: "POST", path: "/post", body: .init(isRequired: true, mediaTypes: ["application/x-www-form-urlencoded"], schema: message),
                          success: .init(status: 200, mediaType: "application/json", example: ["ok": true])),
            SpecOperation(method: "POST", path: "/upload", body: .init(isRequired: true, mediaTypes: ["multipart/form-data"], schema: message),
                          success: .init(status: 200, mediaType: "application/json", example: ["ok": true])),
        ], basePath: "")
        func post(_ path: String, _ contentType: String, _ body: String) -> (Int, [String]) {
            let response = stand.respond(to: SandboxRequest(method: "POST", target: path, headers: ["content-type": contentType], body: Array(body.utf8)))
            let said = (try? JSONValue.parse(response.body))?["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return (response.status, said)
        }
        let form = "application/x-www-form-urlencoded"
        #expect(post("/post", form, "channel=C1&file=x&count=3&urgent=true&tags=a&tags=b").0 == 200)
        #expect(post("/post", form, "channel=C%201&file=x&tags=%5B%22a%22%5D").0 == 200, "a list may also come as JSON text")
        let (status, said) = post("/post", form, "count=three&urgent=maybe")
        #expect(status == 400)
        #expect(said.contains { $0.contains("channel") } && said.contains { $0.contains("count") } && said.contains { $0.contains("urgent") }, "\(said)")

        let multipart = "multipart/form-data; boundary=XyZ"
        let parts = "--XyZ\r\nContent-Disposition: form-data; name=\"channel\"\r\n\r\nC1\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\u{1}\u{2}\r\n--XyZ--\r\n"
        #expect(post("/upload", multipart, parts).0 == 200)
        let withoutFile = "--XyZ\r\nContent-Disposition: form-data; name=\"channel\"\r\n\r\nC1\r\n--XyZ--\r\n"
        let missing = post("/upload", multipart, withoutFile)
        #expect(missing.0 == 400 && missing.1.contains { $0.contains("file") }, "\(missing)")
        #expect(post("/upload", multipart, "not multipart at all").1 == ["the multipart body is not well formed"])
    }

    @Test func whatACallCreatesChangesOrDeletesStays() throws {
        let stand = sandbox()
        let (status, created) = try send(stand, "POST", "/v2/widgets", body: ["name": "Cog", "color": "blue"])
        #expect(status == 201 && created?["name"] == "Cog")
        let id = try #require(created?["id"]?.intValue)
        #expect(try send(stand, "GET", "/v2/widgets/\(id)").1?["color"] == "blue")
        #expect(try send(stand, "GET", "/v2/widgets").1?["data"]?.arrayValue?.first?["name"] == "Cog")
        #expect(try send(stand, "DELETE", "/v2/widgets/\(id)").0 == 204)
        #expect(try send(stand, "GET", "/v2/widgets/\(id)").0 == 404)
    }

    @Test func schemaExamplesFollowFormatsAndEndOnRecursion() {
        let node: JSONObject = ["type": "object", "properties": ["when": ["type": "string", "format": "date-time"], "mail": ["type": "string", "format": "email"]]]
        let made = SchemaExample.make(from: node)
        #expect(made == ["when": "2025-01-15T09:30:00Z", "mail": "someone@example.com"])
        // A self-similar schema nested deeper than the limit still ends.
        var deep: JSONObject = ["type": "object", "properties": [:]]
        for _ in 0..<20 { deep = ["type": "object", "properties": ["child": .object(deep)]] }
        var depth = 0
        var cursor: JSONValue? = SchemaExample.make(from: deep)
        while let next = cursor?["child"] {
            depth += 1
            cursor = next
        }
        #expect(depth <= 6)
        #expect(SchemaExample.make(from: ["oneOf": [["type": "integer"], ["type": "string"]]]) == 1)
        #expect(SchemaExample.make(from: ["type": ["null", "boolean"]]) == true)
    }
}
