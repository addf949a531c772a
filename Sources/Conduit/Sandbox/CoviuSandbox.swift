#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The Coviu stand-in: OAuth2 client credentials at `/v1/auth/token` (HTTP Basic, form
/// body, access tokens that expire and refresh tokens), Bearer-checked `/v1` calls,
/// sessions paged by `page`/`page_size` with a `more` flag, submissions by
/// `limit`/`offset` with a `total`, and recordings served as WebM with byte ranges.
///
/// Session state follows the data, not the clock: a session with `actual_end_time` has
/// ended, one with a participant inside is under way, any other is scheduled.
final class CoviuSandbox: SandboxVendor {
    static let clientID = "sandbox-coviu-client-id"
    static let clientSecret = "sandbox-coviu-client-secret-not-real"
    static let tokenLifetime = 3600
    /// Coviu's page size when `page_size` is not given.
    static let defaultPageSize = 10
    static let defaultSubmissionLimit = 20

    static let teamID = "3f1c2a9e-7b4d-4e8a-9c61-2d5b8f0a1e77"
    static let apiClientID = "0b7d3c52-6a1e-4f89-b2d4-7e9c1a3f5b60"
    static let queueID = "5d7a9c21-8e3f-4b6a-a1d2-3f9e7c5b4a18"
    static let afterHoursQueueID = "9e1b3d5f-7a2c-4e6b-8d0f-1a3c5e7b9d24"
    static let recordingsCollectionID = "7c9e1a3b-5d7f-4a2c-b4e6-8f0a2c4e6b95"
    static let formsCollectionID = "2a4c6e8f-0b1d-4f3a-9c5e-7b9d1f3a5c70"

    struct State: Sendable {
        var sessions = SandboxTable(key: "session_id")
        var canceled: Set<String> = []
        var participants = SandboxTable(key: "participant_id")
        /// Per session: attendance entries for the summary.
        var attendance: [String: [JSONObject]] = [:]
        var waiting = SandboxTable(key: "callId")
        var collections = SandboxTable(key: "collection_id")
        var submissions = SandboxTable(key: "item_submission_id")
        var accessTokens: [String: Date] = [:]
        var refreshTokens: Set<String> = []
        var issued = 0
        var dice = SandboxDice(seed: 7)
    }

    private let state = Mutex(CoviuSandbox.seed())
    private let router = CoviuSandbox.routes()

    func respond(to request: SandboxRequest) -> SandboxResponse {
        if request.path == "/v1/auth/token" { return state.withLock { token(request, &$0) } }
        let authorized = state.withLock { state -> Bool in
            guard let header = request.header("Authorization"), header.hasPrefix("Bearer "),
                let expiry = state.accessTokens[String(header.dropFirst(7))]
            else { return false }
            return expiry > Date()
        }
        guard authorized else {
            return .json(["error": "invalid_token", "error_description": "The access token is missing, expired or revoked."], status: 401)
        }
        switch router.match(request) {
        case .found(let handler, let call): return state.withLock { handler(&$0, call) }
        case .wrongMethod(let allowed):
            var response = Self.error(405, "Method \(request.method) is not allowed here")
            response.headers.append(("Allow", allowed.joined(separator: ", ")))
            return response
        case .notFound: return Self.error(404, "No such resource: \(request.path)")
        }
    }

    static func error(_ status: Int, _ message: String) -> SandboxResponse {
        .json(["status": .int(Int64(status)), "message": .string(message)], status: status)
    }

    // MARK: OAuth

