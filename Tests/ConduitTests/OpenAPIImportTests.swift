import Foundation
import Synchronization
import Testing

@testable import Conduit

/// Fixture documents under Fixtures/openapi, and documents written for one test.
enum OpenAPIFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/openapi")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The import of a fixture and the tools its definition builds.
    static func load(_ name: String, options: OpenAPIImportOptions = OpenAPIImportOptions()) throws -> (OpenAPIImport, DefinitionLoader.Loaded) {
        try load(path: path(name), options: options)
    }

    static func load(path: String, options: OpenAPIImportOptions = OpenAPIImportOptions()) throws -> (OpenAPIImport, DefinitionLoader.Loaded) {
        let imported = try OpenAPIImporter.importDocument(at: path, options: options)
        let loaded = try DefinitionLoader.decode(imported.definition.jsonBytes, source: path)
        return (imported, loaded)
    }

    /// A document written to a fresh temporary folder (with any extra files beside it).
    static func write(_ text: String, name: String = "api.yaml", beside: [String: String] = [:]) throws -> String {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("conduit-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (file, content) in beside {
            let url = folder.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// A definition with one query parameter, to vary in tests of the definition format.
    static let minimalDefinition = """
        {"name": "tiny", "title": "Tiny", "description": "A test API.", "base_url": "https://tiny.example.com",
         "credentials": {}, "auth": [{"type": "none"}],
         "resources": {"things": {"singular": "thing", "methods": {"list": {"http": "GET", "path": "/things", "description": "Things.",
           "parameters": [{"name": "filter", "in": "query", "schema": {"type": "object"}}]}}}}}
        """

    /// The problems an import that must fail reports.
    static func failure(_ path: String) -> [String] {
        do {
            _ = try OpenAPIImporter.importDocument(at: path)
            return []
        } catch {
            return error.problems
        }
    }
}

extension DefinitionLoader.Loaded {
    func tool(_ name: String) throws -> Tool {
        try #require(tools.first { $0.name == name }, "no tool \(name); tools: \(tools.map(\.name).sorted())")
    }
}

extension Tool {
    var argumentNames: Set<String> { Set(inputSchema["properties"]?.objectValue?.keys ?? []) }
    var requiredArguments: Set<String> { Set(inputSchema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []) }
    func argument(_ name: String) -> JSONValue? { inputSchema["properties"]?[name] }
}

@Suite struct OpenAPIPlacementTests {
    @Test func pathsAndMethodsBecomeTheConventionalTools() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("shop.yaml")
        #expect(loaded.definition.name == "acme_shop", "from the title, without API")
        let names = Set(loaded.tools.map(\.name))
        #expect(names == [
            "list_all_acme_shop_widgets", "create_a_acme_shop_widget", "get_single_acme_shop_widget_by_id",
            "update_a_acme_shop_widget_by_id", "acme_shop_widgets_replace", "delete_a_acme_shop_widget_by_id",
            "acme_shop_widgets_archive", "acme_shop_widgets_manual", "acme_shop_widgets_set_photo", "acme_shop_orders_attachments",
        ])
        // PUT beside PATCH on one item: PATCH updates, PUT is named after its operationId, and the report says so.
        #expect(imported.report.disambiguated.contains { $0.hasPrefix("PUT /widgets/{widgetId}: method replace of widgets") })
        #expect(imported.report.skipped == ["HEAD /health: HTTP HEAD is not offered as a tool"])
        #expect(try loaded.tool("get_single_acme_shop_widget_by_id").argumentNames == ["id", "response_fields"])
        #expect(try loaded.tool("acme_shop_widgets_manual").annotations.readOnly)
        #expect(try loaded.tool("acme_shop_widgets_archive").method.operationID == "archiveWidget")
    }

    @Test func theNameComesFromTheTitleOrFromNameAndAlwaysFitsTheRule() throws {
        #expect(OpenAPINaming.integrationName(title: "GitHub v3 REST API") == "github")
        #expect(OpenAPINaming.integrationName(title: "Twilio SendGrid Marketing Campaigns Contacts API") == "twilio_sendgrid")
        #expect(OpenAPINaming.integrationName(title: "1Password Connect") == "n1password_connect")
        #expect(OpenAPINaming.integrationName(title: "API") == "api")
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml", options: OpenAPIImportOptions(name: "shop"))
        #expect(loaded.tools.contains { $0.name == "list_all_shop_widgets" })
        #expect(throws: OpenAPIImportError.self) { try OpenAPIImporter.importDocument(at: OpenAPIFixtures.path("shop.yaml"), options: OpenAPIImportOptions(name: "Shop!")) }
    }

    @Test func namesAreSnakeCaseSingularAndValidArguments() {
        #expect(OpenAPINaming.snakeCase("listIssuesForRepo") == "list_issues_for_repo")
        #expect(OpenAPINaming.snakeCase("repos/get-or-create") == "repos_get_or_create")
        #expect(OpenAPINaming.snakeCase("HTTPServer") == "http_server")
        #expect(OpenAPINaming.singular("repos_issues") == "repos_issue")
        #expect(OpenAPINaming.singular("policies") == "policy")
        #expect(OpenAPINaming.singular("addresses") == "address")
        #expect(OpenAPINaming.singular("statuses") == "status")
        #expect(OpenAPINaming.argumentName("page[after]") == "page_after")
        #expect(OpenAPINaming.argumentName("$top") == "top")
        #expect(OpenAPINaming.argumentName(String(repeating: "x", count: 80)).count == 64)
        #expect(OpenAPINaming.isVersionSegment("v2") && OpenAPINaming.isVersionSegment("v1beta1") && !OpenAPINaming.isVersionSegment("values"))
    }

    @Test func longNamesStayWithin64CharactersUniquelyAndAreReported() throws {
        var paths = ""
        for index in 0..<3 {
            paths += """
                  /organizations/{org}/enterprise-installations/authorized-repositories/permissions/administrators\(index):
                    get:
                      summary: Get administrator \(index)
                      responses: {"200": {description: OK, content: {application/json: {schema: {type: object}}}}}
                    post:
                      summary: Grant administrator \(index) a particularly long named permission
                      operationId: grantAnExceptionallyLongPermissionNameToAdministrator\(index)
                      responses: {"200": {description: OK}}

                """
        }
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Long Names Incorporated, version: "1"}
            servers: [{url: "https://long.example.com"}]
            paths:
            \(paths)
            """)
        let (imported, loaded) = try OpenAPIFixtures.load(path: path)
        let names = loaded.tools.map(\.name)
        #expect(names.count == 6)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.count <= 64 }, "\(names)")
        #expect(!imported.report.shortened.isEmpty)
        // The same document always gives the same names.
        let again = try OpenAPIFixtures.load(path: path).1.tools.map(\.name)
        #expect(again == names)
    }

    @Test func anOperationIDThatOnlyRestatesTheRouteYieldsToTheSummary() throws {
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Drive, version: "1"}
            servers: [{url: "https://drive.example.com"}]
            paths:
              /files/{file_id}:
                get: {operationId: get_files_id, summary: Get file, responses: {"200": {description: OK}}}
                post: {operationId: post_files_id, summary: Restore file, responses: {"200": {description: OK}}}
              /folders/{folder_id}:
                post: {operationId: undeleteFolder, summary: Restore folder, responses: {"200": {description: OK}}}
              /trash/{item_id}:
                post: {operationId: post_trash_id, summary: Empty this item from the trash for good now, responses: {"200": {description: OK}}}
            """)
        let names = Set(try OpenAPIFixtures.load(path: path).1.tools.map(\.name))
        // `undeleteFolder` says more than the route: kept. `post_trash_id`'s summary is too long to name it.
        #expect(names == ["get_single_drive_file_by_id", "drive_files_restore", "drive_folders_undelete", "drive_trash_post_trash_id"], "\(names)")
    }

    @Test func dottedMethodPathsReadAsResourceAndAction() throws {
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Chat, version: "1"}
            servers: [{url: "https://chat.example.com/api"}]
            paths:
              /conversations.list:
                get:
                  summary: Lists conversations
                  responses: {"200": {description: OK, content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}, channels: {type: array, items: {type: object}}}}}}}}
              /conversations.create:
                post:
                  summary: Creates a conversation
                  responses: {"200": {description: OK}}
              /chat.postMessage:
                post:
                  summary: Posts a message
                  responses: {"200": {description: OK}}
            """)
        let (_, loaded) = try OpenAPIFixtures.load(path: path)
        #expect(Set(loaded.tools.map(\.name)) == ["list_all_chat_conversations", "create_a_chat_conversation", "chat_chat_post_message"])
        #expect(try loaded.tool("list_all_chat_conversations").method.resultsPaths == [JSONPath("channels")])
    }
}

@Suite struct OpenAPIGateTests {
    @Test func undocumentedOperationsAreLeftOutUnlessAskedFor() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("shop.yaml")
        #expect(imported.report.gatedOut == ["GET /orders (listOrders)"])
        #expect(!loaded.tools.contains { $0.name == "list_all_acme_shop_orders" })

        let (included, all) = try OpenAPIFixtures.load("shop.yaml", options: OpenAPIImportOptions(includeUndocumented: true))
        #expect(included.report.gatedOut.isEmpty && included.report.includedUndocumented == ["GET /orders"])
        let orders = try all.tool("list_all_acme_shop_orders")
        #expect(orders.description.hasPrefix("GET /orders (listOrders). The API's document does not describe this operation."))
    }

    @Test func aDocumentWithNothingDocumentedIsAClearError() throws {
        let path = try OpenAPIFixtures.write("""
            {"openapi": "3.0.0", "info": {"title": "Quiet", "version": "1"},
             "paths": {"/a": {"get": {"responses": {"200": {"description": "OK"}}}}}}
            """, name: "quiet.json")
        let problems = OpenAPIFixtures.failure(path)
        #expect(problems.count == 1 && problems[0].contains("no operation can become a tool (1 have neither summary nor description; --include-undocumented keeps them)"))
    }
}

@Suite struct OpenAPISchemaTests {
    @Test func schemasAreInlinedMergedAndTranslated() throws {
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml")
        let create = try loaded.tool("create_a_acme_shop_widget")
        #expect(create.argumentNames == ["name", "price", "tag", "kind"])
        #expect(create.requiredArguments == ["name"])
        // 3.0's boolean exclusiveMinimum is 2020-12's number; nullable is a type with null.
        #expect(create.argument("price") == ["type": "number", "exclusiveMinimum": 0])
        #expect(create.argument("tag") == ["type": ["string", "null"]])
        #expect(create.argument("kind")?["oneOf"]?.arrayValue?.count == 2)
        #expect(create.argument("name")?["examples"] == ["Sprocket"])

        // allOf merged, readOnly fields (id, created_at) left out of inputs.
        let replace = try loaded.tool("acme_shop_widgets_replace")
        #expect(replace.argumentNames == ["id", "name", "price", "tag", "kind"].filter { $0 != "id" }.reduce(into: Set(["widgetId"])) { $0.insert($1) })
    }

    @Test func referencesAcrossFilesAreFollowedAndRecursionIsCut() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("split/api.yaml")
        #expect(Set(loaded.tools.map(\.name)) == ["list_all_split_tree_nodes", "create_a_split_tree_node", "get_single_split_tree_node_by_id", "create_a_split_tree_broken"])
        let create = try loaded.tool("create_a_split_tree_node")
        #expect(create.argument("name")?["type"] == ["string", "null"])
        #expect(create.argument("label") == ["type": "string"], "a reference back into the root file")
        let child = try #require(create.argument("children")?["items"])
        #expect(child["description"]?.stringValue?.hasPrefix("Recursive: the same shape as node.yaml") == true)
        #expect(imported.report.simplifications.contains { $0.hasPrefix("recursion cut") && $0.contains("node.yaml") })
        #expect(try loaded.tool("get_single_split_tree_node_by_id").argument("id")?["type"] == "string")
    }

    @Test func anchorsOf31AreReferencesToo() throws {
        let document = """
            openapi: 3.1.0
            info: {title: Anchors, version: "1"}
            servers: [{url: "https://anchors.example.com"}]
            paths:
              /pets:
                post:
                  summary: Add a pet
                  requestBody:
                    required: true
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            owner: {$ref: "#person"}
                            vet: {$ref: "#nobody"}
                  responses: {"201": {description: Added}}
            components:
              schemas:
                Person:
                  $anchor: person
                  type: object
                  properties: {name: {type: string}}
            """
        let (imported, loaded) = try OpenAPIFixtures.load(path: OpenAPIFixtures.write(document))
        let create = try loaded.tool("create_a_anchors_pet")
        #expect(create.argument("owner")?["properties"]?["name"] == ["type": "string"])
        #expect(create.argument("vet")?["type"] == nil, "a name no anchor has stays untyped")
        let notes = imported.report.simplifications.filter { $0.hasPrefix("broken $ref") }
        #expect(notes.count == 1 && notes[0].contains("#nobody") && notes[0].contains("no $anchor \"nobody\""), "\(notes)")
    }

    @Test func aBrokenReferenceIsReportedAndLeftUntyped() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("split/api.yaml")
        let broken = try loaded.tool("create_a_split_tree_broken")
        #expect(broken.argument("thing") == ["description": "Any JSON value."])
        #expect(broken.argument("other") == ["description": "Any JSON value."])
        let notes = imported.report.simplifications.filter { $0.hasPrefix("broken $ref") }
        #expect(notes.count == 2)
        #expect(notes.contains { $0.contains("schemas/missing.yaml#/Thing") && $0.contains("no such file") })
        #expect(notes.contains { $0.contains("#/components/schemas/Nowhere") && $0.contains("nothing in") })
    }

    @Test func recursiveAllOfIsCutNotFollowedForever() throws {
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Loops, version: "1"}
            servers: [{url: "https://loops.example.com"}]
            paths:
              /a:
                post:
                  summary: Posts an A
                  requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}
                  responses: {"200": {description: OK}}
            components:
              schemas:
                A: {allOf: [{$ref: "#/components/schemas/B"}, {type: object, properties: {a: {type: string}}}]}
                B: {allOf: [{$ref: "#/components/schemas/A"}, {type: object, properties: {b: {type: integer}}}]}
            """)
        let (imported, loaded) = try OpenAPIFixtures.load(path: path)
        let tool = try loaded.tool("create_a_loops_a")
        #expect(tool.argumentNames.isSuperset(of: ["a", "b"]))
        #expect(imported.report.simplifications.contains { $0.hasPrefix("recursion cut") && $0.contains("A") })
    }

    @Test func translatedSchemasUseOnly2020Keywords() throws {
        let translatorInput: JSONValue = [
            "type": "object", "x-vendor": true, "discriminator": ["propertyName": "kind"], "xml": ["name": "x"],
            "properties": [
                "count": ["type": "integer", "maximum": 10, "exclusiveMaximum": true, "example": 3],
                "file": ["type": "file"],
                "items": ["type": "array", "items": [["type": "string"], ["type": "integer"]]],
                "self": ["$recursiveRef": "#"],
            ],
        ]
        let path = try OpenAPIFixtures.write("{\"openapi\": \"3.0.0\", \"info\": {\"title\": \"T\", \"version\": \"1\"}, \"paths\": {}}", name: "t.json")
        let document = try OpenAPIDocument(path: path)
        let limits = OpenAPIBudgetLevel.ladder[0].schema
        var translator = OpenAPISchemaTranslator(document: document, limits: limits)
        let schema = translator.translate(OpenAPINode(value: translatorInput, location: OpenAPILocation(file: 0, pointer: "")), depth: -1)
        #expect(schema["x-vendor"] == nil && schema["discriminator"] == nil && schema["xml"] == nil)
        #expect(schema["properties"]?["count"] == ["type": "integer", "exclusiveMaximum": 10, "examples": [3]])
        #expect(schema["properties"]?["file"] == ["type": "string"])
        #expect(schema["properties"]?["items"]?["prefixItems"] == [["type": "string"], ["type": "integer"]])
        #expect(schema["properties"]?["self"]?["description"]?.stringValue?.hasPrefix("Recursive") == true)
    }
}

