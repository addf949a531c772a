#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The Chorus stand-in: the bare API token in `Authorization`, `/v3` plain JSON with
/// `continuation_key` paging, `/api/v1` JSON:API documents and errors, tasks for the
/// deletes and exports Chorus finishes later, and recordings behind a redirect to a
/// second "storage" origin whose signed links refuse any `Authorization` header (as
/// presigned storage URLs do), so a download only works when the client drops the
/// Chorus credentials on the way.
final class ChorusSandbox: SandboxVendor {
    static let apiToken = "sandbox-chorus-api-token-not-a-real-secret"
    /// Engagements per `/v3/engagements` page.
    static let engagementPageSize = 10
    static let emailPageSize = 10
    static let jsonAPI = "application/vnd.api+json"
    /// Signs storage links, so an altered or expired link is refused.
    static let storageSecret = Array("chorus-sandbox-storage".utf8)

    struct State: Sendable {
        var engagements = SandboxTable(key: "engagement_id")
        /// Per conversation: the full JSON:API attributes.
        var conversations: [String: JSONObject] = [:]
        var live = SandboxTable(key: "id")
        var summarized: Set<String> = []
        var users = SandboxTable(key: "id")
        var teams = SandboxTable(key: "id")
        var emails = SandboxTable(key: "id")
        var threads = SandboxTable(key: "id")
        var moments = SandboxTable(key: "id")
        var playlists = SandboxTable(key: "id")
        var playlistMoments = SandboxTable(key: "id")
        var filters = SandboxTable(key: "id")
        var reports: Set<String> = []
        var qualifications: [String: JSONObject] = [:]
        var frameworks = SandboxTable(key: "id")
        var savedSearches = SandboxTable(key: "id")
        var scorecards = SandboxTable(key: "id")
        var settings: JSONObject = ["mobile_push.comments": true, "mobile_push.mentions": true]
        var videoConferences = SandboxTable(key: "id")
        var webhooks = SandboxTable(key: "id")
        /// Where recordings are served from (the second origin), set once at start.
        var storageOrigin = ""
        var nextID = 90_000
        var dice = SandboxDice(seed: 5)

        mutating func newID() -> String {
            nextID += 1
            return String(nextID)
        }
    }

    private let state = Mutex(ChorusSandbox.seed())
    private let router = ChorusSandbox.routes()

    func respond(to request: SandboxRequest) -> SandboxResponse {
        let isV3 = request.path.hasPrefix("/v3/")
        guard request.header("Authorization") == Self.apiToken else {
            if isV3 { return .json(["message": "Unauthorized: the API token is missing or invalid"], status: 401) }
            return Self.error(401, "Unauthorized", "The API token is missing or invalid. Send it as the Authorization header, without a scheme.")
        }
        switch router.match(request) {
        case .found(let handler, let call):
            return state.withLock { handler(&$0, call) }
        case .wrongMethod:
            return isV3 ? .json(["message": "Method not allowed"], status: 405) : Self.error(405, "Method Not Allowed", "\(request.method) is not supported for \(request.path)")
        case .notFound:
            return isV3 ? .json(["message": "Not found"], status: 404) : Self.error(404, "Not Found", "No route for \(request.path)")
        }
    }

    /// Points recording links at the storage origin once it listens.
    func useStorage(at origin: String) {
        state.withLock { $0.storageOrigin = origin }
    }

