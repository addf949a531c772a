#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The Gong stand-in: HTTP Basic with the access key and secret, `/v2` endpoints,
/// `records.cursor` paging (the cursor comes back as the `cursor` query parameter on
/// GETs and as a top-level `cursor` body field on POSTs, and is bound to the request
/// that produced it), errors as `{"requestId", "errors": [...]}`, 404 for an empty
/// period, and asynchronous CRM work whose status moves from PENDING to DONE.
///
/// Gong's pages hold about 100 records; the sandbox's hold 10 so paging shows with a
/// small data set.
final class GongSandbox: SandboxVendor {
    static let accessKey = "SANDBOXGONGACCESSKEY"
    static let accessKeySecret = "sandbox-gong-access-key-secret-not-real"
    static let pageSize = 10

    struct State: Sendable {
        var calls = SandboxTable(key: "id")
        /// Per call: parties, transcript, content and interaction data.
        var callDetails: [String: JSONObject] = [:]
        var users = SandboxTable(key: "id")
        var avatars: [JSONObject] = []
        var workspaces: [JSONObject] = []
        var meetings = SandboxTable(key: "meetingId")
        var callAccess: [String: [String]] = [:]
        var crmIntegrations = SandboxTable(key: "integrationId")
        /// integration id → object type → fields.
        var entitySchemas: [String: [String: [JSONValue]]] = [:]
        /// "integration|TYPE|crmId" → object.
        var crmObjects: [String: JSONObject] = [:]
        /// client request id → (integration id, when it was made, what it did).
        var requests: [String: (integration: String, created: Date, work: String)] = [:]
        var contacts: [JSONObject] = []
        var erasedEmails: Set<String> = []
        var erasedPhones: Set<String> = []
        var trackers: [JSONObject] = []
        var scorecards: [JSONObject] = []
        var answeredScorecards: [JSONObject] = []
        var profiles = SandboxTable(key: "id")
        var profileUsers: [String: [String]] = [:]
        var folders: [JSONObject] = []
        var folderCalls: [String: [JSONObject]] = [:]
        var flows: [JSONObject] = []
        var prospectFlows: [JSONObject] = []
        var associations: [JSONObject] = []
        var logs: [JSONObject] = []
        var settingsHistory: [String: [JSONObject]] = [:]
        var events = 0
        var dice = SandboxDice(seed: 11)
    }

    private let state = Mutex(GongSandbox.seed())
    private let router = GongSandbox.routes()

    func respond(to request: SandboxRequest) -> SandboxResponse {
        if request.path.hasPrefix("/sandbox-media/") { return media(request) }
        let expected = "Basic " + Data("\(Self.accessKey):\(Self.accessKeySecret)".utf8).base64EncodedString()
        guard request.header("Authorization") == expected else {
            return Self.error(401, "Access denied: the request is not authorized. Send the access key and secret with HTTP Basic authentication.")
        }
        switch router.match(request) {
        case .found(let handler, let call): return state.withLock { handler(&$0, call) }
        case .wrongMethod: return Self.error(405, "Method \(request.method) is not supported for \(request.path)")
        case .notFound: return Self.error(404, "No such endpoint: \(request.method) \(request.path)")
        }
    }

    /// Call recordings behind the time-limited links in `media.audioUrl` (no Gong auth,
    /// like the storage links Gong hands out).
    private func media(_ request: SandboxRequest) -> SandboxResponse {
        guard request.method == "GET", request.path.hasSuffix(".wav") else { return SandboxResponse(status: 404) }
        return .media(SandboxMedia.dialerAudioWAV, contentType: "audio/wav", request: request, etag: "\"gong-call-audio\"")
    }

    static func requestID(_ dice: inout SandboxDice) -> JSONValue {
        .string(String((0..<19).map { _ in Array("abcdefghijklmnopqrstuvwxyz0123456789")[dice.int(0...35)] }))
    }

    static func error(_ status: Int, _ messages: String...) -> SandboxResponse {
        var dice = SandboxDice(seed: UInt64(Date().timeIntervalSince1970 * 1000))
        return .json(["requestId": requestID(&dice), "errors": .array(messages.map { .string($0) })], status: status)
    }

    static func ok(_ state: inout State, _ fields: JSONObject, status: Int = 200) -> SandboxResponse {
        var body: JSONObject = ["requestId": requestID(&state.dice)]
        for (key, value) in fields { body[key] = value }
        return .json(.object(body), status: status)
    }

    static let noCalls = "No calls found corresponding to the provided filters"

    // MARK: Paging

    /// The request a cursor belongs to: method, path and every parameter but the cursor.
    private static func pagingKey(_ call: SandboxCall) -> String {
        var key = "\(call.method) \(call.request.path)"
        for item in call.request.query where item.name != "cursor" { key += "|\(item.name)=\(item.value)" }
        if case .object(var body)? = call.json {
            body["cursor"] = nil
            key += "|" + JSONValue.object(body).jsonString
        }
        return SHA256.hexDigest(Array(key.utf8)).prefix(16).description
    }