@Suite struct OpenAPIAuthTests {
    @Test func everySchemeKindGetsItsFixedCredentialNames() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("auth.yaml")
        let definition = loaded.definition
        let auth = definition.auth.map { "\($0.typeName):\($0.credentialNames.joined(separator: "+"))" }
        #expect(auth == [
            "header:api_key", "query:query_key_api_key", "header:cookie_key_api_key", "basic:username+password",
            "bearer:access_token", "bearer:oauth_access_token", "oauth2_client_credentials:client_id+client_secret",
            "oauth2_client_credentials:machines_client_id+machines_client_secret",
        ])
        guard case .header(let name, let value) = definition.auth[2] else { throw Failure("a cookie key is a Cookie header") }
        #expect(name == "Cookie" && value == "sid={cookie_key_api_key}")
        guard case .oauth2ClientCredentials(let tokenURL, _, _, _) = definition.auth[7] else { throw Failure("client credentials") }
        #expect(tokenURL == "https://auth.example.com/oauth/token")
        #expect(imported.report.authNotes == ["security scheme digestAuth: HTTP digest authentication is not supported; left out"])
        #expect(imported.report.credentials.contains("queryKey (apiKey in query key): query_key_api_key"))
        #expect(Set(definition.credentials.map(\.name)) == [
            "api_key", "query_key_api_key", "cookie_key_api_key", "username", "password", "access_token", "oauth_access_token",
            "client_id", "client_secret", "machines_client_id", "machines_client_secret",
        ])
    }

    static let mixedDocument = """
        openapi: 3.0.3
        info: {title: Mixed Locks, version: "1"}
        servers: [{url: "https://mixed.example.com"}]
        security: [{botKey: []}, {userToken: []}]
        paths:
          /doors:
            get: {summary: List doors, responses: {"200": {description: OK}}}
          /me:
            get: {summary: The signed-in user, security: [{userToken: []}], responses: {"200": {description: OK}}}
          /guilds:
            get: {summary: List guilds, security: [{botKey: []}], responses: {"200": {description: OK}}}
          /health:
            get: {summary: Health, security: [], responses: {"200": {description: OK}}}
        components:
          securitySchemes:
            botKey: {type: apiKey, in: header, name: X-Bot-Key}
            userToken: {type: http, scheme: bearer}
        """

    @Test func eachOperationSignsWithTheSchemesItAccepts() async throws {
        let (imported, loaded) = try OpenAPIFixtures.load(path: OpenAPIFixtures.write(Self.mixedDocument))
        #expect(loaded.definition.authIDs == ["botKey": 0, "userToken": 1])
        let seen = Mutex<[String: String]>([:])
        let server = try SandboxHTTPServer { request in
            seen.withLock { $0[request.path] = request.header("X-Bot-Key").map { "key " + $0 } ?? request.header("Authorization") ?? "nothing" }
            return .json(["ok": true])
        }
        defer { server.stop() }
        func call(_ tool: String, credentials: [String: String]) async throws -> ToolCallResult {
            let account = Account(integration: "mixed.yaml", baseURL: "http://127.0.0.1:\(server.port)", credentials: credentials, source: "test")
            let client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: credentials))
            return await client.call(try loaded.tool(tool), arguments: [:], context: CallContext())
        }
        let both = ["api_key": "k1", "access_token": "t1"]
        for tool in ["mixed_locks_doors_retrieve", "mixed_locks_me_retrieve", "mixed_locks_guilds_retrieve", "mixed_locks_health_retrieve"] {
            let result = try await call(tool, credentials: both)
            #expect(!result.isError, "\(tool): \(result.text)")
        }
        #expect(seen.withLock { $0 } == ["/doors": "key k1", "/me": "Bearer t1", "/guilds": "key k1", "/health": "nothing"])
        // With only the bot key, the user's own operation says what it needs; the open one needs nothing.
        let refused = try await call("mixed_locks_me_retrieve", credentials: ["api_key": "k1"])
        #expect(refused.isError && refused.text.contains("set access_token under \"credentials\""), "\(refused.text)")
        #expect(try await !call("mixed_locks_health_retrieve", credentials: [:]).isError)
        #expect(imported.report.schemesByTool == ["userToken": 1, "botKey": 1, "": 1])
        #expect(imported.report.rendered().contains("1 tool sends no credentials: the document leaves its operation open"))
    }

    @Test func aMethodNamingAnUnknownSchemeIsAProblem() throws {
        let definition = OpenAPIFixtures.minimalDefinition
            .replacingOccurrences(of: #""auth": [{"type": "none"}]"#, with: #""auth": [{"type": "none", "id": "open"}, {"type": "none", "id": "open"}]"#)
            .replacingOccurrences(of: #""description": "Things.","#, with: #""description": "Things.", "auth": ["closed"],"#)
        do {
            _ = try DefinitionLoader.decode(Array(definition.utf8), source: "x.json")
            Issue.record("expected problems")
        } catch {
            let said = error.problems.map(\.description)
            #expect(said.contains { $0.contains("auth[1].id: must be a non-empty string no other scheme uses") }, "\(said)")
            #expect(said.contains { $0.contains("names auth scheme \"closed\", which no \"auth\" entry has as its id (ids: open)") }, "\(said)")
        }
    }

    @Test func swaggerSchemesAndCredentialParametersLeftToAuth() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("swagger.json")
        let auth = loaded.definition.auth.map { "\($0.typeName):\($0.credentialNames.joined(separator: "+"))" }
        #expect(auth == ["query:api_key", "basic:username+password", "oauth2_client_credentials:client_id+client_secret"])
        // The access_token query parameter is the API key itself: auth sends it, the tool does not ask for it.
        #expect(try !loaded.tool("list_all_legacy_files_folders_files").argumentNames.contains("access_token"))
        #expect(imported.report.credentials.first == "key (apiKey in query access_token): api_key")
    }

    @Test func aDocumentWithoutSchemesTakesAnOptionalToken() throws {
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Open, version: "1"}
            servers: [{url: "https://open.example.com"}]
            paths:
              /things: {get: {summary: List things, responses: {"200": {description: OK, content: {application/json: {schema: {type: array, items: {type: object}}}}}}}}
            """)
        let (_, loaded) = try OpenAPIFixtures.load(path: path)
        #expect(loaded.definition.auth.map(\.typeName) == ["bearer", "none"])
        #expect(try Authenticator.chooseScheme(loaded.definition, credentials: [:]).get().typeName == "none")
        #expect(try Authenticator.chooseScheme(loaded.definition, credentials: ["access_token": "t"]).get().typeName == "bearer")
    }

    @Test func headerAndCookieParametersThatAreCredentialsAreNotArguments() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("shop.yaml")
        let list = try loaded.tool("list_all_acme_shop_widgets")
        #expect(!list.argumentNames.contains("X-Api-Key") && !list.argumentNames.contains("session"))
        #expect(imported.report.simplifications.contains("1 cookie parameters left out (conduit sends none)"))
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite struct OpenAPIServerTests {
    @Test func serversWithVariablesAndPerOperationServersAreKept() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("shop.yaml")
        #expect(loaded.definition.baseURL == "https://eu.shop.example.com/v1")
        #expect(try loaded.tool("acme_shop_widgets_set_photo").method.baseURL == "https://uploads.shop.example.com/v1")
        #expect(try loaded.tool("acme_shop_widgets_archive").method.baseURL == nil)
        #expect(imported.report.servers == ["https://eu.shop.example.com/v1", "https://uploads.shop.example.com/v1"])
    }

    @Test func swaggerHostAndBasePathMakeTheBaseURL() throws {
        let (_, loaded) = try OpenAPIFixtures.load("swagger.json")
        #expect(loaded.definition.baseURL == "https://files.example.com/api")
    }

    @Test func aRelativeServerAsksForABaseURL() throws {
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Relative, version: "1"}
            servers: [{url: "/api/v3"}]
            paths:
              /pets: {get: {summary: List pets, responses: {"200": {description: OK, content: {application/json: {schema: {type: array, items: {type: object}}}}}}}}
            """)
        let (imported, loaded) = try OpenAPIFixtures.load(path: path)
        #expect(loaded.definition.baseURL == "http://localhost/api/v3")
        #expect(imported.report.servers == ["none absolute (/api/v3): set base_url in the account file"])
    }
}