    /// The storage origin: signed, expiring links to recordings; any `Authorization` is refused.
    func respondFromStorage(to request: SandboxRequest) -> SandboxResponse {
        func refuse(_ status: Int, _ code: String, _ message: String) -> SandboxResponse {
            SandboxResponse(
                status: status, headers: [("Content-Type", "application/xml")],
                body: Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message></Error>\n".utf8))
        }
        if request.header("Authorization") != nil {
            return refuse(400, "InvalidArgument", "Only one auth mechanism allowed; only the signature in the query string may be used")
        }
        guard request.method == "GET", request.path.hasPrefix("/recordings/") else { return refuse(404, "NoSuchKey", "The specified key does not exist.") }
        let file = String(request.path.dropFirst("/recordings/".count))
        let id = String(file.split(separator: ".").first ?? "")
        let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let expires = query["Expires"].flatMap(Double.init), let signature = query["Signature"],
            signature == Self.signature(file: file, expires: Int(expires))
        else { return refuse(403, "SignatureDoesNotMatch", "The request signature does not match.") }
        guard expires > Date().timeIntervalSince1970 else { return refuse(403, "AccessDenied", "Request has expired") }
        let audioOnly = state.withLock { $0.conversations[id]?["recording"]?["audio_only"] == true }
        let bytes = audioOnly ? SandboxMedia.dialerAudioWAV : SandboxMedia.meetingVideoMP4
        return .media(bytes, contentType: audioOnly ? "audio/wav" : "video/mp4", request: request, etag: "\"\(id)\"")
    }

    static func signature(file: String, expires: Int) -> String {
        SHA256.hexDigest(storageSecret + Array("\(file)|\(expires)".utf8)).prefix(32).description
    }

    // MARK: Answers

    /// A JSON:API error document.
    static func error(_ status: Int, _ title: String, _ detail: String, pointer: String? = nil) -> SandboxResponse {
        var entry: JSONObject = ["status": .string(String(status)), "title": .string(title), "detail": .string(detail)]
        if let pointer { entry["source"] = ["pointer": .string(pointer)] }
        return .json(["errors": [.object(entry)]], status: status, contentType: jsonAPI)
    }

    static func notFound(_ what: String, _ id: String) -> SandboxResponse {
        error(404, "Not Found", "\(what) \(id) was not found, or the token's user may not see it")
    }

    static func resource(_ type: String, _ id: String, _ attributes: JSONObject) -> JSONValue {
        ["type": .string(type), "id": .string(id), "attributes": .object(attributes)]
    }

    static func document(_ data: JSONValue, status: Int = 200, meta: JSONObject? = nil) -> SandboxResponse {
        var body: JSONObject = ["data": data]
        if let meta { body["meta"] = .object(meta) }
        return .json(.object(body), status: status, contentType: jsonAPI)
    }

    /// A table row as a JSON:API resource: `type`, `id`, and the other fields as attributes.
    static func resource(_ type: String, row: JSONObject) -> JSONValue {
        var attributes = row
        let id = attributes["id"]
        attributes["id"] = nil
        let text: String
        switch id {
        case .string(let s)?: text = s
        case .int(let i)?: text = String(i)
        default: text = ""
        }
        return resource(type, text, attributes)
    }

    static func task(_ state: inout State, status: String = "queued") -> JSONValue {
        resource("task", state.dice.uuid(), ["status": .string(status), "created_at": .string(SandboxTime.iso(Date()))])
    }

    /// A `start:end` range with ISO 8601 ends and `*` for an open end; nil if malformed.
    static func range(_ text: String) -> (Date, Date)? {
        let characters = Array(text)
        for index in characters.indices where characters[index] == ":" {
            let left = String(characters[..<index]), right = String(characters[(index + 1)...])
            let start = left == "*" ? Date.distantPast : SandboxTime.parse(left)
            let end = right == "*" ? Date.distantFuture : SandboxTime.parse(right)
            if let start, let end { return (start, end) }
        }
        return nil
    }

    /// Page-number paging (`page[number]` from 1, `page[size]`) over JSON:API resources.
    static func numberedPage(_ items: [JSONValue], _ call: SandboxCall, defaultSize: Int, maximum: Int) -> SandboxResponse {
        let number = call.queryInt("page[number]") ?? 1
        let size = call.queryInt("page[size]") ?? defaultSize
        guard number >= 1, size >= 1, size <= maximum else {
            return error(400, "Bad Request", "page[number] must be 1 or more and page[size] from 1 to \(maximum)", pointer: "page")
        }
        let slice = Array(items.dropFirst((number - 1) * size).prefix(size))
        return document(.array(slice), meta: ["page": ["number": .int(Int64(number)), "size": .int(Int64(size)), "total": .int(Int64(items.count))]])
    }

    static func routes() -> SandboxRouter<State> {
        var router = SandboxRouter<State>()
        addConversationRoutes(&router)
        addEmailAndMomentRoutes(&router)
        addPlaylistRoutes(&router)
        addWorkspaceRoutes(&router)
        return router
    }
}