    private func token(_ request: SandboxRequest, _ state: inout State) -> SandboxResponse {
        func refuse(_ status: Int, _ code: String, _ text: String) -> SandboxResponse {
            .json(["error": .string(code), "error_description": .string(text)], status: status)
        }
        guard request.method == "POST" else { return refuse(405, "invalid_request", "POST a form to /v1/auth/token") }
        let expected = "Basic " + Data("\(Self.clientID):\(Self.clientSecret)".utf8).base64EncodedString()
        guard request.header("Authorization") == expected else {
            return refuse(401, "invalid_client", "Client authentication failed: send the client id and secret with HTTP Basic.")
        }
        guard request.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true else {
            return refuse(400, "invalid_request", "The token request must be a form (application/x-www-form-urlencoded).")
        }
        var form: [String: String] = [:]
        for (name, value) in SandboxRequest.formPairs(Substring(decoding: request.body, as: UTF8.self)) { form[name] = value }
        switch form["grant_type"] {
        case "client_credentials":
            break
        case "refresh_token":
            guard let refresh = form["refresh_token"], state.refreshTokens.remove(refresh) != nil else {
                return refuse(400, "invalid_grant", "The refresh token is unknown or was already used.")
            }
        default:
            return refuse(400, "unsupported_grant_type", "grant_type must be client_credentials or refresh_token.")
        }
        state.issued += 1
        let access = "sandbox-coviu-access-\(state.issued)-\(state.dice.hex(16, uppercase: false))"
        let refresh = "sandbox-coviu-refresh-\(state.issued)-\(state.dice.hex(16, uppercase: false))"
        state.accessTokens[access] = Date().addingTimeInterval(Double(Self.tokenLifetime))
        state.refreshTokens.insert(refresh)
        return .json([
            "access_token": .string(access), "refresh_token": .string(refresh), "expires_in": .int(Int64(Self.tokenLifetime)),
            "token_type": "Bearer", "scope": "sessions participants waiting collections",
        ])
    }

    // MARK: Routes

    static func routes() -> SandboxRouter<State> {
        var router = SandboxRouter<State>()
        router.on("GET", "/v1/sessions", listSessions)
        router.on("POST", "/v1/sessions", createSession)
        router.on("GET", "/v1/sessions/{session_id}") { state, call in
            withSession(state, call) { session in .json(.object(render(session, state, deleted: call.queryFlag("deleted_participants") == true))) }
        }
        router.on("PUT", "/v1/sessions/{session_id}", updateSession)
        router.on("DELETE", "/v1/sessions/{session_id}", cancelSession)
        router.on("GET", "/v1/sessions/{session_id}/summary", summary)
        router.on("GET", "/v1/sessions/{session_id}/participants") { state, call in
            withSession(state, call) { session in
                .json(.array(participants(of: call.parameter("session_id"), state, deleted: call.queryFlag("deleted_participants") == true).map { .object($0) }))
            }
        }
        router.on("POST", "/v1/sessions/{session_id}/participants", addParticipant)
        router.on("GET", "/v1/participants/{participant_id}") { state, call in
            guard let participant = state.participants.find(call.parameter("participant_id")) else { return error(404, "Participant not found") }
            return .json(.object(participant))
        }
        router.on("PUT", "/v1/participants/{participant_id}", updateParticipant)
        router.on("DELETE", "/v1/participants/{participant_id}", removeParticipant)
        router.on("GET", "/v1/waiting/{teamId}") { state, call in
            guard call.parameter("teamId") == teamID else { return error(404, "Team not found") }
            return .json(.array(state.waiting.rows.filter { $0["leftQueueAt"] == nil }.map { .object($0) }))
        }
        router.on("GET", "/v1/waiting/{teamId}/queue/{waitingQueueId}") { state, call in
            guard call.parameter("teamId") == teamID else { return error(404, "Team not found") }
            guard [queueID, afterHoursQueueID].contains(call.parameter("waitingQueueId")) else { return error(404, "Waiting queue not found") }
            let calls = state.waiting.rows.filter { $0["waitingQueueId"]?.stringValue == call.parameter("waitingQueueId") && $0["leftQueueAt"] == nil }
            return .json(.array(calls.map { .object($0) }))
        }
        router.on("GET", "/v1/waiting/{teamId}/calls/{callId}") { state, call in
            guard call.parameter("teamId") == teamID else { return error(404, "Team not found") }
            guard let found = state.waiting.find(call.parameter("callId")) else { return error(404, "Call not found") }
            return .json(.object(found))
        }
        router.on("GET", "/v1/collections/{teamId}") { state, call in
            guard call.parameter("teamId") == teamID else { return error(404, "Team not found") }
            return .json(.array(state.collections.rows.map { .object($0) }))
        }
        router.on("GET", "/v1/collections/{teamId}/collection/{collectionId}", listSubmissions)
        router.on("GET", "/v1/collections/{teamId}/collection/{collectionId}/submission/{submissionId}") { state, call in
            withSubmission(state, call) { submission in .json(.object(submission)) }
        }
        router.on("GET", "/v1/collections/{teamId}/collection/{collectionId}/submission/{submissionId}/file/{fileId}") { state, call in
            withSubmission(state, call) { submission in
                let files = submission["files"]?.arrayValue ?? []
                guard files.contains(where: { $0["id"]?.stringValue == call.parameter("fileId") }) else { return error(404, "File not found") }
                if let quality = call.query("quality"), quality != "480p" { return error(400, "quality must be 480p") }
                return .media(SandboxMedia.videoWebM, contentType: "video/webm", request: call.request, etag: "\"\(call.parameter("fileId"))\"")
            }
        }
        router.on("GET", "/v1/collections/{teamId}/collection/{collectionId}/recording/{submissionId}") { state, call in
            withSubmission(state, call) { submission in
                guard submission["recording"] == .bool(true) || call.parameter("collectionId") == recordingsCollectionID else {
                    return error(404, "This submission has no audio recording")
                }
                return .media(SandboxMedia.audioWebM, contentType: "audio/webm", request: call.request, etag: "\"rec-\(call.parameter("submissionId"))\"")
            }
        }
        return router
    }

