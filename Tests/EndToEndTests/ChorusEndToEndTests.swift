import Conduit
import Foundation
import Testing

/// The built binary over real pipes, against a real loopback HTTP server playing Chorus.
@Suite(.serialized) struct ChorusEndToEndTests {
    static let requiredTools = [
        "list_all_chorus_conversations", "get_single_chorus_conversation_by_id", "delete_a_chorus_conversation_by_id",
        "chorus_conversations_join", "create_a_chorus_moment", "create_a_chorus_sales_qualification",
        "get_single_chorus_sales_qualification_by_id", "chorus_sales_qualifications_writeback_crm",
        "get_single_chorus_media_by_id", "list_all_chorus_me", "create_a_chorus_auth_signed_request",
        "chorus_integrations_office_365_calendars_verify",
    ]

    private func start(_ fake: LoopbackHTTPServer, name: String) throws -> ConduitProcess {
        let account = try FakeChorus.accountFile(baseURL: fake.baseURL)
        return try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": FakeChorus.token], transcriptName: name)
    }

    /// Calls a tool, in either era, and returns the result object.
    private func call(_ conduit: ConduitProcess, _ id: Int64, _ name: String, _ arguments: JSONObject, revision: String) -> JSONValue? {
        var params: JSONObject = ["name": .string(name), "arguments": .object(arguments)]
        if revision == "2026-07-28" { params["_meta"] = .object(modernMeta()) }
        return conduit.request(id, "tools/call", params, revision: revision)?["result"]
    }

    private func walkAllPages(_ conduit: ConduitProcess, revision: String, firstID: Int64) throws -> [String] {
        var ids: [String] = []
        var cursor: JSONValue = .null
        var requestID = firstID
        repeat {
            var arguments: JSONObject = ["limit": 3, "engagement_type": "meeting"]
            if case .string = cursor { arguments["next_cursor"] = cursor }
            let result = try #require(call(conduit, requestID, "list_all_chorus_conversations", arguments, revision: revision))
            #expect(result["isError"] == nil, "\(result.jsonString.prefix(600))")
            let structured = try #require(revision >= "2025-06-18" ? result["structuredContent"] : JSONValue.parse(result["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""))
            let page = try #require(structured["result"]?.arrayValue)
            #expect(page.count <= 3)
            ids += page.compactMap { $0["engagement_id"]?.stringValue }
            cursor = structured["next_cursor"] ?? .null
            requestID += 1
        } while cursor != .null && requestID < firstID + 20
        return ids
    }

