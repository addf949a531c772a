import Conduit
import Foundation
import Testing

/// The bundled definitions say what the vendors' own documents say: required arguments,
/// annotations and bodies as the built binary offers and sends them to loopback stand-ins.
@Suite(.serialized) struct DefinitionFidelityEndToEndTests {
    /// Every tool tools/list offers, by name (following nextCursor if the list is paged).
    private func tools(_ session: VendorSession) throws -> [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        var cursor: JSONValue?
        var id: Int64 = 900
        repeat {
            var params: JSONObject = [:]
            if let cursor { params["cursor"] = cursor }
            if session.revision == "2026-07-28" { params["_meta"] = .object(modernMeta()) }
            id += 1
            let result = try #require(session.conduit.request(id, "tools/list", params, revision: session.revision)?["result"])
            for tool in result["tools"]?.arrayValue ?? [] {
                if let name = tool["name"]?.stringValue { found[name] = tool }
            }
            cursor = result["nextCursor"].flatMap { $0.isNull ? nil : $0 }
        } while cursor != nil && id < 920
        return found
    }

    private func required(_ tool: JSONValue?) -> Set<String> {
        Set(tool?["inputSchema"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    private func chorus(_ shapes: FakeChorus.Shapes = .init(), name: String) throws -> (LoopbackHTTPServer, VendorSession) {
        let fake = try FakeChorus.start(shapes)
        let session = try VendorSession(
            account: try FakeChorus.accountFile(baseURL: fake.baseURL), environment: ["CHORUS_TOKEN": FakeChorus.token], name: name)
        return (fake, session)
    }

    // MARK: Chorus

    @Test func userSettingsAreSetWithTheSettingsIDAsDataID() throws {
        let (fake, session) = try chorus(name: "fidelity-chorus-settings")
        defer { fake.stop() }
        let tool = try #require(try tools(session)["chorus_user_settings_set"])
        #expect(required(tool) == ["id", "mobile_push.comments", "mobile_push.mentions"])

        let result = try #require(session.call("chorus_user_settings_set", ["id": "305930", "mobile_push.comments": false, "mobile_push.mentions": true]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        let put = try #require(fake.requests.last)
        #expect(put.method == "PUT" && put.path == "/api/v1/users/me/settings")
        #expect(put.json == ["data": ["type": "user_settings", "id": "305930", "attributes": ["mobile_push.comments": false, "mobile_push.mentions": true]]])
    }

    @Test(arguments: [["meta", "page", "cursor"], ["meta", "page", "after"], ["meta", "cursor"]])
    func emailsPageToTheEndWhereverTheCursorSits(cursorPath: [String]) throws {
        let (fake, session) = try chorus(.init(emailCursorPath: cursorPath), name: "fidelity-chorus-emails-\(cursorPath.joined(separator: "."))")
        defer { fake.stop() }
        let walked = try session.walk("list_all_chorus_emails", [:], limits: [nil])
        #expect(walked.items.compactMap { $0["id"]?.stringValue } == FakeChorus.emailIDs)
        #expect(fake.requests.compactMap { $0.queryValue("page[after]") } == ["EM2", "EM4"])
    }

    @Test(arguments: ["users", "data", nil] as [String?])
    func usersAreFoundWhicheverShapeV3UsersHas(member: String?) throws {
        let (fake, session) = try chorus(.init(usersMember: member), name: "fidelity-chorus-users-\(member ?? "array")")
        defer { fake.stop() }
        let result = try #require(session.call("list_all_chorus_users"))
        #expect(!result.isError, "\(result.text.prefix(400))")
        let ids = result.structured?["result"]?.arrayValue?.compactMap { $0["user_id"]?.intValue } ?? []
        #expect(ids == FakeChorus.userIDs)
    }

    @Test func chorusToolsSayWhatTheyDoAndAskWhatTheSpecAsks() throws {
        let (fake, session) = try chorus(name: "fidelity-chorus-tools")
        defer { fake.stop() }
        let all = try tools(session)
        let writeback = try #require(all["chorus_sales_qualifications_writeback_crm"])
        #expect(writeback["annotations"]?["destructiveHint"] == true)
        // Hints left out take their defaults (readOnlyHint false).
        #expect(writeback["annotations"]?["readOnlyHint"] == nil || writeback["annotations"]?["readOnlyHint"] == false)
        // The schema leaves `start` optional, but the vendor's minimal example sends it: kept, and said.
        let export = try #require(all["chorus_reports_export"])
        #expect(required(export).contains("start"))
        #expect(export["inputSchema"]?["properties"]?["start"]?["description"]?.stringValue?.contains("Minimum required fields") == true)
    }

    // MARK: Gong

    @Test func gongToolsRequireOnlyWhatGongsSpecRequires() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let session = try VendorSession(account: try fake.accountFile(), environment: FakeGong.environment, name: "fidelity-gong-tools")
        let all = try tools(session)

        #expect(!required(all["list_all_gong_library_folder_calls"]).contains("folderId"))
        #expect(all["list_all_gong_library_folder_calls"]?["inputSchema"]?["properties"]?["folderId"] != nil)
        for name in ["create_a_gong_meeting", "update_a_gong_meeting_by_id"] {
            let invitee = all[name]?["inputSchema"]?["properties"]?["invitees"]?["items"]
            #expect(invitee?["properties"]?["email"] != nil, "\(name)")
            #expect(invitee?["required"] == nil, "\(name): invitees[].email must be optional")
            #expect(required(all[name]).isSuperset(of: ["startTime", "endTime", "invitees", "organizerEmail"]), "\(name)")
        }
        #expect(!required(all["delete_a_gong_meeting_by_id"]).contains("organizerEmail"))
        #expect(!required(all["list_all_gong_meeting_integration_statuses"]).contains("emails"))
        for name in ["create_a_gong_call_user_access", "delete_a_gong_call_user_access_by_id"] {
            #expect(!required(all[name]).contains("callAccessList"), "\(name)")
            #expect(all[name]?["inputSchema"]?["properties"]?["callAccessList"]?["items"]?["required"] == ["callId", "userIds"])
        }
        #expect(!required(all["create_a_gong_permission_profile"]).contains("name"))
        #expect(required(all["create_a_gong_permission_profile"]).contains("workspaceId"))
    }

    @Test func aGongBriefIsNeitherIdempotentNorLimitedToTheKnownPeriods() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let session = try VendorSession(account: try fake.accountFile(), environment: FakeGong.environment, name: "fidelity-gong-briefs")
        let brief = try #require(try tools(session)["list_all_gong_entities_get_briefs"])
        // Left out means false (the default).
        #expect(brief["annotations"]?["idempotentHint"] == nil || brief["annotations"]?["idempotentHint"] == false)
        #expect(brief["description"]?.stringValue?.contains("every call generates a new AI brief and is charged") == true)
        let period = try #require(brief["inputSchema"]?["properties"]?["timePeriod"])
        #expect(period["enum"] == nil)
        #expect(period["type"] == "string")
        #expect(period["description"]?.stringValue?.contains("LAST_90DAYS") == true)

        // A period outside the known list reaches Gong unchanged instead of being refused.
        _ = session.call("list_all_gong_entities_get_briefs", [
            "workspaceId": "623457276584334", "briefName": "Account Brief", "crmEntityType": "ACCOUNT",
            "crmEntityId": "0013t00002AbCdEAAV", "timePeriod": "LAST_180DAYS",
        ])
        let sent = try #require(fake.requests.last)
        #expect(sent.path == "/v2/entities/get-brief")
        #expect(sent.vendorFormQuery.first { $0.0 == "timePeriod" }?.1 == "LAST_180DAYS")
    }

    // MARK: Coviu

    @Test func aCoviuParticipantCanBeAddedWithoutARole() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let session = try VendorSession(account: try fake.accountFile(), environment: FakeCoviu.environment, name: "fidelity-coviu-participant")
        let tool = try #require(try tools(session)["create_a_coviu_participant"])
        #expect(!required(tool).contains("role"))
        #expect(tool["inputSchema"]?["properties"]?["role"]?["enum"] == ["GUEST", "HOST", "PARTICIPANT"])

        let session0 = FakeCoviu.sessionIDs[0]
        let result = try #require(session.call("create_a_coviu_participant", ["session_id": .string(session0), "display_name": "Sam Taylor"]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        let post = try #require(fake.requests.last)
        #expect(post.method == "POST" && post.path == "/v1/sessions/\(session0)/participants")
        #expect(post.json == ["display_name": "Sam Taylor"])
    }
}
