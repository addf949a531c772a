import Conduit
import Foundation
import Testing

/// The built binary over real pipes, against a real loopback HTTP server playing Gong.
@Suite(.serialized) struct GongEndToEndTests {
    static let window: JSONObject = ["fromDateTime": "2024-05-01T00:00:00Z", "toDateTime": "2024-05-08T00:00:00Z"]

    private func session(_ fake: FakeGong, _ name: String, revision: String = "2025-11-25", logLevel: String? = nil) throws -> VendorSession {
        try VendorSession(account: try fake.accountFile(), environment: FakeGong.environment, name: name, revision: revision, logLevel: logLevel)
    }

    /// Secrets are compared without being handed to #expect, so a failure never prints them.
    private func expectNoSecrets(_ session: VendorSession) {
        #expect(session.leaks(of: FakeGong.secrets).isEmpty)
    }

    @Test func basicAuthIsTheAccessKeyPairOnEveryRequestAndNeverPrinted() throws {
        let fake = try FakeGong(auth: .basic)
        defer { fake.stop() }
        let gong = try session(fake, "gong-basic", logLevel: "debug")

        let calls = try #require(gong.call("list_all_gong_calls", Self.window))
        #expect(!calls.isError, "\(calls.text.prefix(400))")
        let one = try #require(gong.call("get_single_gong_call_by_id", ["id": .string(FakeGong.callIDs[0])]))
        #expect(one.structured?["call"]?["id"] == .string(FakeGong.callIDs[0]))
        let users = try #require(gong.call("list_all_gong_users"))
        #expect(!users.isError)

        #expect(fake.requests.count == 3)
        for request in fake.requests {
            let exact = request.header("Authorization") == FakeGong.basicAuthorization
            #expect(exact, "\(request.method) \(request.path) did not carry Basic base64(access_key:access_key_secret)")
        }
        expectNoSecrets(gong)
    }

    @Test func anAccessTokenAloneIsSentAsBearer() throws {
        let fake = try FakeGong(auth: .bearer)
        defer { fake.stop() }
        let gong = try session(fake, "gong-bearer", logLevel: "debug")
        let result = try #require(gong.call("get_single_gong_call_by_id", ["id": .string(FakeGong.callIDs[2])]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        let request = try #require(fake.requests.first)
        let exact = request.header("Authorization") == FakeGong.bearerAuthorization
        #expect(exact, "the request did not carry Bearer access_token")
        expectNoSecrets(gong)
    }

    @Test func withBothCredentialSetsTheAccessKeyPairWins() throws {
        let fake = try FakeGong(auth: .basic)
        defer { fake.stop() }
        let account = try fake.accountFile(credentials: [
            "access_key": "${GONG_ACCESS_KEY}", "access_key_secret": "${GONG_ACCESS_KEY_SECRET}", "access_token": "${GONG_ACCESS_TOKEN}",
        ])
        let gong = try VendorSession(account: account, environment: FakeGong.environment, name: "gong-both")
        let result = try #require(gong.call("list_all_gong_users"))
        #expect(!result.isError)
        let exact = fake.requests.map { $0.header("Authorization") } == [FakeGong.basicAuthorization]
        #expect(exact, "expected one request with the Basic credentials")
    }

    @Test(arguments: ["2025-03-26", "2026-07-28"])
    func listCallsWalksEveryCursorPage(revision: String) throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-calls-\(revision)", revision: revision)
        var arguments = Self.window
        arguments["workspaceId"] = .string(FakeGong.workspaceID)

        let walked = try gong.walk("list_all_gong_calls", arguments, limits: [nil])
        let ids = walked.items.compactMap { $0["id"]?.stringValue }
        #expect(ids == FakeGong.callIDs)
        #expect(walked.pages.map(\.count) == [4, 4, 2])