    @Test(arguments: ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
    func aHandshakeClientListsAndCallsChorusTools(version: String) throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let conduit = try start(fake, name: "chorus-\(version)")
        defer { conduit.terminate() }

        let initialized = try #require(conduit.request(1, "initialize", initializeParams(version), revision: version))
        #expect(initialized["result"]?["protocolVersion"] == .string(version))
        conduit.send(["jsonrpc": "2.0", "method": "notifications/initialized"], revision: version)

        let tools = try #require(conduit.request(2, "tools/list", [:], revision: version)?["result"]?["tools"]?.arrayValue)
        let names = Set(tools.compactMap { $0["name"]?.stringValue })
        for required in Self.requiredTools { #expect(names.contains(required), "missing \(required)") }

        let ids = try walkAllPages(conduit, revision: version, firstID: 10)
        #expect(ids == FakeChorus.engagementIDs)

        let listRequests = fake.requests.filter { $0.path == "/v3/engagements" }
        #expect(listRequests.allSatisfy { $0.header("Authorization") == FakeChorus.token })
        #expect(listRequests.allSatisfy { $0.queryValue("engagement_type") == "meeting" })
        #expect(listRequests.map { $0.queryValue("continuation_key") }.contains("k3"))

        let conversation = try #require(call(conduit, 50, "get_single_chorus_conversation_by_id", ["id": .string(FakeChorus.engagementIDs[0]), "fields": ["recording.utterances"]], revision: version))
        #expect(conversation["isError"] == nil)
        #expect(conversation["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("Hello there") == true)
        let get = try #require(fake.requests.last)
        #expect(get.method == "GET" && get.path == "/api/v1/conversations/\(FakeChorus.engagementIDs[0])")
        #expect(get.queryValue("fields") == "recording.utterances")

        let missing = try #require(call(conduit, 51, "get_single_chorus_conversation_by_id", ["id": "nope"], revision: version))
        #expect(missing["isError"] == true)
        let text = missing["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(text.contains("404") && text.contains("Conversation nope was not found"))

        #expect(!conduit.output.joined().contains(FakeChorus.token))
        #expect(!conduit.standardError.contains(FakeChorus.token))
    }

    @Test func aStatelessClientListsAndCallsChorusTools() throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let conduit = try start(fake, name: "chorus-2026-07-28")
        defer { conduit.terminate() }
        let revision = "2026-07-28"

        let discovered = try #require(conduit.request(1, "server/discover", ["_meta": .object(modernMeta())], revision: revision)?["result"])
        #expect(discovered["supportedVersions"]?.arrayValue?.contains("2026-07-28") == true)
        #expect(discovered["instructions"]?.stringValue?.contains("Chorus") == true)

        let listed = try #require(conduit.request(2, "tools/list", ["_meta": .object(modernMeta())], revision: revision)?["result"])
        #expect(listed["ttlMs"] != nil && listed["cacheScope"] != nil && listed["resultType"] == "complete")
        let names = Set(listed["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        for required in Self.requiredTools { #expect(names.contains(required)) }

        let ids = try walkAllPages(conduit, revision: revision, firstID: 10)
        #expect(ids == FakeChorus.engagementIDs)

        let result = try #require(call(conduit, 40, "get_single_chorus_conversation_by_id", ["id": .string(FakeChorus.engagementIDs[3])], revision: revision))
        #expect(result["resultType"] == "complete")
        #expect(result["structuredContent"]?["data"]?["id"] == .string(FakeChorus.engagementIDs[3]))
        #expect(result["_meta"]?["io.modelcontextprotocol/serverInfo"] != nil)
    }

    @Test func argumentErrorsAreToolErrorsAndReachNoUpstream() throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let conduit = try start(fake, name: "chorus-arguments")
        defer { conduit.terminate() }
        _ = conduit.request(1, "initialize", initializeParams("2025-11-25"), revision: "2025-11-25")
        let result = try #require(call(conduit, 2, "list_all_chorus_conversations", ["engagement_type": "podcast", "colour": 1], revision: "2025-11-25"))
        #expect(result["isError"] == true)
        let text = result["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(text.contains("\"colour\"") && text.contains("\"engagement_type\""))
        #expect(fake.requests.isEmpty)
    }

    @Test func aWrongTokenComesBackAsTheVendorsOwnMessage() throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let account = try FakeChorus.accountFile(baseURL: fake.baseURL)
        let conduit = try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": "wrong-token"], transcriptName: "chorus-401")
        defer { conduit.terminate() }
        _ = conduit.request(1, "initialize", initializeParams("2025-06-18"), revision: "2025-06-18")
        let result = try #require(call(conduit, 2, "list_all_chorus_me", [:], revision: "2025-06-18"))
        #expect(result["isError"] == true)
        #expect(result["structuredContent"]?["error"]?["status"] == 401)
        #expect(result["structuredContent"]?["error"]?["upstream_message"]?.stringValue?.contains("Invalid or missing API token") == true)
    }

    @Test func aProgressTokenGetsIncreasingProgressForARealCall() throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let conduit = try start(fake, name: "chorus-progress")
        defer { conduit.terminate() }
        _ = conduit.request(1, "initialize", initializeParams("2025-11-25"), revision: "2025-11-25")
        let result = conduit.request(2, "tools/call", ["name": "list_all_chorus_me", "arguments": [:], "_meta": ["progressToken": "tok-1"]], revision: "2025-11-25")
        #expect(result?["result"] != nil)
        let progress = conduit.output.compactMap { try? JSONValue.parse($0) }.filter { $0["method"] == "notifications/progress" }
        #expect(progress.count == 2)
        #expect(progress.allSatisfy { $0["params"]?["progressToken"] == "tok-1" })
        let values = progress.compactMap { $0["params"]?["progress"]?.doubleValue }
        #expect(values == values.sorted() && Set(values).count == values.count)
    }
}
