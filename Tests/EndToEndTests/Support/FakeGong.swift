import Conduit
import Foundation
import Testing

/// A loopback stand-in for Gong's v2 API, built to Gong's documented behaviour
/// (Gong's OpenAPI document and the vendor notes), not to what conduit sends:
///
/// - auth is exactly `Basic base64(accessKey:accessKeySecret)` or `Bearer accessToken`;
/// - lists hold `records.cursor` only while more pages remain; the cursor comes back
///   as the `cursor` query parameter on GETs and as a top-level `cursor` body field on
///   POSTs, with everything else unchanged (a cursor is bound to the request that
///   produced it, so a changed filter is refused);
/// - errors are `{"requestId": "...", "errors": ["..."]}`, and a 404 also means
///   "nothing in that period".
///
/// Stricter than Gong in one way, to catch stray parameters: unknown query parameters
/// and unknown top-level body fields are refused with a 400.
final class FakeGong: Sendable {
    enum Auth: Sendable { case basic, bearer }

    static let accessKey = "canary-gong-access-key-3c8d1"
    static let accessKeySecret = "canary-gong-secret-b41f7e"
    static let accessToken = "canary-gong-oauth-token-92ad0"
    static var basicAuthorization: String { "Basic " + Data("\(accessKey):\(accessKeySecret)".utf8).base64EncodedString() }
    static var bearerAuthorization: String { "Bearer \(accessToken)" }

    /// Ten calls, four to a page: three pages.
    static let callIDs: [String] = (1...10).map { String(7_782_342_274_025_937_000 + $0) }
    static let pageSize = 4
    static let workspaceID = "623457276584334"
    static let users: [(id: String, name: String, avatar: Bool)] = [
        ("234599484848423", "Dana Rep", false), ("234599484848424", "Lee Manager", false), ("990000000000001", "Gong CSM", true),
    ]

    let server: LoopbackHTTPServer
    let auth: Auth
    var baseURL: String { server.baseURL }
    var requests: [RecordedRequest] { server.requests }
    func stop() { server.stop() }

    init(auth: Auth = .basic) throws {
        self.auth = auth
        server = try LoopbackHTTPServer { request in FakeGong.handle(request, auth: auth) }
    }

    /// The cursor Gong would hand out for `page` of the request identified by `key`:
    /// opaque, and deliberately full of characters that must be percent-encoded.
    static func cursor(page: Int, key: String) -> String {
        "p\(page)." + Data(key.utf8).base64EncodedString() + ".+/=&?#"
    }

    static func error(_ status: Int, _ messages: [String]) -> FakeResponse {
        .json(["requestId": .string(requestID()), "errors": .array(messages.map { .string($0) })], status: status)
    }