@Suite struct OpenAPIPagingTests {
    private func pagination(_ tool: String) throws -> Pagination {
        let (_, loaded) = try OpenAPIFixtures.load("paging.yaml")
        return try #require(try loaded.tool(tool).method.pagination)
    }

    @Test func aCursorParameterWithANextCursorField() throws {
        let paging = try pagination("list_all_pages_cursors")
        #expect(paging.style == .cursor && paging.cursorParameter == "cursor")
        #expect(paging.nextCursorPaths == [JSONPath("response_metadata.next_cursor")])
        #expect(paging.limitParameter == "limit" && paging.maximumLimit == 100)
    }

    @Test func theLastRecordsIDWithAHasMoreFlag() throws {
        let paging = try pagination("list_all_pages_charges")
        #expect(paging.style == .cursor && paging.cursorParameter == "starting_after")
        #expect(paging.lastRecordCursorPath == JSONPath("id") && paging.morePath == JSONPath("has_more"))
    }

    @Test func pageNumbersStartWhereTheDocumentSays() throws {
        let paging = try pagination("list_all_pages_pages")
        #expect(paging.style == .page && paging.pageParameter == "page" && paging.pageStart == 0)
        #expect(paging.limitParameter == "per_page" && paging.morePath == JSONPath("has_more"))
    }