        // Gong's cursor went back verbatim as the `cursor` query parameter, everything else unchanged.
        let key = "GET /v2/calls|2024-05-01T00:00:00Z|2024-05-08T00:00:00Z|\(FakeGong.workspaceID)"
        let sent = fake.requests
        #expect(sent.count == 3)
        #expect(sent.map { $0.vendorFormQuery.first { $0.0 == "cursor" }?.1 } == [nil, FakeGong.cursor(page: 1, key: key), FakeGong.cursor(page: 2, key: key)])
        for request in sent {
            #expect(request.method == "GET" && request.path == "/v2/calls" && request.body.isEmpty)
            let names = request.vendorFormQuery.map(\.0).filter { $0 != "cursor" }.sorted()
            #expect(names == ["fromDateTime", "toDateTime", "workspaceId"])
            #expect(request.queryValue("fromDateTime") == "2024-05-01T00:00:00Z")
        }
        // The cursor's `+`, `/`, `=`, `&`, `?`, `#` are percent-encoded in the request target.
        #expect(sent[1].target.contains("%2B%2F%3D%26%3F%23"))
    }

    @Test func aLimitCutsGongPagesWithoutLosingOrRepeatingCalls() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-limit")
        let walked = try gong.walk("list_all_gong_calls", Self.window, limits: [3])
        #expect(walked.pages.allSatisfy { $0.count <= 3 && !$0.isEmpty })
        let ids = walked.items.compactMap { $0["id"]?.stringValue }
        #expect(ids == FakeGong.callIDs)
        #expect(Set(ids).count == ids.count)

        // Gong has no page-size parameter: nothing like `limit` may reach it.
        #expect(fake.requests.allSatisfy { request in request.vendorFormQuery.allSatisfy { ["cursor", "fromDateTime", "toDateTime"].contains($0.0) } })

        // A limit of one, through a changing limit, still visits every call exactly once.
        let mixed = try gong.walk("list_all_gong_calls", Self.window, limits: [1, 5, 2, 4, 1, 3])
        #expect(mixed.items.compactMap { $0["id"]?.stringValue } == FakeGong.callIDs)
    }

    @Test func extensiveCallsPageWithTheCursorAsATopLevelBodyField() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-extensive")
        let filter: JSONValue = ["fromDateTime": "2024-05-01T00:00:00Z", "toDateTime": "2024-05-08T00:00:00Z", "callIds": .array(FakeGong.callIDs.prefix(9).map { .string($0) })]
        let selector: JSONValue = ["exposedFields": ["parties": true, "content": ["brief": true]], "context": "Extended", "contextTiming": ["Now", "TimeOfCall"]]

        let walked = try gong.walk("list_all_gong_calls_extensive", ["filter": filter, "contentSelector": selector], limits: [nil])
        let ids = walked.items.compactMap { $0["metaData"]?["id"]?.stringValue }
        #expect(ids == Array(FakeGong.callIDs.prefix(9)))
        #expect(walked.items.allSatisfy { $0["parties"]?.arrayValue?.count == 1 && $0["content"]?["brief"] != nil })

        let sent = fake.requests
        #expect(sent.count == 3)
        for (index, request) in sent.enumerated() {
            #expect(request.method == "POST" && request.target == "/v2/calls/extensive", "the cursor must not travel in the query")
            #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = try #require(request.json?.objectValue)
            #expect(body["filter"] == filter && body["contentSelector"] == selector, "page \(index + 1) changed the request")
            #expect(Set(body.keys).isSubset(of: ["filter", "contentSelector", "cursor"]), "stray body fields: \(body.keys)")
            #expect((body["cursor"] == nil) == (index == 0))
        }
        #expect(sent[2].json?["cursor"]?.stringValue?.hasPrefix("p2.") == true)

        // With a limit, the same walk still returns each call once.
        let limited = try gong.walk("list_all_gong_calls_extensive", ["filter": filter, "contentSelector": selector], limits: [2])
        #expect(limited.items.compactMap { $0["metaData"]?["id"]?.stringValue } == Array(FakeGong.callIDs.prefix(9)))
        #expect(limited.pages.allSatisfy { $0.count <= 2 })
    }

    @Test func argumentsGoWhereTheDefinitionRoutesThem() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-routing")

        // A boolean query parameter is sent as true/false.
        let withAvatars = try #require(gong.call("list_all_gong_users", ["includeAvatars": true]))
        #expect(withAvatars.structured?["result"]?.arrayValue?.count == 3)
        #expect(fake.requests.last?.target == "/v2/users?includeAvatars=true")
        let without = try #require(gong.call("list_all_gong_users", ["includeAvatars": false]))
        #expect(without.structured?["result"]?.arrayValue?.count == 2)
        #expect(fake.requests.last?.target == "/v2/users?includeAvatars=false")

        // An array query parameter is repeated, each value encoded on its own.
        let entities = try #require(gong.call("list_all_gong_crm_entities", [
            "integrationId": "6286478263646", "objectType": "ACCOUNT", "objectsCrmIds": ["001A000001", "acme & co/+1", "ünï"],
        ]))
        #expect(!entities.isError, "\(entities.text.prefix(400))")
        let lookup = try #require(fake.requests.last)
        #expect(lookup.vendorFormQuery.filter { $0.0 == "objectsCrmIds" }.map(\.1) == ["001A000001", "acme & co/+1", "ünï"])
        #expect(lookup.vendorFormQuery.first { $0.0 == "objectType" }?.1 == "ACCOUNT")

        // Body properties go into the JSON body, nested values intact, nothing in the query.
        let parties: JSONValue = [["userId": "234599484848423", "name": "Dana Rep", "mediaChannelId": 0], ["name": "Sam Buyer", "phoneNumber": "+14255552671"]]
        let created = try #require(gong.call("create_a_gong_call", [
            "clientUniqueId": "dialer-000871", "actualStart": "2024-05-14T16:00:00Z", "direction": "Outbound",
            "primaryUser": "234599484848423", "parties": parties, "duration": 1835.5,
        ]))
        #expect(created.structured?["callId"] == "7782342274025939999", "\(created.text.prefix(400))")
        let create = try #require(fake.requests.last)
        #expect(create.method == "POST" && create.target == "/v2/calls")
        #expect(create.json?["parties"] == parties && create.json?["duration"] == 1835.5 && create.json?["clientUniqueId"] == "dialer-000871")

        // The single path placeholder takes `id`; the id is not repeated in the body.
        let updated = try #require(gong.call("update_a_gong_meeting_by_id", [
            "id": "7010101010101", "title": "QBR", "startTime": "2024-06-03T15:00:00Z", "endTime": "2024-06-03T16:00:00Z",
            "organizerEmail": "dana.rep@example.com", "invitees": [["email": "sam.buyer@acme.example", "displayName": "Sam Buyer"]],
        ]))
        #expect(updated.structured?["meetingId"] == "7010101010101", "\(updated.text.prefix(400))")
        let update = try #require(fake.requests.last)
        #expect(update.method == "PUT" && update.target == "/v2/meetings/7010101010101")
        let updateBody = try #require(update.json?.objectValue)
        #expect(updateBody["id"] == nil && updateBody["meetingId"] == nil)
        #expect(updateBody["title"] == "QBR" && updateBody["organizerEmail"] == "dana.rep@example.com")
        #expect(updateBody["invitees"] == [["email": "sam.buyer@acme.example", "displayName": "Sam Buyer"]])

        // Erasure: the address travels in the query (a `+` encoded so Gong does not read a space), no body.
        let erased = try #require(gong.call("delete_a_gong_data_privacy_email_address_by_id", ["emailAddress": "ana+crm@example.com"]))
        #expect(!erased.isError, "\(erased.text.prefix(400))")
        let erase = try #require(fake.requests.last)
        #expect(erase.method == "POST" && erase.path == "/v2/data-privacy/erase-data-for-email-address")
        #expect(erase.vendorFormQuery.map { "\($0.0)=\($0.1)" } == ["emailAddress=ana+crm@example.com"])
        #expect(erase.body.isEmpty)
    }

    @Test func pathValuesThatAreNotGongIdsNeverReachGong() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-injection")
        // Every Gong path parameter is a digit-string id (pattern ^[0-9]{1,20}$): anything
        // that could change the request path is refused before a request is made.
        let attempts = ["../users", "../../v2/users", "123/transcript", "123?workspaceId=1", "123#frag", "%2F..%2Fusers", "..", ".", "1 2", "１２３"]
        for attempt in attempts {
            let tools: [(String, JSONObject)] = [
                ("get_single_gong_call_by_id", [:]), ("get_single_gong_user_by_id", [:]), ("get_single_gong_user_settings_history_by_id", [:]),
                ("delete_a_gong_meeting_by_id", ["organizerEmail": "dana.rep@example.com"]),
            ]
            for (tool, extra) in tools {
                var arguments = extra
                arguments["id"] = .string(attempt)
                let result = try #require(gong.call(tool, arguments))
                #expect(result.isError && result.message.contains("\"id\"") && result.message.contains("pattern"), "\(tool) \(attempt): \(result.message)")
            }
        }
        #expect(fake.requests.isEmpty, "sent: \(fake.requests.map(\.target))")

        // A well-formed id goes into the path as it is.
        let real = try #require(gong.call("get_single_gong_call_by_id", ["id": .string(FakeGong.callIDs[5])]))
        #expect(!real.isError)
        #expect(fake.requests.map(\.target) == ["/v2/calls/\(FakeGong.callIDs[5])"])
    }

    @Test func gongErrorsComeBackWithTheVendorsOwnMessages() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-errors", revision: "2025-06-18")

        let empty = try #require(gong.call("list_all_gong_calls", ["fromDateTime": "2031-01-01T00:00:00Z", "toDateTime": "2031-02-01T00:00:00Z"]))
        #expect(empty.isError)
        let error = try #require(empty.raw["structuredContent"]?["error"])
        #expect(error["status"] == 404)
        #expect(error["upstream_message"] == "No calls found corresponding to the provided filters")
        #expect(empty.message.contains("Gong") && empty.message.contains("404") && empty.message.contains("No calls found"))

        // A detailed query that matches no call is Gong's 404 too.
        let wrong = try #require(gong.call("list_all_gong_calls_extensive", ["filter": ["callIds": ["1"]]]))
        #expect(wrong.isError && wrong.text.contains("404"))

        // Missing required arguments never reach Gong.
        let before = fake.requests.count
        let missing = try #require(gong.call("list_all_gong_calls", ["fromDateTime": "2024-05-01T00:00:00Z"]))
        #expect(missing.isError && missing.text.contains("toDateTime"))
        #expect(fake.requests.count == before)
    }

    @Test func anAlteredCursorIsRefusedBeforeReachingGong() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let gong = try session(fake, "gong-cursor")
        let first = try #require(gong.call("list_all_gong_calls", Self.window))
        let cursor = try #require(first.structured?["next_cursor"]?.stringValue)
        let before = fake.requests.count
        var edited = Array(cursor)
        edited[2] = edited[2] == "A" ? "B" : "A"
        var arguments = Self.window
        arguments["next_cursor"] = .string(String(edited))
        let result = try #require(gong.call("list_all_gong_calls", arguments))
        #expect(result.isError && result.text.contains("next_cursor"))
        // A cursor from another tool is refused too.
        let other = try #require(gong.call("list_all_gong_users", ["next_cursor": .string(cursor)]))
        #expect(other.isError && other.text.contains("next_cursor"))
        #expect(fake.requests.count == before)
    }
}