    private static func cursorText(page: Int, key: String) -> String {
        let payload = JSONValue.object(["page": .int(Int64(page)), "request": .string(key)]).jsonBytes
        return "eyJhbGciOiJIUzI1NiJ9." + Base64URL.encode(payload) + "." + SHA256.hexDigest(payload + Array("gong-sandbox".utf8)).prefix(22)
    }

    /// One page of `items` under `name`, with Gong's `records`; `extra` fields go alongside.
    static func page(
        _ state: inout State, _ call: SandboxCall, items: [JSONValue], name: String, extra: JSONObject = [:]
    ) -> SandboxResponse {
        let key = pagingKey(call)
        let cursor = call.query("cursor") ?? call.jsonObject["cursor"]?.stringValue
        var page = 0
        if let cursor {
            let pages = max(1, (items.count + pageSize - 1) / pageSize)
            guard let found = (1..<max(pages, 2)).first(where: { cursorText(page: $0, key: key) == cursor }) else {
                return error(400, "The cursor is invalid or does not belong to this request; repeat the request with the same parameters and the cursor it returned.")
            }
            page = found
        }
        let slice = Array(items.dropFirst(page * pageSize).prefix(pageSize))
        var records: JSONObject = [
            "totalRecords": .int(Int64(items.count)), "currentPageSize": .int(Int64(slice.count)), "currentPageNumber": .int(Int64(page)),
        ]
        if (page + 1) * pageSize < items.count { records["cursor"] = .string(cursorText(page: page + 1, key: key)) }
        var fields: JSONObject = ["records": .object(records), name: .array(slice)]
        for (field, value) in extra { fields[field] = value }
        return ok(&state, fields)
    }

    // MARK: Filters

    static func started(_ call: JSONObject) -> Date { SandboxTime.parse(call["started"]?.stringValue) ?? .distantPast }

    /// Calls in a window, for specific ids, hosts and workspace; nil with an error message.
    static func calls(
        _ state: State, from: String?, to: String?, ids: [String]?, hosts: [String]? = nil, workspace: String?
    ) -> Result<[JSONObject], SandboxResponse> {
        var calls = state.calls.rows
        if let from {
            guard let date = SandboxTime.parse(from) else { return .failure(error(400, "fromDateTime must be an ISO-8601 date-time")) }
            calls.removeAll { started($0) < date }
        }
        if let to {
            guard let date = SandboxTime.parse(to) else { return .failure(error(400, "toDateTime must be an ISO-8601 date-time")) }
            calls.removeAll { started($0) >= date }
        }
        if let ids { calls.removeAll { !ids.contains($0["id"]?.stringValue ?? "") } }
        if let hosts { calls.removeAll { !hosts.contains($0["primaryUserId"]?.stringValue ?? "") } }
        if let workspace { calls.removeAll { $0["workspaceId"]?.stringValue != workspace } }
        calls.sort { started($0) < started($1) }
        return calls.isEmpty ? .failure(error(404, noCalls)) : .success(calls)
    }

    static func strings(_ value: JSONValue?) -> [String]? { value?.arrayValue?.compactMap(\.stringValue) }

    /// Users with activity in a stats filter (which needs fromDate and toDate).
    /// The users who hosted a call in the request's date window, and that window.
    struct ActiveUsers {
        var users: [JSONObject]
        var from: Date
        var to: Date
    }

    static func activeUsers(_ state: State, _ call: SandboxCall, dates: (String, String) = ("fromDate", "toDate")) -> Result<ActiveUsers, SandboxResponse> {
        guard case .object(let filter)? = call.jsonObject["filter"] else { return .failure(error(400, "filter is required")) }
        guard let from = SandboxTime.parse(filter[dates.0]?.stringValue), let to = SandboxTime.parse(filter[dates.1]?.stringValue) else {
            return .failure(error(400, "filter.\(dates.0) and filter.\(dates.1) are required dates (YYYY-MM-DD)"))
        }
        guard from < to else { return .failure(error(400, "filter.\(dates.0) must be before filter.\(dates.1)")) }
        let hosts = Set(state.calls.rows.filter { started($0) >= from && started($0) < to }.compactMap { $0["primaryUserId"]?.stringValue })
        var users = state.users.rows.filter { hosts.contains($0["id"]?.stringValue ?? "") }
        if let wanted = strings(filter["userIds"]) { users.removeAll { !wanted.contains($0["id"]?.stringValue ?? "") } }
        return users.isEmpty ? .failure(error(404, "No activity found for the provided filters")) : .success(ActiveUsers(users: users, from: from, to: to))
    }

    static func routes() -> SandboxRouter<State> {
        var router = SandboxRouter<State>()
        addCallRoutes(&router)
        addUserRoutes(&router)
        addStatsRoutes(&router)
        addEngagementRoutes(&router)
        addCRMRoutes(&router)
        addSettingsRoutes(&router)
        return router
    }
}