    private static func requestID() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(19))
    }

    static func handle(_ request: RecordedRequest, auth: Auth) -> FakeResponse {
        let expected = auth == .basic ? basicAuthorization : bearerAuthorization
        guard request.header("Authorization") == expected else {
            return error(401, ["Access denied: the request is not authorized"])
        }
        let path = request.path
        let query = request.vendorFormQuery
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        func refuseUnknownQuery(_ allowed: Set<String>) -> FakeResponse? {
            if let stray = query.first(where: { !allowed.contains($0.0) }) { return error(400, ["Unknown query parameter: \(stray.0)"]) }
            return nil
        }

        switch (request.method, path) {
        case ("GET", "/v2/calls"):
            if let refusal = refuseUnknownQuery(["cursor", "fromDateTime", "toDateTime", "workspaceId"]) { return refusal }
            guard let from = value("fromDateTime"), let to = value("toDateTime") else {
                return error(400, ["fromDateTime and toDateTime are required"])
            }
            if from >= "2030" { return error(404, ["No calls found corresponding to the provided filters"]) }
            if let workspace = value("workspaceId"), workspace != workspaceID {
                return error(404, ["No calls found corresponding to the provided filters"])
            }
            let key = "GET /v2/calls|\(from)|\(to)|\(value("workspaceId") ?? "")"
            guard let page = page(for: value("cursor"), key: key, count: callIDs.count) else {
                return error(400, ["The cursor is invalid or does not match the request"])
            }
            return .json(pagedBody(ids: callIDs, page: page, key: key, items: "calls") { basicCall($0) })

        case ("POST", "/v2/calls/extensive"):
            guard request.query.isEmpty else { return error(400, ["This endpoint takes no query parameters"]) }
            guard request.header("Content-Type")?.hasPrefix("application/json") == true, case .object(var body)? = request.json else {
                return error(400, ["The request body must be a JSON object"])
            }
            if let stray = body.keys.first(where: { !["filter", "contentSelector", "cursor"].contains($0) }) {
                return error(400, ["Unknown field: \(stray)"])
            }
            let cursorValue = body["cursor"]
            body["cursor"] = nil
            if let cursorValue, cursorValue.stringValue == nil { return error(400, ["cursor must be a string"]) }
            guard case .object(let filter)? = body["filter"] else { return error(400, ["filter is required"]) }
            var ids = callIDs
            if let wanted = filter["callIds"]?.arrayValue {
                let set = Set(wanted.compactMap(\.stringValue))
                ids = ids.filter(set.contains)
                if ids.isEmpty { return error(404, ["No calls found corresponding to the provided filters"]) }
            }
            let key = "POST /v2/calls/extensive|" + canonical(.object(body))
            guard let page = page(for: cursorValue?.stringValue, key: key, count: ids.count) else {
                return error(400, ["The cursor is invalid or does not match the request"])
            }
            let exposed = body["contentSelector"]?["exposedFields"]
            return .json(pagedBody(ids: ids, page: page, key: key, items: "calls") { id in
                var call: JSONObject = ["metaData": basicCall(id)]
                if exposed?["parties"] == true {
                    call["parties"] = [["id": "1", "name": "Dana Rep", "speakerId": "6432345678555530067", "affiliation": "Internal"]]
                }
                if exposed?["content"]?["brief"] == true { call["content"] = ["brief": .string("Brief of \(id)")] }
                return .object(call)
            })

        case ("GET", "/v2/users"):
            if let refusal = refuseUnknownQuery(["cursor", "includeAvatars"]) { return refusal }
            let include = value("includeAvatars")
            guard include == nil || include == "true" || include == "false" else {
                return error(400, ["includeAvatars must be true or false"])
            }
            let shown = users.filter { include == "true" || !$0.avatar }
            return .json([
                "requestId": .string(requestID()),
                "records": ["totalRecords": .int(Int64(shown.count)), "currentPageSize": .int(Int64(shown.count)), "currentPageNumber": 0],
                "users": .array(shown.map { ["id": .string($0.id), "emailAddress": .string("\($0.id)@example.com"), "firstName": .string($0.name)] }),
            ])

        case ("GET", "/v2/crm/entities"):
            if let refusal = refuseUnknownQuery(["integrationId", "objectType", "objectsCrmIds"]) { return refusal }
            let crmIDs = query.filter { $0.0 == "objectsCrmIds" }.map(\.1)
            guard value("integrationId") != nil, value("objectType") != nil, !crmIDs.isEmpty else {
                return error(400, ["integrationId, objectType and objectsCrmIds are required"])
            }
            var map = JSONObject()
            for id in crmIDs { map[id] = ["objectId": .string(id), "objectType": .string(value("objectType") ?? "")] }
            return .json(["requestId": .string(requestID()), "crmObjectsMap": .object(map)])

        case ("POST", "/v2/calls"):
            guard request.query.isEmpty, case .object(let body)? = request.json, body["clientUniqueId"] != nil else {
                return error(400, ["clientUniqueId is required"])
            }
            return .json(["requestId": .string(requestID()), "callId": "7782342274025939999"], status: 201)

        case ("PUT", _) where path.hasPrefix("/v2/calls/") && path.hasSuffix("/media"):
            // Gong's call media upload: multipart/form-data with the file in `mediaFile`.
            let id = String(path.dropFirst("/v2/calls/".count).dropLast("/media".count))
            guard let parts = FormData.parts(of: request.body, contentType: request.header("Content-Type")),
                let media = parts.first(where: { $0.name == "mediaFile" }), media.filename != nil
            else { return error(400, ["mediaFile is required (multipart/form-data)"]) }
            return .json(["requestId": .string(requestID()), "callId": .string(id), "url": .string("https://app.gong.io/call?id=\(id)")])

        case ("POST", "/v2/data-privacy/erase-data-for-email-address"):
            if let refusal = refuseUnknownQuery(["emailAddress"]) { return refusal }
            guard request.body.isEmpty else { return error(400, ["This endpoint takes no body"]) }
            guard let email = value("emailAddress"), email.contains("@") else { return error(400, ["emailAddress is required"]) }
            return .json(["requestId": .string(requestID())])

        default:
            break
        }

        if request.method == "PUT", path.hasPrefix("/v2/meetings/") {
            let id = String(path.dropFirst("/v2/meetings/".count))
            guard !id.contains("/"), request.query.isEmpty, case .object? = request.json else {
                return error(400, ["Malformed request"])
            }
            return .json(["requestId": .string(requestID()), "meetingId": .string(id), "meetingUrl": .string("https://app.gong.io/meeting/\(id)")])
        }
        if request.method == "GET", path.hasPrefix("/v2/calls/") {
            let id = String(path.dropFirst("/v2/calls/".count))
            guard !id.contains("/"), callIDs.contains(id) else { return error(404, ["Call ID was not found"]) }
            return .json(["requestId": .string(requestID()), "call": basicCall(id)])
        }
        return error(404, ["No such endpoint: \(request.method) \(path)"])
    }

    /// The page a cursor stands for: 0 without one, nil for a cursor this request never produced.
    private static func page(for cursor: String?, key: String, count: Int) -> Int? {
        guard let cursor else { return 0 }
        let pages = (count + pageSize - 1) / pageSize
        return (1..<max(pages, 1)).first { Self.cursor(page: $0, key: key) == cursor }
    }

    private static func pagedBody(ids: [String], page: Int, key: String, items: String, item: (String) -> JSONValue) -> JSONValue {
        let slice = Array(ids[(page * pageSize)..<min(page * pageSize + pageSize, ids.count)])
        var records: JSONObject = [
            "totalRecords": .int(Int64(ids.count)), "currentPageSize": .int(Int64(slice.count)), "currentPageNumber": .int(Int64(page)),
        ]
        if (page + 1) * pageSize < ids.count { records["cursor"] = .string(cursor(page: page + 1, key: key)) }
        return ["requestId": .string(requestID()), "records": .object(records), items: .array(slice.map(item))]
    }

    private static func basicCall(_ id: String) -> JSONValue {
        [
            "id": .string(id), "url": .string("https://app.gong.io/call?id=\(id)"), "title": .string("Call \(id.suffix(2))"),
            "started": "2024-05-02T16:00:00Z", "duration": 1835, "primaryUserId": "234599484848423", "direction": "Outbound",
            "scope": "External", "media": "Video", "language": "eng", "workspaceId": .string(workspaceID), "isPrivate": false,
        ]
    }

    /// A key-sorted rendering of a JSON value, so two bodies that differ only in key
    /// order count as the same request.
    static func canonical(_ value: JSONValue) -> String {
        switch value {
        case .object(let object):
            return "{" + object.keys.sorted().map { "\(JSONValue.string($0).jsonString):\(canonical(object[$0]!))" }.joined(separator: ",") + "}"
        case .array(let elements):
            return "[" + elements.map(canonical).joined(separator: ",") + "]"
        default:
            return value.jsonString
        }
    }

    /// Writes a Gong account file for this fake and returns its path.
    func accountFile(credentials: JSONObject? = nil, extra: JSONObject = [:]) throws -> String {
        var account: JSONObject = [
            "integration": "gong", "base_url": .string(baseURL),
            "credentials": .object(credentials ?? (auth == .basic
                ? ["access_key": "${GONG_ACCESS_KEY}", "access_key_secret": "${GONG_ACCESS_KEY_SECRET}"]
                : ["access_token": "${GONG_ACCESS_TOKEN}"])),
        ]
        for (key, value) in extra { account[key] = value }
        let path = TemporaryFiles.folder + "/gong-account-\(UUID().uuidString).json"
        try JSONValue.object(account).jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let environment: [String: String] = [
        "GONG_ACCESS_KEY": accessKey, "GONG_ACCESS_KEY_SECRET": accessKeySecret, "GONG_ACCESS_TOKEN": accessToken,
    ]
    static let secrets = [accessKey, accessKeySecret, accessToken, basicAuthorization.dropFirst("Basic ".count).description]
}