    @Test func offsetsWithATotal() throws {
        let paging = try pagination("list_all_pages_offsets")
        #expect(paging.style == .offset && paging.offsetParameter == "offset" && paging.totalPath == JSONPath("total_count"))
    }

    @Test func linkHeadersOwnThePageParameter() throws {
        let (_, loaded) = try OpenAPIFixtures.load("paging.yaml")
        let tool = try loaded.tool("list_all_pages_links")
        #expect(tool.method.pagination?.style == .link)
        #expect(!tool.argumentNames.contains("page") && !tool.argumentNames.contains("per_page"))
    }

    @Test func unrecognisedPagingParametersPassThrough() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("paging.yaml")
        let tool = try loaded.tool("list_all_pages_tokens")
        #expect(tool.method.pagination == nil)
        #expect(tool.argumentNames.contains("after"))
        #expect(imported.report.paging == ["cursor": 1, "last-id cursor": 1, "page": 1, "offset": 1, "link": 1])
    }

    @Test func pagingShownOnlyByAnExampleIsRecognisedAndACustomReadThatPagesPagesLikeAList() throws {
        let (imported, loaded) = try OpenAPIFixtures.load("chat.json")
        let list = try loaded.tool("list_all_chat_channels")
        #expect(list.method.pagination?.style == .cursor && list.method.pagination?.nextCursorPaths == [JSONPath("response_metadata.next_cursor")])
        // Its only array is the records, whatever else the answer carries (`cache_ts`).
        #expect(list.method.resultsPaths == [JSONPath("channels")])

        let history = try loaded.tool("chat_channels_history")
        #expect(history.kind == .custom && history.method.pages)
        #expect(history.method.pagination?.maximumLimit == 200)
        #expect(history.method.resultsPaths == [JSONPath("messages")], "found in the example: the schema is open")
        #expect(history.argumentNames == ["channel", "limit", "next_cursor", "response_fields"])
        #expect(history.outputSchema?["required"] == ["result", "next_cursor"])

        // Nothing shows how replies page: its cursor stays an ordinary argument.
        let replies = try loaded.tool("chat_channels_replies")
        #expect(!replies.method.pages && replies.argumentNames == ["channel", "cursor"])
        #expect(imported.report.paging == ["cursor": 1, "cursor (on a custom read)": 1])
    }

    @Test func aCustomReadThatPagesWalksEveryPageThroughItsOwnTool() async throws {
        let messages = (1...7).map { "m\($0)" }
        let server = try SandboxHTTPServer { request in
            // Three to a page; the cursor is the index of the next message.
            let start = Int(request.query.first { $0.name == "cursor" }?.value ?? "0") ?? 0
            let size = Int(request.query.first { $0.name == "limit" }?.value ?? "3") ?? 3
            let page = messages.dropFirst(start).prefix(size)
            let next = start + page.count < messages.count ? String(start + page.count) : ""
            return .json(["ok": true, "messages": .array(page.map { ["ts": .string($0)] }), "response_metadata": ["next_cursor": .string(next)]])
        }
        defer { server.stop() }
        let (_, loaded) = try OpenAPIFixtures.load("chat.json")
        let account = Account(integration: "chat.json", baseURL: "http://127.0.0.1:\(server.port)", credentials: ["access_token": "t"], source: "test")
        let client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: account.credentials))
        let tool = try loaded.tool("chat_channels_history")
        var seen: [String] = []
        var cursor: JSONValue?
        for _ in 0..<10 {
            var arguments: JSONObject = ["channel": "C1", "limit": 3]
            if let cursor { arguments["next_cursor"] = cursor }
            let result = await client.call(tool, arguments: arguments, context: CallContext())
            #expect(!result.isError, "\(result.text)")
            seen += (result.structured["result"]?.arrayValue ?? []).compactMap { $0["ts"]?.stringValue }
            cursor = result.structured["next_cursor"]
            if cursor == .null { break }
        }
        #expect(seen == messages)
    }

    @Test func swaggerPagesAndCommaLists() throws {
        let (_, loaded) = try OpenAPIFixtures.load("swagger.json")
        let tool = try loaded.tool("list_all_legacy_files_folders_files")
        #expect(tool.method.pagination?.style == .page && tool.method.pagination?.pageStart == 1)
        #expect(tool.method.pagination?.limitParameter == "page_size" && tool.method.pagination?.maximumLimit == 300)
        #expect(tool.method.resultsPaths == [JSONPath("files")])
        #expect(tool.route(for: "ids") == .query("ids", style: .comma))
    }
}

