import Conduit
import Foundation

/// A loopback stand-in for the Chorus API: bare-token auth, engagements paged by
/// `continuation_key`, JSON:API conversations and errors.
enum FakeChorus {
    static let token = "canary-chorus-token-5d1e9"
    static let engagementIDs = (1...10).map { String(format: "E%031d", $0) }
    static let pageKeys: [String?] = [nil, "k2", "k3"]

    static let emailIDs = (1...5).map { "EM\($0)" }
    static let userIDs: [Int64] = [305930, 305931, 305932]

    /// Shapes Chorus's documents leave open, so tests can answer with each plausible one.
    struct Shapes: Sendable {
        /// Where a page of `GET /api/v1/emails` puts the `page[after]` value for the next page.
        var emailCursorPath: [String] = ["meta", "page", "cursor"]
        /// The member of `GET /v3/users` holding the users; nil = the body is the array.
        var usersMember: String? = "users"
    }

    static func start(_ shapes: Shapes = Shapes()) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in handle(request, shapes: shapes) }
    }

    /// `value` placed at `path` inside `object`.
    private static func nest(_ value: JSONValue, at path: ArraySlice<String>, in object: JSONObject) -> JSONObject {
        guard let key = path.first else { return object }
        var out = object
        out[key] = path.count == 1 ? value : .object(nest(value, at: path.dropFirst(), in: object[key]?.objectValue ?? [:]))
        return out
    }

    static func handle(_ request: RecordedRequest, shapes: Shapes = Shapes()) -> FakeResponse {
        guard request.header("Authorization") == token else {
            return .json(["errors": [["status": "401", "title": "Unauthorized", "detail": "Invalid or missing API token"]]], status: 401)
        }
        if request.method == "GET" && request.path == "/api/v1/emails" {
            // Two emails a page; the next page starts after the id the cursor names.
            let start = request.queryValue("page[after]").flatMap { after in emailIDs.firstIndex(of: after).map { $0 + 1 } } ?? 0
            let page = Array(emailIDs[start..<min(start + 2, emailIDs.count)])
            var body: JSONObject = ["data": .array(page.map { ["type": "email", "id": .string($0), "attributes": ["name": .string("Re: \($0)")]] })]
            if start + 2 < emailIDs.count, let last = page.last {
                body = nest(.string(last), at: shapes.emailCursorPath[...], in: body)
            }
            return .json(.object(body))
        }
        if request.method == "GET" && request.path == "/v3/users" {
            let users: JSONValue = .array(userIDs.map { ["user_id": .int($0), "email": .string("user\($0)@example.com")] })
            return .json(shapes.usersMember.map { .object([$0: users]) } ?? users)
        }
        if request.method == "PUT" && request.path == "/api/v1/users/me/settings" {
            guard request.json?["data"]?["id"]?.stringValue == "305930" else {
                return .json(["errors": [["status": "404", "title": "Not Found", "detail": "User settings were not found"]]], status: 404)
            }
            return .respond(status: 204, headers: [], body: [])
        }
        if request.method == "POST" && request.path == "/api/v1/sales-qualifications/actions/writeback-crm" {
            return .respond(status: 201, headers: [], body: [])
        }
        if request.method == "GET" && request.path == "/v3/engagements" {
            let key = request.queryValue("continuation_key")
            guard let page = pageKeys.firstIndex(where: { $0 == key }) else {
                return .json(["message": "bad continuation_key"], status: 400)
            }
            let slice = engagementIDs[(page * 4)..<min(page * 4 + 4, engagementIDs.count)]
            var body: JSONObject = [
                "engagements": .array(slice.map { ["engagement_id": .string($0), "subject": .string("Call \($0.suffix(2))"), "engagement_type": "meeting"] }),
            ]
            if page + 1 < pageKeys.count, let next = pageKeys[page + 1] { body["continuation_key"] = .string(next) }
            return .json(.object(body))
        }
        if request.method == "GET" && request.path.hasPrefix("/api/v1/conversations/") {
            let id = String(request.path.dropFirst("/api/v1/conversations/".count))
            guard engagementIDs.contains(id) else {
                return .json(["errors": [["status": "404", "title": "Not Found", "detail": .string("Conversation \(id) was not found")]]], status: 404)
            }
            return .json([
                "data": [
                    "type": "conversation", "id": .string(id),
                    "attributes": [
                        "name": "Discovery call",
                        "recording": ["utterances": [["snippet": "Hello there", "speaker_name": "Ana", "snippet_time": 1.5]]],
                    ],
                ],
            ])
        }
        return .json(["errors": [["status": "404", "title": "Not Found", "detail": .string("No route \(request.path)")]]], status: 404)
    }

    /// Writes an account file for the fake and returns its path.
    static func accountFile(baseURL: String, server: JSONObject? = nil) throws -> String {
        var account: JSONObject = [
            "integration": "chorus", "base_url": .string(baseURL), "credentials": ["api_token": "${CHORUS_TOKEN}"],
        ]
        if let server { account["server"] = .object(server) }
        let path = TemporaryFiles.folder + "/account-\(UUID().uuidString).json"
        try JSONValue.object(account).jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// One folder per test process for the files tests write, removed when the process exits.
enum TemporaryFiles {
    static let folder: String = {
        let path = NSTemporaryDirectory() + "conduit-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit {
            try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "conduit-tests-\(getpid())")
        }
        return path
    }()
}