extension RecordedRequest {
    /// The query as an origin server decodes it: `+` is a space, then percent-decoding.
    /// (A client that sends a literal `+` for a plus sign is read as sending a space.)
    var vendorFormQuery: [(String, String)] {
        let parts = target.split(separator: "?", maxSplits: 1)
        guard parts.count == 2 else { return [] }
        return parts[1].split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(halves[0]), halves.count > 1 ? decode(halves[1]) : "")
        }
    }
}

// MARK: - An MCP session for the vendor and fault suites

/// One `conduit serve` process with an open MCP session: starts it, does the
/// handshake (or nothing, for the stateless revision) and calls tools.
final class VendorSession {
    let conduit: ConduitProcess
    let revision: String
    private var nextID: Int64 = 100

    init(account: String, environment: [String: String], name: String, revision: String = "2025-11-25", logLevel: String? = nil) throws {
        var arguments = ["serve", "--account", account]
        if let logLevel { arguments += ["--log-level", logLevel] }
        conduit = try ConduitProcess(arguments, environment: environment, transcriptName: name)
        self.revision = revision
        if revision != "2026-07-28" {
            _ = conduit.request(1, "initialize", initializeParams(revision), revision: revision)
            conduit.send(["jsonrpc": "2.0", "method": "notifications/initialized"], revision: revision)
        }
    }

