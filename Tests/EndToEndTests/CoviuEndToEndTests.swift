import Conduit
import Foundation
import Testing

/// The built binary over real pipes, against a real loopback HTTP server playing Coviu:
/// OAuth2 client credentials, token caching and refresh, page- and offset-style lists.
@Suite(.serialized) struct CoviuEndToEndTests {
    private func session(_ fake: FakeCoviu, _ name: String, revision: String = "2025-11-25", logLevel: String? = nil) throws -> VendorSession {
        try VendorSession(account: try fake.accountFile(), environment: FakeCoviu.environment, name: name, revision: revision, logLevel: logLevel)
    }

    /// Secrets and tokens are compared without being handed to #expect, so a failure never prints them.
    private func expectNoSecrets(_ session: VendorSession, alsoTokens tokens: [String] = []) {
        #expect(session.leaks(of: FakeCoviu.secrets + tokens).isEmpty)
    }

    private func expectProperGrant(_ request: FakeCoviu.TokenRequest) {
        let exact = request.authorization == FakeCoviu.basicAuthorization
        #expect(exact, "the token request must use HTTP Basic with client id and secret")
        #expect(request.contentType?.hasPrefix("application/x-www-form-urlencoded") == true)
    }

    @Test func oneTokenFromBasicClientAuthServesSeveralCalls() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-token", logLevel: "debug")