    // MARK: Sessions

    private static func participants(of session: String, _ state: State, deleted: Bool) -> [JSONObject] {
        state.participants.rows.filter { $0["session_id"]?.stringValue == session && (deleted || $0["deleted_at"] == nil) }
    }

    private static func render(_ session: JSONObject, _ state: State, deleted: Bool) -> JSONObject {
        var rendered = session
        rendered["participants"] = .array(participants(of: session["session_id"]?.stringValue ?? "", state, deleted: deleted).map { .object($0) })
        return rendered
    }

    private static func withSession(_ state: State, _ call: SandboxCall, _ body: (JSONObject) -> SandboxResponse) -> SandboxResponse {
        let id = call.parameter("session_id")
        guard let session = state.sessions.find(id) else { return error(404, "Session not found") }
        return body(session)
    }

    private static func hasEnded(_ session: JSONObject) -> Bool { session["actual_end_time"] != nil }

    private static func listSessions(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        var sessions = state.sessions.rows
        if call.queryFlag("include_canceled") != true {
            sessions.removeAll { state.canceled.contains($0["session_id"]?.stringValue ?? "") }
        }
        let from = call.query("start_time"), until = call.query("end_time")
        for (name, value) in [("start_time", from), ("end_time", until)] where value != nil && SandboxTime.parse(value) == nil {
            return error(400, "\(name) must be an ISO 8601 date-time")
        }
        if let from = SandboxTime.parse(from) { sessions.removeAll { (SandboxTime.parse($0["start_time"]?.stringValue) ?? .distantPast) < from } }
        if let until = SandboxTime.parse(until) { sessions.removeAll { (SandboxTime.parse($0["end_time"]?.stringValue) ?? .distantFuture) > until } }
        if from != nil || until != nil {
            sessions.sort { (SandboxTime.parse($0["start_time"]?.stringValue) ?? .distantPast) < (SandboxTime.parse($1["start_time"]?.stringValue) ?? .distantPast) }
        }
        if let wanted = call.query("state") {
            sessions.removeAll { session in
                !participants(of: session["session_id"]?.stringValue ?? "", state, deleted: true).contains { $0["state"]?.stringValue == wanted }
            }
        }
        switch call.query("order") {
        case nil, "forward": break
        case "reverse": sessions.reverse()
        default: return error(400, "order must be forward or reverse")
        }
        let page = call.queryInt("page") ?? 0
        let size = call.queryInt("page_size") ?? defaultPageSize
        guard page >= 0, size >= 1, size <= 100 else { return error(400, "page must be 0 or more and page_size from 1 to 100") }
        let start = min(page * size, sessions.count)
        let slice = sessions[start..<min(start + size, sessions.count)]
        let deleted = call.queryFlag("deleted_participants") == true
        return .json([
            "content": .array(slice.map { .object(render($0, state, deleted: deleted)) }),
            "page": .int(Int64(page)), "page_size": .int(Int64(size)), "more": .bool(start + size < sessions.count),
        ])
    }