    deinit { conduit.terminate() }

    /// Sends a tools/call without waiting; returns its id.
    @discardableResult
    func send(_ name: String, _ arguments: JSONObject) -> Int64 {
        nextID += 1
        var params: JSONObject = ["name": .string(name), "arguments": .object(arguments)]
        if revision == "2026-07-28" { params["_meta"] = .object(modernMeta()) }
        conduit.send(["jsonrpc": "2.0", "id": .int(nextID), "method": "tools/call", "params": .object(params)], revision: revision)
        return nextID
    }

    /// The result of the tools/call with this id; nil after `timeout` seconds.
    func outcome(of id: Int64, timeout: TimeInterval = 10) -> ToolOutcome? {
        conduit.response(to: .int(id), timeout: timeout)?["result"].map { ToolOutcome(raw: $0, revision: revision) }
    }

    /// Calls a tool and waits for its result.
    func call(_ name: String, _ arguments: JSONObject = [:], timeout: TimeInterval = 10) -> ToolOutcome? {
        outcome(of: send(name, arguments), timeout: timeout)
    }

    /// True when a ping is answered with an empty result.
    func ping(timeout: TimeInterval = 5) -> Bool {
        nextID += 1
        var params: JSONObject = [:]
        if revision == "2026-07-28" { params["_meta"] = .object(modernMeta()) }
        return conduit.request(nextID, "ping", params, revision: revision, timeout: timeout)?["result"] != nil
    }

    /// Where any of these secrets appeared on the process's stdout or stderr, named by
    /// position only, so a failing expectation never prints the secret itself.
    func leaks(of secrets: [String]) -> [String] {
        let output = conduit.output.joined(separator: "\n")
        let errors = conduit.standardError
        var found: [String] = []
        for (index, secret) in secrets.enumerated() {
            if output.contains(secret) { found.append("secret #\(index + 1) on stdout") }
            if errors.contains(secret) { found.append("secret #\(index + 1) on stderr") }
        }
        return found
    }

    /// Follows `next_cursor` from the first page to the last (at most `maxPages` calls),
    /// with the limit for each call taken in turn from `limits` (the last one repeats).
    func walk(_ name: String, _ arguments: JSONObject, limits: [Int?], maxPages: Int = 30) throws -> (items: [JSONValue], pages: [[JSONValue]]) {
        var pages: [[JSONValue]] = []
        var cursor: String?
        repeat {
            var page = arguments
            if let limit = limits[min(pages.count, limits.count - 1)] { page["limit"] = .int(Int64(limit)) }
            if let cursor { page["next_cursor"] = .string(cursor) }
            let result = try #require(call(name, page), "no answer to \(name) page \(pages.count + 1)")
            try #require(!result.isError, "\(name) page \(pages.count + 1) failed: \(result.text.prefix(600))")
            let structured = try #require(result.structured)
            pages.append(try #require(structured["result"]?.arrayValue))
            cursor = structured["next_cursor"]?.stringValue
        } while cursor != nil && pages.count < maxPages
        #expect(cursor == nil, "the walk of \(name) did not end within \(maxPages) pages")
        return (pages.flatMap { $0 }, pages)
    }
}

/// A tools/call result.
struct ToolOutcome {
    let raw: JSONValue
    let revision: String

    var isError: Bool { raw["isError"] == true }
    var text: String { raw["content"]?.arrayValue?.first?["text"]?.stringValue ?? "" }

    /// `structuredContent`, or (before 2025-06-18, and for error results whose text
    /// carries more than JSON) the text parsed as JSON.
    var structured: JSONValue? {
        if let structured = raw["structuredContent"] { return structured }
        return try? JSONValue.parse(text)
    }

    /// The first sentence of an error result (the text before its JSON details).
    var message: String { String(text.split(separator: "\n", maxSplits: 1).first ?? "") }
}