        for (index, id) in FakeCoviu.sessionIDs.prefix(3).enumerated() {
            let result = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(id)]))
            #expect(!result.isError, "call \(index + 1): \(result.text.prefix(400))")
            #expect(result.structured?["session_id"] == .string(id))
        }
        let list = try #require(coviu.call("list_all_coviu_sessions", ["limit": 2]))
        #expect(list.structured?["result"]?.arrayValue?.count == 2)

        let tokens = fake.tokenRequests
        #expect(tokens.count == 1)
        let grant = try #require(tokens.first)
        expectProperGrant(grant)
        #expect(grant.form == ["grant_type": "client_credentials"])
        #expect(fake.apiRequests.count == 4)
        #expect(fake.apiRequests.allSatisfy { $0.header("Authorization") == "Bearer \(FakeCoviu.accessToken(1))" })
        #expect(fake.refusedTokens.isEmpty)
        expectNoSecrets(coviu, alsoTokens: [FakeCoviu.accessToken(1), FakeCoviu.refreshToken(1)])
    }

    @Test func aShortLivedTokenIsRefreshedWithItsRefreshTokenBeforeItExpires() throws {
        let fake = try FakeCoviu(expiresIn: 2)
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-refresh")

        let first = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[0])]))
        #expect(!first.isError, "\(first.text.prefix(400))")
        let again = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[1])]))
        #expect(!again.isError)
        #expect(fake.tokenRequests.count == 1, "a fresh token must be reused")

        // Past half the lifetime (Coviu's SDK refreshes there), before expiry.
        usleep(1_300_000)
        let later = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[2])]))
        #expect(!later.isError, "\(later.text.prefix(400))")

        let tokens = fake.tokenRequests
        #expect(tokens.count == 2)
        if tokens.count == 2 {
            expectProperGrant(tokens[1])
            #expect(tokens[1].grantType == "refresh_token" && Set(tokens[1].form.keys) == ["grant_type", "refresh_token"])
            let sameRefreshToken = tokens[1].form["refresh_token"] == FakeCoviu.refreshToken(1)
            #expect(sameRefreshToken, "the refresh did not send the refresh_token Coviu issued")
        }
        let usesNewToken = fake.apiRequests.last?.header("Authorization") == "Bearer \(FakeCoviu.accessToken(2))"
        #expect(usesNewToken, "the call after the refresh did not use the new access token")
        #expect(fake.refusedTokens.isEmpty, "conduit used a token Coviu had already expired")
        expectNoSecrets(coviu, alsoTokens: (1...2).flatMap { [FakeCoviu.accessToken($0), FakeCoviu.refreshToken($0)] })
    }

    @Test func anExpiredTokenIsReplacedEvenAfterALongPause() throws {
        let fake = try FakeCoviu(expiresIn: 1)
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-expired")
        let first = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[0])]))
        #expect(!first.isError)
        usleep(1_200_000)
        let later = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[1])]))
        #expect(!later.isError, "\(later.text.prefix(400))")
        #expect(fake.tokenRequests.count == 2)
        #expect(fake.refusedTokens.isEmpty)
    }

    @Test func concurrentCallsShareOneTokenRequest() throws {
        let fake = try FakeCoviu(tokenDelay: 0.4)
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-concurrent")

        let ids = (0..<5).map { coviu.send("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[$0])]) }
        for (index, id) in ids.enumerated() {
            let result = try #require(coviu.outcome(of: id), "call \(index + 1) got no answer")
            #expect(!result.isError, "call \(index + 1): \(result.text.prefix(300))")
            #expect(result.structured?["session_id"] == .string(FakeCoviu.sessionIDs[index]))
        }
        #expect(fake.tokenRequests.count == 1)
        #expect(fake.apiRequests.count == 5)
        #expect(fake.apiRequests.allSatisfy { $0.header("Authorization") == "Bearer \(FakeCoviu.accessToken(1))" })
    }

    @Test func aRevokedTokenIsReplacedOnceAndTheCallSucceeds() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-revoked")
        #expect(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[0])])?.isError == false)
        fake.revokeAllTokens()
        let result = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[1])]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(fake.tokenRequests.count == 2)
        let refusedTheOldToken = fake.refusedTokens == [FakeCoviu.accessToken(1)]
        #expect(refusedTheOldToken, "Coviu should have refused exactly one request, with the revoked token")
        let usesNewToken = fake.apiRequests.last?.header("Authorization") == "Bearer \(FakeCoviu.accessToken(2))"
        #expect(usesNewToken, "the retry did not use the new access token")
    }

    @Test func concurrentCallsRefusedOneAfterAnotherShareOneNewToken() throws {
        // The token is revoked while five calls are under way with it; Coviu refuses them one
        // after another (0.2 s apart). One new token should serve all five retries, and the
        // late refusals of the old token must not fetch another.
        //
        // The fake holds its refusals until all five attempts have arrived: otherwise, on a
        // busy machine, a call that starts late finds the new token already fetched and
        // rightly never uses the revoked one, and the premise (five refusals) does not hold.
        let fake = try FakeCoviu(refusalDelayStep: 0.2, refusalsHeldUntil: 5)
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-revoked-concurrent")
        #expect(coviu.call("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[0])])?.isError == false)
        fake.revokeAllTokens()

        let ids = (0..<5).map { coviu.send("get_single_coviu_session_by_id", ["id": .string(FakeCoviu.sessionIDs[$0])]) }
        for (index, id) in ids.enumerated() {
            let result = try #require(coviu.outcome(of: id), "call \(index + 1) got no answer")
            #expect(!result.isError, "call \(index + 1): \(result.text.prefix(300))")
        }
        let refused = fake.refusedTokens
        let refusedTheOldToken = refused == Array(repeating: FakeCoviu.accessToken(1), count: 5)
        let refusedWithOthers = refused.filter { $0 != FakeCoviu.accessToken(1) }.count
        #expect(
            refusedTheOldToken,
            "Coviu should have refused the five first attempts, all with the revoked token: \(refused.count) refused, \(refusedWithOthers) with another token")
        #expect(fake.tokenRequests.count == 2, "token requests: \(fake.tokenRequests.map(\.grantType))")
        // Every retry used the one new token.
        let retries = fake.apiRequests.dropFirst(1 + 5)
        let retriesUseTheNewToken = retries.count == 5 && retries.allSatisfy { $0.header("Authorization") == "Bearer \(FakeCoviu.accessToken(2))" }
        #expect(retriesUseTheNewToken, "\(retries.count) retries, not all with the new token")
    }

    @Test func aWrongClientSecretIsAClearErrorThatNamesNoSecret() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let wrongSecret = "canary-wrong-coviu-secret-77e0"
        let coviu = try VendorSession(
            account: try fake.accountFile(), environment: ["COVIU_CLIENT_ID": FakeCoviu.clientID, "COVIU_CLIENT_SECRET": wrongSecret],
            name: "coviu-bad-secret", logLevel: "debug")
        let result = try #require(coviu.call("list_all_coviu_sessions"))
        #expect(result.isError)
        #expect(result.message.contains("401") && result.message.contains("client_secret"), "\(result.message)")
        #expect(fake.apiRequests.isEmpty)
        #expect(coviu.leaks(of: [wrongSecret]).isEmpty)
    }

    @Test(arguments: ["2025-06-18", "2026-07-28"])
    func sessionsWalkEveryPageWithPageAndPageSize(revision: String) throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-sessions-\(revision)", revision: revision)

        let walked = try coviu.walk("list_all_coviu_sessions", [:], limits: [5])
        let ids = walked.items.compactMap { $0["session_id"]?.stringValue }
        #expect(ids == FakeCoviu.sessionIDs)
        #expect(walked.pages.map(\.count) == [5, 5, 2])
        let sent = fake.apiRequests
        #expect(sent.map { $0.queryValue("page") } == ["0", "1", "2"])
        #expect(sent.allSatisfy { $0.queryValue("page_size") == "5" })

        // Without a limit, Coviu's own page size applies and `more` ends the walk.
        let all = try coviu.walk("list_all_coviu_sessions", ["include_canceled": true], limits: [nil])
        let allIDs = all.items.compactMap { $0["session_id"]?.stringValue }
        #expect(allIDs == FakeCoviu.sessionIDs + FakeCoviu.cancelledSessionIDs)
        #expect(fake.apiRequests.dropFirst(3).allSatisfy { $0.queryValue("include_canceled") == "true" })
    }

    @Test func aLimitChangedMidWalkNeitherSkipsNorRepeatsSessions() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-changing-limit")
        let walked = try coviu.walk("list_all_coviu_sessions", [:], limits: [3, 5, 2, 4])
        let ids = walked.items.compactMap { $0["session_id"]?.stringValue }
        #expect(ids == FakeCoviu.sessionIDs, "pages: \(walked.pages.map(\.count)); requests: \(fake.apiRequests.map(\.target))")
    }

    @Test func submissionsWalkWithLimitAndOffsetUntilTheTotal() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-submissions")
        let arguments: JSONObject = ["teamId": .string(FakeCoviu.teamID), "collectionId": .string(FakeCoviu.collectionID), "order": "asc"]

        let walked = try coviu.walk("list_all_coviu_submissions", arguments, limits: [3])
        #expect(walked.items.compactMap { $0["id"]?.stringValue } == FakeCoviu.submissionIDs)
        #expect(walked.pages.map(\.count) == [3, 3, 1])
        let sent = fake.apiRequests
        #expect(sent.map { $0.queryValue("offset") } == ["0", "3", "6"])
        #expect(sent.allSatisfy { $0.queryValue("limit") == "3" && $0.queryValue("order") == "asc" })
        #expect(sent.allSatisfy { $0.path == "/v1/collections/\(FakeCoviu.teamID)/collection/\(FakeCoviu.collectionID)" })

        // A changing limit is safe with offsets.
        let mixed = try coviu.walk("list_all_coviu_submissions", arguments, limits: [2, 4, 1])
        #expect(mixed.items.compactMap { $0["id"]?.stringValue } == FakeCoviu.submissionIDs)
    }

    @Test func argumentsGoWhereTheDefinitionRoutesThem() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-routing")
        let sessionID = FakeCoviu.sessionIDs[4]

        // Booleans in the query are true/false; strings are encoded and decode back exactly.
        let listed = try #require(coviu.call("list_all_coviu_sessions", [
            "include_canceled": false, "deleted_participants": true, "order": "reverse", "state": "waiting room & more",
            "start_time": "2025-03-03T00:00:00+10:00",
        ]))
        #expect(!listed.isError, "\(listed.text.prefix(400))")
        let list = try #require(fake.apiRequests.last)
        let query = Dictionary(list.vendorFormQuery, uniquingKeysWith: { first, _ in first })
        #expect(query["include_canceled"] == "false" && query["deleted_participants"] == "true")
        #expect(query["order"] == "reverse" && query["state"] == "waiting room & more")
        #expect(query["start_time"] == "2025-03-03T00:00:00+10:00", "a + in a date-time must be encoded")
        #expect(list.body.isEmpty)

        // Path parameter plus a boolean query parameter.
        let people = try #require(coviu.call("list_all_coviu_participants", ["session_id": .string(sessionID), "deleted_participants": true]))
        #expect(people.structured?["result"]?.arrayValue?.count == 2)
        #expect(fake.apiRequests.last?.target == "/v1/sessions/\(sessionID)/participants?deleted_participants=true")

        // Update: the id in the path, the fields in a JSON body without the id.
        let updated = try #require(coviu.call("update_a_coviu_session_by_id", ["id": .string(sessionID), "session_name": "Follow-up"]))
        #expect(updated.structured?["session_name"] == "Follow-up", "\(updated.text.prefix(400))")
        let update = try #require(fake.apiRequests.last)
        #expect(update.method == "PUT" && update.target == "/v1/sessions/\(sessionID)")
        #expect(update.json?.objectValue?.keys == ["session_name"])

        // Create a participant: path parameter and body fields.
        let added = try #require(coviu.call("create_a_coviu_participant", ["session_id": .string(sessionID), "display_name": "Sam Patient", "role": "GUEST"]))
        #expect(added.structured?["participant_id"] == "p-new", "\(added.text.prefix(400))")
        let create = try #require(fake.apiRequests.last)
        #expect(create.method == "POST" && create.target == "/v1/sessions/\(sessionID)/participants")
        #expect(create.json?["display_name"] == "Sam Patient" && create.json?["role"] == "GUEST" && create.json?["session_id"] == nil)

        // Delete: DELETE with no body.
        let deleted = try #require(coviu.call("delete_a_coviu_session_by_id", ["id": .string(sessionID)]))
        #expect(!deleted.isError)
        let delete = try #require(fake.apiRequests.last)
        #expect(delete.method == "DELETE" && delete.target == "/v1/sessions/\(sessionID)" && delete.body.isEmpty)
    }

    @Test func pathValuesCannotChangeTheRequestPath() throws {
        let fake = try FakeCoviu()
        defer { fake.stop() }
        let coviu = try session(fake, "coviu-injection")
        let attempts: [(value: String, encoded: String)] = [
            ("../participants/p-1", "..%2Fparticipants%2Fp-1"), ("x/summary", "x%2Fsummary"), ("x?state=1", "x%3Fstate%3D1"),
            ("x#y", "x%23y"), ("%2F", "%252F"), ("..", "%2E%2E"), (".", "%2E"),
        ]
        for attempt in attempts {
            let before = fake.apiRequests.count
            let result = try #require(coviu.call("get_single_coviu_session_by_id", ["id": .string(attempt.value)]))
            #expect(result.isError && result.text.contains("404"), "\(attempt.value): \(result.text.prefix(300))")
            let sent = fake.apiRequests
            try #require(sent.count == before + 1)
            #expect(sent[before].target == "/v1/sessions/" + attempt.encoded, "\(attempt.value) was sent as \(sent[before].target)")
        }
        // Several placeholders in one path: each value stays inside its own segment.
        let before = fake.apiRequests.count
        let result = try #require(coviu.call("list_all_coviu_submissions", ["teamId": "../../sessions", "collectionId": "a/b?c#d"]))
        #expect(result.isError)
        let sent = try #require(fake.apiRequests.dropFirst(before).first)
        #expect(sent.target.hasPrefix("/v1/collections/..%2F..%2Fsessions/collection/a%2Fb%3Fc%23d"), "\(sent.target)")
    }
}