    private static func validTimes(_ start: String?, _ end: String?) -> String? {
        guard let startDate = SandboxTime.parse(start) else { return "start_time must be an ISO 8601 date-time with a timezone" }
        guard let endDate = SandboxTime.parse(end) else { return "end_time must be an ISO 8601 date-time with a timezone" }
        return endDate > startDate ? nil : "end_time must be after start_time"
    }

    private static func participantRecord(_ fields: JSONObject, session: String, state: inout State) -> Result<JSONObject, SandboxResponse> {
        guard let role = fields["role"]?.stringValue, ["GUEST", "HOST", "PARTICIPANT"].contains(role) else {
            return .failure(error(400, "role must be GUEST, HOST or PARTICIPANT"))
        }
        let id = state.dice.uuid()
        var participant: JSONObject = [
            "participant_id": .string(id), "session_id": .string(session), "client_id": .string(apiClientID),
            "display_name": fields["display_name"] ?? .string(role == "HOST" ? "Host" : "Guest"),
            "entry_url": .string("https://coviu.com/session/\(session.prefix(8))?p=\(id.prefix(13))"),
            "role": .string(role),
        ]
        for field in ["picture", "state", "phone"] { if let value = fields[field], !value.isNull { participant[field] = value } }
        return .success(participant)
    }

    private static func createSession(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        guard case .object(let body)? = call.json else { return error(400, "The body must be a JSON object") }
        guard let name = body["session_name"]?.stringValue, !name.isEmpty else { return error(400, "session_name is required") }
        if let problem = validTimes(body["start_time"]?.stringValue, body["end_time"]?.stringValue) { return error(400, problem) }
        let id = state.dice.uuid()
        var session: JSONObject = [
            "session_id": .string(id), "session_name": .string(name), "start_time": body["start_time"]!, "end_time": body["end_time"]!,
        ]
        if let ended = body["actual_end_time"], !ended.isNull { session["actual_end_time"] = ended }
        if let picture = body["picture"], !picture.isNull { session["picture"] = picture }
        session["team_id"] = .string(teamID)
        session["client_id"] = .string(apiClientID)
        var invited: [JSONObject] = []
        for value in body["participants"]?.arrayValue ?? [] {
            switch participantRecord(value.objectValue ?? [:], session: id, state: &state) {
            case .success(let participant): invited.append(participant)
            case .failure(let response): return response
            }
        }
        state.sessions.insert(session)
        for participant in invited { state.participants.insert(participant) }
        return .json(.object(render(session, state, deleted: false)))
    }

    private static func updateSession(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("session_id")
        guard let session = state.sessions.find(id) else { return error(404, "Session not found") }
        guard !state.canceled.contains(id) else { return error(400, "The session was cancelled and cannot be changed") }
        var changes = JSONObject()
        for field in ["session_name", "start_time", "end_time", "picture", "actual_end_time"] { if let value = call.jsonObject[field] { changes[field] = value } }
        let start = changes["start_time"]?.stringValue ?? session["start_time"]?.stringValue
        let end = changes["end_time"]?.stringValue ?? session["end_time"]?.stringValue
        if let problem = validTimes(start, end) { return error(400, problem) }
        let updated = state.sessions.update(id, with: changes)!
        return .json(.object(render(updated, state, deleted: false)))
    }

    private static func cancelSession(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("session_id")
        guard let session = state.sessions.find(id) else { return error(404, "Session not found") }
        if state.canceled.contains(id) { return error(400, "The session is already cancelled") }
        if hasEnded(session) { return error(400, "The session has already ended and cannot be cancelled") }
        if state.attendance[id]?.isEmpty == false { return error(400, "The session is under way and cannot be cancelled") }
        state.canceled.insert(id)
        return .json(["ok": true])
    }