@Suite struct OpenAPIParameterStyleTests {
    static let document = """
        openapi: 3.0.3
        info: {title: Styles, version: "1"}
        servers: [{url: "https://styles.example.com"}]
        paths:
          /charges/search:
            get:
              summary: Search charges
              parameters:
                - {name: created, in: query, style: deepObject, explode: true, schema: {type: object, properties: {gte: {type: integer}, lt: {type: integer}}}}
                - {name: expand, in: query, style: deepObject, schema: {type: object, properties: {fields: {type: array, items: {type: string}}}}}
                - {name: window, in: query, schema: {type: object, properties: {from: {type: string}, to: {type: string}}}}
                - {name: ids, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: string}}}
                - {name: words, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: string}}}
                - {name: tags, in: query, explode: false, schema: {type: array, items: {type: string}}}
                - {name: labels, in: query, schema: {type: array, items: {type: string}}}
                - {name: X-Trace, in: header, schema: {type: array, items: {type: string}}}
              responses: {"200": {description: OK}}
        """

    @Test func eachStyleIsWrittenTheWayTheDocumentSays() throws {
        let (imported, loaded) = try OpenAPIFixtures.load(path: OpenAPIFixtures.write(Self.document))
        let tool = try #require(loaded.tools.first)
        #expect(tool.route(for: "created") == .query("created", style: .deepObject))
        #expect(imported.report.simplifications.allSatisfy { !$0.contains("serialisation") }, "\(imported.report.simplifications)")
        let request = try RequestBuilder.build(tool: tool, arguments: [
            "created": ["gte": 1_700_000_000, "lt": 1_800_000_000], "expand": ["fields": ["customer", "invoice"]],
            "window": ["from": "a", "to": "b"], "ids": ["a", "b"], "words": ["x", "y"], "tags": ["t1", "t2"], "labels": ["l1", "l2"],
            "X-Trace": ["p", "q"],
        ], baseURL: "https://styles.example.com", position: nil)
        let query = try #require(request.url.query(percentEncoded: false))
        #expect(query == "created[gte]=1700000000&created[lt]=1800000000&expand[fields][]=customer&expand[fields][]=invoice"
            + "&from=a&to=b&ids=a|b&words=x y&tags=t1,t2&labels=l1&labels=l2", "\(query)")
        #expect(request.headers.first { $0.name == "X-Trace" }?.value == "p,q")
    }

    @Test func aStyleTheFormatDoesNotKnowOrPutWhereItCannotApplyIsAProblem() throws {
        var definition = OpenAPIFixtures.minimalDefinition
        definition = definition.replacingOccurrences(of: #""in": "query""#, with: #""in": "header", "style": "deep_object""#)
        #expect(throws: DefinitionError.self) { try DefinitionLoader.decode(Array(definition.utf8), source: "x.json") }
        definition = OpenAPIFixtures.minimalDefinition.replacingOccurrences(of: #""in": "query""#, with: #""in": "query", "style": "matrix""#)
        do {
            _ = try DefinitionLoader.decode(Array(definition.utf8), source: "x.json")
            Issue.record("expected a problem")
        } catch {
            #expect(error.problems.first?.message.hasPrefix("must be \"form\", \"comma\", \"pipe\", \"space\", \"deep_object\"") == true, "\(error.problems)")
        }
    }
}

@Suite struct OpenAPIFileTests {
    @Test func multipartBodiesUploadTheirFileFields() throws {
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml")
        let tool = try loaded.tool("acme_shop_orders_attachments")
        #expect(tool.method.body?.contentType == .multipart && tool.method.body?.files == ["document"])
        #expect(tool.argumentNames == ["orderId", "document", "note"] && tool.requiredArguments == ["orderId", "document"])
        #expect(tool.argument("document")?["description"]?.stringValue?.contains("upload_roots") == true)
    }

    @Test func aRawBinaryBodyIsOneFile() throws {
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml")
        let body = try #require(try loaded.tool("acme_shop_widgets_set_photo").method.body)
        #expect(body.contentType == .file && body.mediaType == "image/png" && body.files == ["file"])
    }

    @Test func binaryAnswersAreFiles() throws {
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml")
        let manual = try loaded.tool("acme_shop_widgets_manual")
        #expect(manual.method.binaryResponse && manual.argumentNames.contains("range"))
        #expect(try !loaded.tool("get_single_acme_shop_widget_by_id").method.binaryResponse)
    }

    @Test func swaggerFormDataFilesAndFileAnswers() throws {
        let (_, loaded) = try OpenAPIFixtures.load("swagger.json")
        let upload = try loaded.tool("create_a_legacy_files_folders_file")
        #expect(upload.method.body?.contentType == .multipart && upload.method.body?.files == ["content"])
        #expect(try loaded.tool("get_single_legacy_files_file_by_id").method.binaryResponse)
        let rename = try loaded.tool("update_a_legacy_files_file_by_id")
        #expect(rename.argument("title")?["type"] == ["string", "null"] && rename.requiredArguments == ["id", "title"])
    }

    @Test func accepted202AnswersAreAsynchronous() throws {
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml")
        #expect(try loaded.tool("delete_a_acme_shop_widget_by_id").method.asyncNote?.contains("202 Accepted") == true)
    }
}

@Suite struct OpenAPIBudgetTests {
    /// A document whose one operation takes a body far too large for a tool.
    static func heavyDocument() -> String {
        func nested(_ depth: Int) -> String {
            depth == 0 ? "{\"type\": \"string\"}" : "{\"type\": \"object\", \"description\": \"Level \(depth).\", \"properties\": {\"inner\": \(nested(depth - 1)), \"sibling\": {\"type\": \"integer\"}}}"
        }
        let wide = (0..<300).map { "\"field\($0)\": {\"type\": \"string\", \"description\": \"\(String(repeating: "A long explanation of field \($0). ", count: 12))\"}" }
        let colours = (0..<500).map { "\"colour\($0)\"" }.joined(separator: ",")
        return """
            {"openapi": "3.0.0", "info": {"title": "Heavy", "version": "1"}, "servers": [{"url": "https://heavy.example.com"}],
             "paths": {"/things": {"post": {"summary": "Create a thing", "description": "\(String(repeating: "Thing creation explained at length. ", count: 400))",
               "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                 "deep": \(nested(12)), "colour": {"type": "string", "enum": [\(colours)]}, \(wide.joined(separator: ","))}}}}},
               "responses": {"200": {"description": "OK"}}}},
               "/light": {"get": {"summary": "A light one", "parameters": [{"name": "q", "in": "query", "schema": {"type": "object", "properties": {"a": \(nested(8))}}}],
               "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}
            """
    }

    @Test func aHugeOperationIsCutToFitAndTheReportSaysHow() throws {
        let path = try OpenAPIFixtures.write(Self.heavyDocument(), name: "heavy.json")
        let (imported, loaded) = try OpenAPIFixtures.load(path: path)
        let tool = try loaded.tool("create_a_heavy_thing")
        let size = ToolRendering.render(tool, revision: .v2026_07_28).jsonBytes.count
        #expect(size < 48 * 1024, "\(size) bytes")
        #expect(imported.report.cut.contains { $0.hasPrefix("create_a_heavy_thing: ") })
        #expect(tool.description.count <= OpenAPIBudgetLevel.ladder[0].toolDescription)
    }

    @Test func objectsBeyondTheDepthAreOpenWithANote() throws {
        let path = try OpenAPIFixtures.write(Self.heavyDocument(), name: "heavy.json")
        let (imported, loaded) = try OpenAPIFixtures.load(path: path)
        var schema = try #require(try loaded.tool("heavy_light_retrieve").argument("q")?.objectValue)
        var depth = 0
        while case .object(let inner)? = schema["properties"]?["a"] ?? schema["properties"]?["inner"] {
            schema = inner
            depth += 1
        }
        #expect(depth == OpenAPIBudgetLevel.ladder[0].schema.maximumDepth)
        #expect(schema["type"] == "object" && schema["properties"] == nil)
        #expect(schema["description"]?.stringValue?.hasSuffix("Its fields are not listed here; pass an object as the API documents it.") == true)
        #expect(imported.report.cut.contains { $0.hasPrefix("heavy_light_retrieve: ") && $0.contains("nested object") })
    }

    @Test func aLongEnumBecomesAStringThatNamesSomeValues() {
        let path = (try? OpenAPIFixtures.write(Self.heavyDocument(), name: "heavy.json")) ?? ""
        let document = try? OpenAPIDocument(path: path)
        guard let document else { Issue.record("no document"); return }
        var translator = OpenAPISchemaTranslator(document: document, limits: OpenAPIBudgetLevel.ladder[2].schema)
        let options: JSONValue = ["type": "string", "enum": .array((0..<50).map { .string("v\($0)") })]
        let schema = translator.translate(OpenAPINode(value: options, location: OpenAPILocation(file: 0, pointer: "")), depth: 0)
        #expect(schema["enum"] == nil)
        #expect(schema["description"]?.stringValue == "One of 50 values, such as v0, v1, v2, v3, v4, v5, v6, v7.")
    }
}

@Suite struct OpenAPIBadInputTests {
    @Test func somethingThatIsNotOpenAPIIsRefusedClearly() throws {
        let json = try OpenAPIFixtures.write(#"{"hello": "world"}"#, name: "hello.json")
        #expect(OpenAPIFixtures.failure(json) == ["\(json): not an OpenAPI document: it has no \"openapi\" or \"swagger\" field"])
        let array = try OpenAPIFixtures.write("[1, 2]", name: "list.json")
        #expect(OpenAPIFixtures.failure(array).first?.contains("the top level is an array") == true)
        let old = try OpenAPIFixtures.write("swagger: '1.2'\n", name: "old.yaml")
        #expect(OpenAPIFixtures.failure(old).first?.contains("Swagger 1.2 is not supported") == true)
        let missing = OpenAPIFixtures.path("no-such-file.yaml")
        #expect(OpenAPIFixtures.failure(missing) == ["\(missing): no such file"])
    }

    @Test func syntaxErrorsSayLineAndColumn() throws {
        let yaml = try OpenAPIFixtures.write("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n", name: "bad.yaml")
        let problem = try #require(OpenAPIFixtures.failure(yaml).first)
        #expect(problem.hasPrefix("\(yaml): not valid YAML: line "), "\(problem)")
        let json = try OpenAPIFixtures.write("{\"openapi\": \"3.0.0\",\n  \"info\": {\"title\": }\n}", name: "bad.json")
        #expect(OpenAPIFixtures.failure(json) == ["\(json): not valid JSON: line 2, column 21: unexpected character '}'"])
    }

    @Test func aRemoteReferenceIsAnErrorNamingIt() throws {
        let path = try OpenAPIFixtures.write("""
            openapi: 3.0.0
            info: {title: Remote, version: "1"}
            paths:
              /a:
                get:
                  summary: Get A
                  parameters: [{$ref: "https://example.com/params.yaml#/A"}]
                  responses: {"200": {description: OK}}
            """)
        let problems = OpenAPIFixtures.failure(path)
        #expect(problems == ["\(path): remote $ref \"https://example.com/params.yaml#/A\": conduit reads local files only and fetches nothing; download it and refer to the local copy"])
    }

    @Test func aTenMegabyteSingleLineDocumentImportsWithoutHanging() throws {
        // 10 MB on one line: a huge description and many schemas, as JSON and as YAML flow.
        let schemas = (0..<20_000).map { "\"S\($0)\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}, \"b\": {\"$ref\": \"#/components/schemas/S\(($0 + 1) % 20_000)\"}}}" }
        let text = ##"{"openapi": "3.0.0", "info": {"title": "Big", "version": "1", "description": "\##(String(repeating: "x", count: 8_000_000))"}, "servers": [{"url": "https://big.example.com"}], "paths": {"/a": {"post": {"summary": "Post", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}, "responses": {"200": {"description": "OK"}}}}}, "components": {"schemas": {\##(schemas.joined(separator: ","))}}}"##
        #expect(text.utf8.count > 9_000_000 && !text.contains("\n"))
        let started = Date()
        let path = try OpenAPIFixtures.write(text, name: "big.json")
        let (_, loaded) = try OpenAPIFixtures.load(path: path)
        #expect(loaded.tools.map(\.name) == ["create_a_big_a"])
        #expect(Date().timeIntervalSince(started) < 60)

        let broken = try OpenAPIFixtures.write(String(text.dropLast(3)), name: "truncated.json")
        #expect(OpenAPIFixtures.failure(broken).first?.contains("not valid JSON: line 1, column") == true)
    }
}

@Suite struct OpenAPIAccountTests {
    @Test func anAccountMayNameTheDocumentItself() throws {
        let loaded = try DefinitionLoader.load(OpenAPIFixtures.path("shop.yaml"))
        #expect(loaded.tools.count == 10)
        #expect(loaded.importReport?.integration == "acme_shop")
        let json = try DefinitionLoader.load(OpenAPIFixtures.path("swagger.json"))
        #expect(json.importReport != nil && json.definition.name == "legacy_files")
        // A definition file is still a definition file.
        let folder = OpenAPIFixtures.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples")
        if let example = try? FileManager.default.contentsOfDirectory(atPath: folder.path).first(where: { $0.hasSuffix("definition.json") }) {
            #expect(try DefinitionLoader.load(folder.appendingPathComponent(example).path).importReport == nil)
        }
    }

    @Test func aBrokenDocumentIsAProblemOfTheIntegrationFile() throws {
        let path = try OpenAPIFixtures.write("openapi: 3.0.0\ninfo: [\n", name: "broken.yaml")
        do {
            _ = try DefinitionLoader.load(path)
            Issue.record("expected a problem")
        } catch {
            #expect(error.source == path)
            #expect(error.problems.first?.message.hasPrefix("not valid YAML: line") == true)
        }
    }

    @Test func startUpSaysWhatIsWrongWithTheDocumentAnAccountNames() throws {
        let document = try OpenAPIFixtures.write("openapi: 3.0.0\ninfo:\n  title: [x\n", name: "broken.yaml")
        let folder = URL(fileURLWithPath: document).deletingLastPathComponent()
        let account = folder.appendingPathComponent("account.json").path
        try Data(#"{"integration": "./broken.yaml"}"#.utf8).write(to: URL(fileURLWithPath: account))
        do {
            _ = try Startup.prepare(accountPath: account, environment: [:], collectAll: true)
            Issue.record("expected a problem")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.contains("broken.yaml: not valid YAML: line 4, column 1") == true, "\(error.problems)")
        }
        let good = folder.appendingPathComponent("good.json").path
        try Data(#"{"integration": "\#(OpenAPIFixtures.path("shop.yaml"))", "credentials": {"api_key": "k"}}"#.utf8).write(to: URL(fileURLWithPath: good))
        let configuration = try Startup.prepare(accountPath: good, environment: [:])
        #expect(configuration.importReport?.kept.count == 10 && configuration.catalog.visible.count == 10)
    }

    @Test func theOperationIDIsInMetaAndSearchFindsIt() throws {
        let (_, loaded) = try OpenAPIFixtures.load("shop.yaml")
        let archive = try loaded.tool("acme_shop_widgets_archive")
        #expect(ToolRendering.render(archive, revision: .v2026_07_28)["_meta"]?["conduit/operation_id"] == "archiveWidget")
        #expect(ToolRendering.render(archive, revision: .v2025_03_26)["_meta"] == nil)

        let account = Account(integration: "shop.yaml", credentials: ["api_key": "k"], source: "account.json")
        let catalog = try ToolCatalog(tools: loaded.tools, settings: ServerSettings(), source: "account.json")
        let configuration = ServerConfiguration(definition: loaded.definition, account: account, catalog: catalog)
        let discovery = DiscoveryTools(catalog: configuration.catalog)
        for query in ["archiveWidget", "downloadManual", "/widgets/{widgetId}/manual", "GET /widgets/{widgetId}/manual"] {
            guard case .answered(let result)? = discovery.handle(name: "search_tools", arguments: ["query": .string(query)], revision: .v2026_07_28) else {
                Issue.record("no answer")
                continue
            }
            let first = result.structured["matches"]?.arrayValue?.first
            let expected = query == "archiveWidget" ? "acme_shop_widgets_archive" : "acme_shop_widgets_manual"
            #expect(first?["name"]?.stringValue == expected, "\(query)")
        }
        guard case .answered(let words)? = discovery.handle(name: "search_tools", arguments: ["query": "upload photo"], revision: .v2026_07_28) else { return }
        #expect(words.structured["matches"]?.arrayValue?.first?["operation_id"] == "uploadPhoto")
    }
}

@Suite struct OpenAPIFidelityTests {
    private static let document = """
        openapi: 3.0.3
        info: {title: Repo API, version: "1"}
        servers: [{url: "https://api.repo.test"}]
        components:
          securitySchemes:
            key: {type: apiKey, in: header, name: X-Key}
        security: [{key: []}]
        paths:
          /repos:
            post:
              summary: Create a repository
              requestBody:
                content:
                  application/json:
                    schema: {type: object, required: [name], properties: {name: {type: string}, private: {type: boolean}}}
              responses: {"201": {description: Created, content: {application/json: {schema: {type: object, properties: {id: {type: integer}, name: {type: string}}}}}}}
          /repos/{id}:
            patch:
              summary: Change a repository
              parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
              requestBody:
                content:
                  application/json:
                    schema: {type: object, required: [name], properties: {name: {type: string}}}
              responses: {"200": {description: Changed}}
            get:
              summary: Get a repository
              parameters:
                - {name: id, in: path, required: true, schema: {type: integer}}
                - {name: token, in: query, required: true, schema: {type: string}}
                - {name: login_type, in: query, schema: {type: string, enum: [0, 1, 99]}}
              responses: {"200": {description: The repository, content: {application/json: {example: {id: 7, name: seven}}}}}
          /repos/{base}...{head}:
            get:
              summary: Compare two refs
              parameters:
                - {name: base, in: path, required: true, schema: {type: string}}
                - {name: head, in: path, required: true, schema: {type: string}}
              responses: {"200": {description: The comparison, content: {application/json: {example: {ahead_by: 1}}}}}
        """

    @Test func aPostWhoseSchemaRequiresFieldsRequiresThemAPatchDoesNot() throws {
        let (imported, loaded) = try OpenAPIFixtures.load(path: try OpenAPIFixtures.write(Self.document))
        #expect(try loaded.tool("create_a_repo_repo").requiredArguments == ["name"])
        #expect(try loaded.tool("update_a_repo_repo_by_id").requiredArguments == ["id"])
        #expect(imported.report.rendered().contains("1 POST/PUT/DELETE bodies taken as required"))
    }

    @Test func aStringEnumOfNumbersListsStrings() throws {
        let (_, loaded) = try OpenAPIFixtures.load(path: try OpenAPIFixtures.write(Self.document))
        let tool = try loaded.tool("get_single_repo_repo_by_id")
        #expect(tool.argument("login_type")?["enum"] == ["0", "1", "99"])
        #expect(!tool.argumentNames.contains("token"), "a token parameter is the account's credential")
    }

    @Test func theStandInFromTheDocumentChecksWhatConduitSends() throws {
        let path = try OpenAPIFixtures.write(Self.document)
        let document = try OpenAPIDocument(path: path)
        let carriers = [SpecOperation.Parameter(name: "X-Key", location: .header, isRequired: true, schema: [:])]
        let stand = SpecSandbox(operations: SpecSandbox.operations(of: document, carriers: carriers))
        func send(_ method: String, _ target: String, _ body: JSONValue? = nil, key: Bool = true) -> (Int, JSONValue?) {
            var headers: [String: String] = key ? ["x-key": "k"] : [:]
            if body != nil { headers["content-type"] = "application/json" }
            let answer = stand.respond(to: SandboxRequest(method: method, target: target, headers: headers, body: body?.jsonBytes ?? []))
            return (answer.status, try? JSONValue.parse(answer.body))
        }
        // The token parameter is satisfied by the account's credential, as conduit sends it.
        #expect(send("GET", "/repos/7").1 == ["id": 7, "name": "seven"])
        #expect(send("GET", "/repos/7", key: false).0 == 401)
        #expect(send("POST", "/repos", ["private": true]).0 == 400)
        let created = send("POST", "/repos", ["name": "mine"])
        #expect(created.0 == 201 && created.1?["name"] == "mine")
        #expect(send("PATCH", "/repos/7", ["private": true]).0 == 200, "a PATCH sends only what changes")
        #expect(send("GET", "/repos/main...topic").1 == ["ahead_by": 1], "two placeholders in one segment")
        #expect(send("GET", "/repos/...topic").0 == 400, "no base: it is read as /repos/{id}, and that id is no integer")
    }

    @Test func segmentTemplatesWithSeveralPlaceholdersMatch() {
        #expect(SpecSandbox.match(segment: "{base}...{head}", "main...feature/x") == ["base": "main", "head": "feature/x"])
        #expect(SpecSandbox.match(segment: "thumbnail.{extension}", "thumbnail.png") == ["extension": "png"])
        #expect(SpecSandbox.match(segment: "thumbnail.{extension}", "thumbnail.") == nil)
        #expect(SpecSandbox.match(segment: "{id}", "42") == ["id": "42"])
        #expect(SpecSandbox.match(segment: "v{major}.{minor}", "v1.2") == ["major": "1", "minor": "2"])
        #expect(SpecSandbox.match(segment: "v{major}.{minor}", "x1.2") == nil)
    }
}

@Suite struct OpenAPITextTests {
    @Test func markdownLinksReadAsTheirText() {
        #expect(OpenAPIDocument.withoutLinkTargets("needs the `repo` [scope](https://docs.github.com/apps/scopes).") == "needs the `repo` scope.")
        #expect(OpenAPIDocument.withoutLinkTargets("see [the guide](/rest/guides) and [x](#y)") == "see the guide and x")
        #expect(OpenAPIDocument.withoutLinkTargets("an array [1, 2] (two) and [a](not a link)") == "an array [1, 2] (two) and [a](not a link)")
        #expect(OpenAPIDocument.withoutLinkTargets("[[nested]](https://x.test) [") == "[[nested]](https://x.test) [", "not a plain link: left as written")
        #expect(OpenAPIDocument.withoutLinkTargets("no links here") == "no links here")
    }
}
