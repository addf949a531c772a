import Conduit
import Foundation
import Synchronization

/// A loopback stand-in for Coviu's v1 API, built to Coviu's reference documentation:
///
/// - OAuth2 at `POST /v1/auth/token`: HTTP Basic with client id and secret, a form body
///   `grant_type=client_credentials` or `grant_type=refresh_token&refresh_token=…`,
///   answering `{access_token, refresh_token, expires_in, token_type, scope}`;
/// - every API call needs `Authorization: Bearer <a live token>`; tokens really expire
///   after `expires_in` seconds and can be revoked early;
/// - sessions page with `page` (from 0) / `page_size` and a `more` flag; a collection's
///   submissions page with `limit` / `offset` and a `total`.
///
/// Every token request is recorded. Unknown query parameters are refused (stricter
/// than Coviu, to catch stray parameters).
final class FakeCoviu: Sendable {
    static let clientID = "canary-coviu-client-4e2a9"
    static let clientSecret = "canary-coviu-secret-d81c3f"
    static var basicAuthorization: String { "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString() }
    static let environment = ["COVIU_CLIENT_ID": clientID, "COVIU_CLIENT_SECRET": clientSecret]
    static var secrets: [String] { [clientSecret, String(basicAuthorization.dropFirst("Basic ".count))] }

    /// Twelve sessions, plus two cancelled ones shown only with include_canceled=true.
    static let sessionIDs = (1...12).map { String(format: "6b8e2f14-3c5a-4d7e-9f21-%012d", $0) }
    static let cancelledSessionIDs = (1...2).map { String(format: "6b8e2f14-3c5a-4d7e-9f21-c%011d", $0) }
    static let defaultPageSize = 5
    static let teamID = "0f5c6a52-1b7e-4c2d-8a91-3e4f5a6b7c8d"
    static let collectionID = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff"
    /// Seven submissions; the list's default limit is 20 (Coviu's documented default).
    static let submissionIDs = (1...7).map { String(format: "5e1d0c2b-0000-4000-8000-%012d", $0) }

    struct TokenRequest: Sendable {
        var authorization: String?
        var contentType: String?
        var form: [String: String]
        var grantType: String { form["grant_type"] ?? "" }
    }

    private struct State {
        var issued = 0
        /// access token → when it expires
        var liveTokens: [String: Date] = [:]
        var refreshTokens: Set<String> = []
        var tokenRequests: [TokenRequest] = []
        var refusedTokens: [String] = []
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    let server: LoopbackHTTPServer
    let expiresIn: Int
    private let shared: Shared

    var baseURL: String { server.baseURL }
    var requests: [RecordedRequest] { server.requests }
    var apiRequests: [RecordedRequest] { server.requests.filter { $0.path != "/v1/auth/token" } }
    var tokenRequests: [TokenRequest] { shared.state.withLock { $0.tokenRequests } }
    /// Bearer tokens the API refused (expired, revoked or unknown).
    var refusedTokens: [String] { shared.state.withLock { $0.refusedTokens } }
    func stop() { server.stop() }

    /// - Parameters:
    ///   - expiresIn: the lifetime announced (and enforced) for each access token.
    ///   - tokenDelay: how long the token endpoint takes to answer.
    ///   - refusalDelayStep: the n-th refusal of a bad token is answered after
    ///     (n - 1) × this, so concurrent refusals arrive one after another.
    ///   - refusalsHeldUntil: no refusal is answered before this many requests with a bad
    ///     token have arrived (or 10 s have passed), so that they are known to be under way
    ///     together; the delay steps count from then.
    init(expiresIn: Int = 3600, tokenDelay: TimeInterval = 0, refusalDelayStep: TimeInterval = 0, refusalsHeldUntil: Int = 0) throws {
        let shared = Shared()
        self.shared = shared
        self.expiresIn = expiresIn
        server = try LoopbackHTTPServer { request in
            if request.path == "/v1/auth/token" {
                if tokenDelay > 0 { usleep(UInt32(tokenDelay * 1_000_000)) }
                return FakeCoviu.token(request, shared: shared, expiresIn: expiresIn)
            }
            let bearer = request.header("Authorization")
            let refusals = shared.state.withLock { state -> Int in
                guard let bearer, bearer.hasPrefix("Bearer "), let expiry = state.liveTokens[String(bearer.dropFirst(7))], expiry > Date() else {
                    state.refusedTokens.append(String(bearer?.dropFirst(7) ?? ""))
                    return state.refusedTokens.count
                }
                return 0
            }
            guard refusals == 0 else {
                if refusals <= refusalsHeldUntil {
                    let deadline = Date().addingTimeInterval(10)
                    while shared.state.withLock({ $0.refusedTokens.count }) < refusalsHeldUntil && Date() < deadline { usleep(2_000) }
                }
                if refusalDelayStep > 0 { usleep(UInt32(refusalDelayStep * Double(refusals - 1) * 1_000_000)) }
                return .json(["error": "invalid_token", "error_description": "The access token is missing, expired or revoked"], status: 401)
            }
            return FakeCoviu.api(request)
        }
    }

    /// The access token issued `n`-th (from 1).
    static func accessToken(_ n: Int) -> String { "coviu-access-token-\(n)" }
    static func refreshToken(_ n: Int) -> String { "coviu-refresh-token-\(n)" }

    /// Makes every token issued so far unusable, as an early revocation would.
    func revokeAllTokens() {
        shared.state.withLock { $0.liveTokens.removeAll() }
    }

    private static func token(_ request: RecordedRequest, shared: Shared, expiresIn: Int) -> FakeResponse {
        var form: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            form[decode(halves[0])] = halves.count > 1 ? decode(halves[1]) : ""
        }
        let record = TokenRequest(authorization: request.header("Authorization"), contentType: request.header("Content-Type"), form: form)
        return shared.state.withLock { state -> FakeResponse in
            state.tokenRequests.append(record)
            guard request.method == "POST", request.query.isEmpty else {
                return .json(["error": "invalid_request", "error_description": "POST the form to /v1/auth/token"], status: 400)
            }
            guard record.authorization == basicAuthorization else {
                return .json(["error": "invalid_client", "error_description": "Client authentication failed"], status: 401)
            }
            guard record.contentType?.hasPrefix("application/x-www-form-urlencoded") == true else {
                return .json(["error": "invalid_request", "error_description": "Expected a form body"], status: 400)
            }
            switch record.grantType {
            case "client_credentials":
                guard Set(form.keys).isSubset(of: ["grant_type", "scope"]) else {
                    return .json(["error": "invalid_request", "error_description": "Unexpected form fields"], status: 400)
                }
            case "refresh_token":
                guard let refresh = form["refresh_token"], state.refreshTokens.remove(refresh) != nil else {
                    return .json(["error": "invalid_grant", "error_description": "Unknown refresh token"], status: 400)
                }
            default:
                return .json(["error": "unsupported_grant_type", "error_description": "Unsupported grant type"], status: 400)
            }
            state.issued += 1
            let access = accessToken(state.issued)
            let refresh = refreshToken(state.issued)
            state.liveTokens[access] = Date().addingTimeInterval(TimeInterval(expiresIn))
            state.refreshTokens.insert(refresh)
            return .json([
                "access_token": .string(access), "refresh_token": .string(refresh), "expires_in": .int(Int64(expiresIn)),
                "token_type": "Bearer", "scope": "",
            ])
        }
    }

    private static func notFound(_ what: String) -> FakeResponse {
        .json(["error": "not_found", "message": .string("\(what) was not found")], status: 404)
    }

    private static func badRequest(_ message: String) -> FakeResponse {
        .json(["error": "invalid_request", "message": .string(message)], status: 400)
    }

    static func session(_ id: String) -> JSONValue {
        [
            "session_id": .string(id), "session_name": .string("Consultation \(id.suffix(2))"),
            "start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T09:30:00Z", "team_id": .string(teamID),
            "participants": [["participant_id": .string("p-\(id.suffix(4))"), "display_name": "Dr Ana", "role": "host", "session_id": .string(id)]],
        ]
    }

    private static func api(_ request: RecordedRequest) -> FakeResponse {
        let query = request.vendorFormQuery
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        func strayParameter(_ allowed: Set<String>) -> FakeResponse? {
            if let stray = query.first(where: { !allowed.contains($0.0) }) { return badRequest("Unknown query parameter \(stray.0)") }
            if let repeated = Dictionary(grouping: query, by: \.0).first(where: { $0.value.count > 1 }) {
                return badRequest("Query parameter \(repeated.key) given twice")
            }
            return nil
        }
        func boolean(_ name: String) -> Bool?? {
            guard let text = value(name) else { return .some(nil) }
            switch text {
            case "true": return true
            case "false": return false
            default: return nil
            }
        }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)

        // /v1/sessions
        if request.path == "/v1/sessions" && request.method == "GET" {
            if let refusal = strayParameter(["page", "page_size", "start_time", "end_time", "order", "include_canceled", "deleted_participants", "state"]) {
                return refusal
            }
            guard let includeCancelled = boolean("include_canceled"), boolean("deleted_participants") != nil else {
                return badRequest("include_canceled and deleted_participants must be true or false")
            }
            guard let page = Int(value("page") ?? "0"), page >= 0, let size = Int(value("page_size") ?? String(defaultPageSize)), size >= 1 else {
                return badRequest("page and page_size must be whole numbers")
            }
            var ids = sessionIDs + (includeCancelled == true ? cancelledSessionIDs : [])
            if value("order") == "reverse" { ids.reverse() }
            let start = min(page * size, ids.count)
            let slice = ids[start..<min(start + size, ids.count)]
            return .json([
                "content": .array(slice.map(session)), "page": .int(Int64(page)), "page_size": .int(Int64(size)),
                "more": .bool(start + size < ids.count),
            ])
        }
        // /v1/sessions/{session_id}[/participants]
        if segments.count >= 4, segments[1] == "v1", segments[2] == "sessions" {
            let id = segments[3]
            let known = sessionIDs.contains(id) || cancelledSessionIDs.contains(id)
            if segments.count == 4 {
                if let refusal = strayParameter([]) { return refusal }
                guard known else { return notFound("Session \(id)") }
                switch request.method {
                case "GET":
                    return .json(session(id))
                case "PUT":
                    guard request.header("Content-Type")?.hasPrefix("application/json") == true, case .object(let changes)? = request.json else {
                        return badRequest("Expected a JSON body")
                    }
                    guard case .object(var updated) = session(id) else { return badRequest("?") }
                    for (key, value) in changes { updated[key] = value }
                    return .json(.object(updated))
                case "DELETE":
                    return .json(["ok": true])
                default:
                    return badRequest("Method not allowed")
                }
            }
            if segments.count == 5, segments[4] == "participants" {
                guard known else { return notFound("Session \(id)") }
                if request.method == "GET" {
                    if let refusal = strayParameter(["deleted_participants"]) { return refusal }
                    guard let deleted = boolean("deleted_participants") else { return badRequest("deleted_participants must be true or false") }
                    var people: [JSONValue] = [["participant_id": "p-1", "display_name": "Dr Ana", "role": "host", "session_id": .string(id)]]
                    if deleted == true {
                        people.append(["participant_id": "p-2", "display_name": "Sam", "role": "guest", "session_id": .string(id), "deleted_at": "2025-03-03T09:10:00Z"])
                    }
                    return .json(.array(people))
                }
                if request.method == "POST" {
                    if let refusal = strayParameter([]) { return refusal }
                    // role is optional in CreateParticipant; Coviu still answers with one.
                    guard case .object(let body)? = request.json, body["display_name"] != nil else {
                        return badRequest("display_name is required")
                    }
                    var participant = body
                    if participant["role"] == nil { participant["role"] = "GUEST" }
                    participant["participant_id"] = "p-new"
                    participant["session_id"] = .string(id)
                    participant["entry_url"] = "https://coviu.com/session/p-new"
                    return .json(.object(participant))
                }
            }
        }
        // /v1/collections/{teamId}/collection/{collectionId}
        if segments.count == 6, segments[1] == "v1", segments[2] == "collections", segments[4] == "collection", request.method == "GET" {
            guard segments[3] == teamID, segments[5] == collectionID else { return notFound("Collection \(segments[5]) of team \(segments[3])") }
            if let refusal = strayParameter(["from", "until", "filter", "limit", "offset", "order", "orderBy"]) { return refusal }
            guard let limit = Int(value("limit") ?? "20"), limit >= 1, let offset = Int(value("offset") ?? "0"), offset >= 0 else {
                return badRequest("limit and offset must be whole numbers")
            }
            let start = min(offset, submissionIDs.count)
            let slice = submissionIDs[start..<min(start + limit, submissionIDs.count)]
            return .json([
                "items": .array(slice.map { ["id": .string($0), "collection_id": .string(collectionID), "created_at": "2025-03-03T10:00:00Z"] }),
                "total": .int(Int64(submissionIDs.count)),
            ])
        }
        return notFound("\(request.method) \(request.path)")
    }

    /// Writes a Coviu account file for this fake and returns its path.
    func accountFile(extra: JSONObject = [:]) throws -> String {
        var account: JSONObject = [
            "integration": "coviu", "base_url": .string(baseURL),
            "credentials": ["client_id": "${COVIU_CLIENT_ID}", "client_secret": "${COVIU_CLIENT_SECRET}"],
        ]
        for (key, value) in extra { account[key] = value }
        let path = TemporaryFiles.folder + "/coviu-account-\(UUID().uuidString).json"
        try JSONValue.object(account).jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