    private static func summary(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        withSession(state, call) { session in
            var result: JSONObject = ["start_time": session["start_time"]!, "end_time": session["end_time"]!]
            if let ended = session["actual_end_time"] { result["actual_end_time"] = ended }
            result["participants"] = .array((state.attendance[call.parameter("session_id")] ?? []).map { .object($0) })
            return .json(.object(result))
        }
    }

    private static func addParticipant(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("session_id")
        guard let session = state.sessions.find(id) else { return error(404, "Session not found") }
        if state.canceled.contains(id) { return error(400, "Cannot add a participant to a cancelled session") }
        if hasEnded(session) { return error(400, "Cannot add a participant to a session that has ended") }
        guard case .object(var body)? = call.json else { return error(400, "The body must be a JSON object") }
        // role is optional when adding a participant (CreateParticipant); the sandbox makes a guest.
        if body["role"] == nil { body["role"] = "GUEST" }
        switch participantRecord(body, session: id, state: &state) {
        case .success(let participant):
            state.participants.insert(participant)
            return .json(.object(participant))
        case .failure(let response):
            return response
        }
    }

    private static func updateParticipant(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("participant_id")
        guard let participant = state.participants.find(id), participant["deleted_at"] == nil else { return error(404, "Participant not found") }
        var changes = JSONObject()
        for field in ["display_name", "role", "picture", "state"] { if let value = call.jsonObject[field] { changes[field] = value } }
        if let role = changes["role"], !["GUEST", "HOST", "PARTICIPANT"].contains(role.stringValue ?? "") {
            return error(400, "role must be GUEST, HOST or PARTICIPANT")
        }
        return .json(.object(state.participants.update(id, with: changes)!))
    }

    private static func removeParticipant(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("participant_id")
        guard let participant = state.participants.find(id), participant["deleted_at"] == nil else { return error(404, "Participant not found") }
        state.participants.update(id, with: ["deleted_at": .string(SandboxTime.iso(Date()))])
        return .json(["ok": true])
    }

    // MARK: Collections

    private static func withSubmission(_ state: State, _ call: SandboxCall, _ body: (JSONObject) -> SandboxResponse) -> SandboxResponse {
        guard call.parameter("teamId") == teamID else { return error(404, "Team not found") }
        guard state.collections.contains(call.parameter("collectionId")) else { return error(404, "Collection not found") }
        guard let submission = state.submissions.find(call.parameter("submissionId")),
            submission["secure_collection_id"]?.stringValue == call.parameter("collectionId")
        else { return error(404, "Submission not found") }
        var shown = submission
        shown["recording"] = nil
        return body(shown)
    }

    private static func listSubmissions(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        guard call.parameter("teamId") == teamID else { return error(404, "Team not found") }
        let collection = call.parameter("collectionId")
        guard state.collections.contains(collection) else { return error(404, "Collection not found") }
        var items = state.submissions.rows.filter { $0["secure_collection_id"]?.stringValue == collection }
        if let from = SandboxTime.parse(call.query("from")) { items.removeAll { (SandboxTime.parse($0["created_at"]?.stringValue) ?? .distantPast) < from } }
        if let until = SandboxTime.parse(call.query("until")) { items.removeAll { (SandboxTime.parse($0["created_at"]?.stringValue) ?? .distantFuture) > until } }
        let field = call.query("orderBy") ?? "created_at"
        guard ["created_at", "updated_at"].contains(field) else { return error(400, "orderBy must be created_at or updated_at") }
        items.sort { ($0[field]?.stringValue ?? "") < ($1[field]?.stringValue ?? "") }
        switch call.query("order") {
        case nil, "asc": break
        case "desc": items.reverse()
        default: return error(400, "order must be asc or desc")
        }
        let offset = call.queryInt("offset") ?? 0
        let limit = call.queryInt("limit") ?? defaultSubmissionLimit
        guard offset >= 0, limit >= 1, limit <= 100 else { return error(400, "offset must be 0 or more and limit from 1 to 100") }
        let page = items.dropFirst(offset).prefix(limit).map { item -> JSONValue in
            var shown = item
            shown["files"] = nil
            shown["recording"] = nil
            return .object(shown)
        }
        return .json(["items": .array(Array(page)), "total": .int(Int64(items.count))])
    }
}
