import Conduit
import Foundation
import Synchronization
import Testing

/// An OpenAPI document through the built binary: `conduit import openapi` writes a
/// definition that loads, and an account naming the document itself serves tools/list
/// and calls a loopback stand-in of the API, which records what it was sent.
@Suite(.serialized) struct OpenAPIEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bookshop = root.appendingPathComponent("Examples/openapi/bookshop.yaml").path
    static let key = "canary-bookshop-key-7c1f"
    static let bookIDs = (1...5).map { "B\($0)" }

    /// The bookshop as the example document describes it: books paged by Link header (two
    /// a page), reviews by cursor, covers as JPEG, orders; the key in the query string.
    static func startBookshop() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            guard request.queryValue("key") == key else {
                return .json(["message": "missing or wrong key"], status: 401)
            }
            switch (request.method, request.path) {
            case ("GET", "/books"):
                let page = Int(request.queryValue("page") ?? "1") ?? 1
                let size = Int(request.queryValue("per_page") ?? "2") ?? 2
                let start = (page - 1) * size
                let slice = bookIDs[min(start, bookIDs.count)..<min(start + size, bookIDs.count)]
                var headers: [(String, String)] = []
                if start + size < bookIDs.count {
                    headers.append(("Link", "<https://api.bookshop.example/v1/books?per_page=\(size)&page=\(page + 1)&key=\(key)>; rel=\"next\""))
                }
                return .json(.array(slice.map { ["id": .string($0), "title": .string("Title \($0)"), "author": "A. Writer"] }), headers: headers)
            case ("POST", "/books"):
                var book = request.json?.objectValue ?? [:]
                book["id"] = "B6"
                return .json(.object(book), status: 201)
            case ("GET", "/books/B1/reviews"):
                if request.queryValue("cursor") == "r2" {
                    return .json(["reviews": [["id": "R3", "rating": 4]], "next_cursor": nil])
                }
                return .json(["reviews": [["id": "R1", "rating": 5], ["id": "R2", "rating": 3]], "next_cursor": "r2"])
            case ("GET", "/books/B1/cover"):
                return .respond(status: 200, headers: [("Content-Type", "image/jpeg")], body: Array(repeating: 0xFF, count: 4096))
            case ("POST", "/orders"):
                return .json(["id": "O1", "lines": request.json?["lines"] ?? .null], status: 201)
            default:
                return .json(["message": .string("no such route \(request.method) \(request.path)")], status: 404)
            }
        }
    }

    static func account(integration: String, baseURL: String?, name: String = "account") throws -> String {
        var account: JSONObject = [
            "integration": .string(integration), "credentials": ["api_key": "${BOOKSHOP_API_KEY}"],
            "files": ["directory": .string(TemporaryFiles.folder + "/openapi-downloads")],
        ]
        if let baseURL { account["base_url"] = .string(baseURL) }
        let path = TemporaryFiles.folder + "/\(name)-\(UUID().uuidString).json"
        try JSONValue.object(account).jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theImportedDefinitionLoadsAndChecks() throws {
        let output = TemporaryFiles.folder + "/bookshop-\(UUID().uuidString).json"
        let imported = try runToEnd(
            ConduitProcess.binaryPath, ["import", "openapi", Self.bookshop, "--output", output], environment: ProcessInfo.processInfo.environment)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.isEmpty, "the definition goes to --output")
        #expect(imported.stderr.contains("Bookshop API") && imported.stderr.contains("9 tools from 10 operations"))
        #expect(imported.stderr.contains("GET /stats (internalStats)"), "the gated operation is named")
        #expect(imported.stderr.contains("shopKey (apiKey in query key): api_key"), "the credential names are listed")

        let loaded = try DefinitionLoader.load(output)
        #expect(loaded.definition.name == "bookshop" && loaded.tools.count == 9 && loaded.importReport == nil)

        let account = try Self.account(integration: output, baseURL: "http://127.0.0.1:9")
        let checked = try runToEnd(
            ConduitProcess.binaryPath, ["check", "--account", account],
            environment: ProcessInfo.processInfo.environment.merging(["BOOKSHOP_API_KEY": Self.key]) { $1 })
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("ok: Bookshop API, 9 tools exposed"))
        #expect(checked.stdout.contains("credentials (one of): api_key (query) ← in use"))

        // To stdout without --output: a definition and nothing else.
        let piped = try runToEnd(ConduitProcess.binaryPath, ["import", "openapi", Self.bookshop], environment: ProcessInfo.processInfo.environment)
        #expect(piped.status == 0 && (try? JSONValue.parse(piped.stdout))?["name"] == "bookshop")
    }

    @Test func anImportThatCannotWorkExitsOneWithTheReason() throws {
        let path = TemporaryFiles.folder + "/not-openapi-\(UUID().uuidString).json"
        try #"{"name": "x"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try runToEnd(ConduitProcess.binaryPath, ["import", "openapi", path], environment: ProcessInfo.processInfo.environment)
        #expect(outcome.status == 1 && outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("not an OpenAPI document"))
        let usage = try runToEnd(ConduitProcess.binaryPath, ["import", "graphql", path], environment: ProcessInfo.processInfo.environment)
        #expect(usage.status == 2 && usage.stderr.contains("conduit imports 'openapi' documents"))
    }

    @Test func anAccountNamingTheDocumentServesAndCalls() throws {
        let fake = try Self.startBookshop()
        defer { fake.stop() }
        let account = try Self.account(integration: Self.bookshop, baseURL: fake.baseURL)
        let session = try VendorSession(account: account, environment: ["BOOKSHOP_API_KEY": Self.key], name: "openapi-bookshop", revision: "2026-07-28")

        let listed = try #require(session.conduit.request(2, "tools/list", ["_meta": .object(modernMeta())], revision: "2026-07-28")?["result"]?["tools"]?.arrayValue)
        let names = Set(listed.compactMap { $0["name"]?.stringValue })
        #expect(names == [
            "list_all_bookshop_books", "create_a_bookshop_book", "get_single_bookshop_book_by_id", "update_a_bookshop_book_by_id",
            "delete_a_bookshop_book_by_id", "bookshop_books_cover", "list_all_bookshop_books_reviews", "create_a_bookshop_books_review",
            "create_a_bookshop_order",
        ])
        let list = try #require(listed.first { $0["name"] == "list_all_bookshop_books" })
        #expect(list["_meta"]?["conduit/operation_id"] == "listBooks")
        #expect(list["inputSchema"]?["properties"]?["page"] == nil, "the Link header pages; page is conduit's business")

        // Link-header paging to the end, two books a page, the key in every query.
        let walked = try session.walk("list_all_bookshop_books", ["genre": "fiction"], limits: [2])
        #expect(walked.items.compactMap { $0["id"]?.stringValue } == Self.bookIDs)
        let pages = fake.requests.filter { $0.path == "/books" && $0.method == "GET" }
        #expect(pages.map { $0.queryValue("page") } == [nil, "2", "3"])
        #expect(pages.allSatisfy { $0.queryValue("genre") == "fiction" && $0.queryValue("key") == Self.key })
        // The link repeats the key; the cursor the model holds does not, and the key is sent once.
        #expect(pages.allSatisfy { request in request.query.filter { $0.0 == "key" }.count == 1 })
        let first = try #require(session.call("list_all_bookshop_books", ["limit": 2]))
        let cursor = try #require(first.structured?["next_cursor"]?.stringValue)
        let payload = try #require(Base64URL.decode(String(cursor.split(separator: ".")[0])))
        #expect(!String(decoding: payload, as: UTF8.self).contains(Self.key))

        // Cursor paging.
        let reviews = try session.walk("list_all_bookshop_books_reviews", ["bookId": "B1"], limits: [nil])
        #expect(reviews.items.compactMap { $0["id"]?.stringValue } == ["R1", "R2", "R3"])

        // A JSON body without the read-only id.
        let created = try #require(session.call("create_a_bookshop_book", ["title": "New", "author": "Someone", "price": 12.5]))
        #expect(!created.isError, "\(created.text.prefix(300))")
        #expect(fake.requests.last?.json == ["title": "New", "author": "Someone", "price": 12.5])
        let refused = try #require(session.call("create_a_bookshop_book", ["title": "New", "author": "Someone", "id": "B9"]))
        #expect(refused.isError && refused.text.contains("unknown argument \"id\""))

        // The order goes to the account's base_url although the document gives orders their own server.
        let order = try #require(session.call("create_a_bookshop_order", ["lines": [["book_id": "B1", "quantity": 2]]]))
        #expect(!order.isError, "\(order.text.prefix(300))")
        #expect(fake.requests.last?.path == "/orders")

        // A binary answer is a file.
        let cover = try #require(session.call("bookshop_books_cover", ["bookId": "B1"]))
        #expect(!cover.isError, "\(cover.text.prefix(300))")
        #expect(cover.structured?["content_type"] == "image/jpeg" && cover.structured?["size"] == 4096)
        if let path = cover.structured?["path"]?.stringValue { try? FileManager.default.removeItem(atPath: path) }

        #expect(session.leaks(of: [Self.key]).isEmpty)
    }

    @Test func withoutABaseURLEachOperationUsesItsOwnServer() throws {
        let shop = try Self.startBookshop()
        let orders = try Self.startBookshop()
        defer {
            shop.stop()
            orders.stop()
        }
        // The document with its servers pointed at the two stand-ins.
        let text = try String(contentsOfFile: Self.bookshop, encoding: .utf8)
            .replacingOccurrences(of: "https://api.bookshop.example/v1", with: shop.baseURL)
            .replacingOccurrences(of: "https://orders.bookshop.example/v1", with: orders.baseURL)
        let document = TemporaryFiles.folder + "/bookshop-\(UUID().uuidString).yaml"
        try text.write(toFile: document, atomically: true, encoding: .utf8)
        let account = try Self.account(integration: document, baseURL: nil)
        let session = try VendorSession(account: account, environment: ["BOOKSHOP_API_KEY": Self.key], name: "openapi-servers")

        let order = try #require(session.call("create_a_bookshop_order", ["lines": [["book_id": "B2", "quantity": 1]]]))
        #expect(!order.isError, "\(order.text.prefix(300))")
        #expect(orders.requests.map(\.path) == ["/orders"] && shop.requests.isEmpty)
        let book = try #require(session.call("list_all_bookshop_books", ["limit": 1]))
        #expect(!book.isError)
        #expect(shop.requests.map(\.path) == ["/books"] && orders.requests.count == 1)
    }
}
