import Foundation
import Testing

@testable import Conduit

/// What the definition format gained for documents imported from OpenAPI: an API key in
/// the query string, no auth at all, an absolute token URL, a method's own origin, its
/// operationId, `Link`-header paging and last-record cursors.
@Suite struct DefinitionFormatExtensionTests {
    static let definition = #"""
        {
          "name": "shop", "title": "Shop", "description": "A fictional shop.",
          "base_url": "https://api.shop.test",
          "credentials": {"api_key": {"description": "key", "secret": true}},
          "auth": [{"type": "query", "param": "key", "value": "{api_key}"}, {"type": "none"}],
          "resources": {
            "orders": {
              "singular": "order",
              "methods": {
                "list": {
                  "http": "GET", "path": "/orders", "description": "Lists orders.", "operation_id": "listOrders",
                  "parameters": [{"name": "per_page", "in": "query", "schema": {"type": "integer"}},
                                 {"name": "state", "in": "query", "schema": {"type": "string"}}],
                  "pagination": {"style": "link", "limit_param": "per_page", "max_limit": 100},
                  "results_path": ""
                },
                "get": {
                  "http": "GET", "path": "/orders/{id}", "description": "Gets an order.",
                  "base_url": "https://eu.shop.test/v2/",
                  "parameters": [{"name": "id", "in": "path"}]
                }
              }
            },
            "charges": {
              "singular": "charge",
              "methods": {
                "list": {
                  "http": "GET", "path": "/charges", "description": "Lists charges.",
                  "parameters": [{"name": "starting_after", "in": "query"}, {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                  "pagination": {"style": "cursor", "cursor_param": "starting_after", "last_record_cursor_path": "id",
                                 "more_path": "has_more", "limit_param": "limit"},
                  "results_path": "data"
                }
              }
            }
          }
        }
        """#

    private func loaded() throws -> DefinitionLoader.Loaded {
        try DefinitionLoader.decode(Array(Self.definition.utf8), source: "shop.json")
    }

    private func tool(_ name: String) throws -> (IntegrationDefinition, Tool) {
        let loaded = try loaded()
        return (loaded.definition, try #require(loaded.tools.first { $0.name == name }))
    }

    private func interpret(_ name: String, body: String, headers: [String: String] = [:], cursor: ListCursor = ListCursor(), limit: Int? = nil)
        throws -> ToolCallResult
    {
        let (definition, tool) = try tool(name)
        var all = headers
        all["content-type"] = "application/json"
        let response = HTTPResponse(status: 200, headers: all, body: Array(body.utf8))
        return ResponseInterpreter(definition: definition, tool: tool)
            .interpret(response, position: RequestBuilder.PagePosition(cursor: cursor, pageSize: nil), limit: limit)
    }

    @Test func theNewKeysAreReadIntoTheDefinition() throws {
        let (definition, list) = try tool("list_all_shop_orders")
        #expect(list.method.operationID == "listOrders")
        #expect(list.method.pagination?.style == .link)
        let get = try #require(definition.resources.first?.methods.first { $0.name == "get" })
        #expect(get.baseURL == "https://eu.shop.test/v2", "a trailing slash is dropped as for the definition's base_url")
        guard case .query(let parameter, let template) = definition.auth[0] else {
            Issue.record("expected query auth, got \(definition.auth[0])")
            return
        }
        #expect(parameter == "key" && template == "{api_key}")
        #expect(definition.auth[1].credentialNames.isEmpty)
        let charges = try tool("list_all_shop_charges").1
        #expect(charges.method.pagination?.lastRecordCursorPath == JSONPath("id"))
        #expect(charges.inputSchema["properties"]?["starting_after"] == nil, "the cursor parameter belongs to paging")
    }

    @Test func misplacedNewKeysAreReportedByPath() {
        var text = Self.definition.replacingOccurrences(of: #""style": "link""#, with: #""style": "link", "last_record_cursor_path": "id""#)
        text = text.replacingOccurrences(of: #""base_url": "https://eu.shop.test/v2/""#, with: #""base_url": "eu.shop.test""#)
        text = text.replacingOccurrences(of: #"{"type": "none"}"#, with: #"{"type": "oauth2_client_credentials", "token_url": "/token", "client_id": "api_key", "client_secret": "api_key"}"#)
        do {
            _ = try DefinitionDecoder.decode(bytes: Array(text.utf8), source: "shop.json")
            Issue.record("expected problems")
        } catch {
            let messages = error.problems.map(\.description)
            #expect(messages.contains("resources.orders.methods.list.pagination.last_record_cursor_path: only cursor pagination takes its cursor from the last record"))
            #expect(messages.contains("resources.orders.methods.get.base_url: must start with https:// or http://"))
            #expect(messages.contains("auth[1].token_url: must start with https:// or http://"))
        }
    }

    @Test func anAPIKeyInTheQueryTravelsAsAParameterAndNotAsAHeader() async throws {
        let authenticator = Authenticator(
            scheme: .query(parameter: "key", valueTemplate: "{api_key}"), credentials: ["api_key": "k&1"],
            baseURL: "https://api.shop.test", http: HTTPClient())
        #expect(try await authenticator.headers().isEmpty)
        #expect(authenticator.queryParameters.map(\.name) == ["key"] && authenticator.queryParameters.map(\.value) == ["k&1"])
        var request = UpstreamRequest(method: "GET", url: URL(string: "https://api.shop.test/orders?state=open")!, headers: [], body: nil)
        request.appendQuery(authenticator.queryParameters)
        #expect(request.url.absoluteString == "https://api.shop.test/orders?state=open&key=k%261")
    }

    @Test func noAuthIsChosenWhenNoCredentialsAreGiven() async throws {
        let definition = try loaded().definition
        let chosen = try Authenticator.chooseScheme(definition, credentials: [:]).get()
        #expect(chosen.typeName == "none")
        let authenticator = Authenticator(scheme: chosen, credentials: [:], baseURL: "https://api.shop.test", http: HTTPClient())
        #expect(try await authenticator.headers().isEmpty)
    }

    @Test func aLinkHeaderGivesTheNextPagesQuery() throws {
        let header = #"<https://api.shop.test/orders?state=open&per_page=2&page=2>; rel="next", <https://api.shop.test/orders?page=9>; rel="last""#
        let page = try interpret("list_all_shop_orders", body: #"[{"id":1},{"id":2}]"#, headers: ["link": header])
        let text = try #require(page.structured["next_cursor"]?.stringValue)
        let cursor = try #require(ListCursor.decode(text, tool: "list_all_shop_orders"))
        #expect(cursor.vendorCursor == [["state", "open"], ["per_page", "2"], ["page", "2"]])

        // The next request keeps the tool's own origin and path and takes the link's query.
        let (_, tool) = try tool("list_all_shop_orders")
        let request = try RequestBuilder.build(
            tool: tool, arguments: ["state": "open"], baseURL: "https://api.shop.test",
            position: RequestBuilder.PagePosition(cursor: cursor, pageSize: 2))
        #expect(request.url.absoluteString == "https://api.shop.test/orders?state=open&per_page=2&page=2")

        // The API key a query-auth scheme sends never rides in a cursor.
        let keyed = try interpret(
            "list_all_shop_orders", body: #"[{"id":1}]"#, headers: ["link": #"<https://api.shop.test/orders?page=2&key=k1>; rel="next""#])
        let keyedCursor = try #require(ListCursor.decode(keyed.structured["next_cursor"]?.stringValue ?? "", tool: "list_all_shop_orders"))
        #expect(keyedCursor.vendorCursor == [["page", "2"]])

        let last = try interpret("list_all_shop_orders", body: #"[{"id":3}]"#, headers: ["link": #"<https://api.shop.test/orders?page=1>; rel="prev""#])
        #expect(last.structured["next_cursor"] == .null)
        #expect(try interpret("list_all_shop_orders", body: "[]").structured["next_cursor"] == .null)
    }

    @Test func linkRelationsMayBeQuotedListsInAnyOrder() {
        #expect(ResponseInterpreter.nextLinkQuery(#"<https://x.test/a?after=b%2Bc+d>; rel="prev next""#) == [["after", "b+c d"]])
        #expect(ResponseInterpreter.nextLinkQuery("<https://x.test/a?p=2>;rel=next") == [["p", "2"]])
        #expect(ResponseInterpreter.nextLinkQuery("<https://x.test/a?p=2>; rel=\"nextish\"") == nil)
    }

    @Test func aLastRecordCursorIsTheLastIdWhileMoreRemain() throws {
        let page = try interpret("list_all_shop_charges", body: #"{"data":[{"id":"ch_1"},{"id":"ch_2"}],"has_more":true}"#)
        let cursor = try #require(ListCursor.decode(page.structured["next_cursor"]?.stringValue ?? "", tool: "list_all_shop_charges"))
        #expect(cursor.vendorCursor == "ch_2")
        let (_, tool) = try tool("list_all_shop_charges")
        let request = try RequestBuilder.build(
            tool: tool, arguments: [:], baseURL: "https://api.shop.test", position: RequestBuilder.PagePosition(cursor: cursor, pageSize: 5))
        #expect(request.url.query == "limit=5&starting_after=ch_2")

        let end = try interpret("list_all_shop_charges", body: #"{"data":[{"id":"ch_3"}],"has_more":false}"#)
        #expect(end.structured["next_cursor"] == .null)

        // A limit below the page keeps the rest of this vendor page for the next call.
        let cut = try interpret("list_all_shop_charges", body: #"{"data":[{"id":"ch_1"},{"id":"ch_2"}],"has_more":true}"#, limit: 1)
        let resume = try #require(ListCursor.decode(cut.structured["next_cursor"]?.stringValue ?? "", tool: "list_all_shop_charges"))
        #expect(resume.skip == 1 && resume.vendorCursor == nil)
    }
}
