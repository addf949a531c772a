import Foundation
import Synchronization
import Testing

@testable import Conduit

/// A small definition with a `unified` mapping, over a vendor that pages meetings oldest
/// first, ten to a page, filtered by a `since`/`until` window (both inclusive).
private func meetingDefinition(fields: String? = nil, extra: String = "") -> String {
    """
    {"name": "acme", "title": "Acme", "description": "Test vendor.", "base_url": "http://127.0.0.1",
     "credentials": {"token": {"description": "t"}}, "auth": [{"type": "bearer", "token": "token"}],
     "resources": {
       "calls": {"singular": "call", "methods": {
         "list": {"http": "GET", "path": "/calls", "description": "Calls.",
                  "parameters": [{"name": "since", "in": "query", "schema": {"type": "string"}},
                                 {"name": "until", "in": "query", "schema": {"type": "string"}},
                                 {"name": "host", "in": "query", "schema": {"type": "string"}}],
                  "pagination": {"style": "cursor", "cursor_param": "cursor", "next_cursor_path": "next"},
                  "results_path": "calls"},
         "media": {"http": "GET", "path": "/media/{id}", "description": "A call's media link (refused: no scope).",
                   "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}]}}}},
     "unified": {"meetings": {"list": {
        "call": "calls.list", "window": {"from": "since", "to": "until", "lookback_days": 400},
        "filters": {"user_id": {"argument": "host"}},
        "records": "result",
        "fields": \(fields ?? #"{"id": "id", "title": "name", "start_time": {"path": "at", "time": "epoch_seconds"}, "attendees": {"each": "people", "fields": {"email": "mail", "id": "uid", "is_host": {"equals": ["uid", "^.host"]}}}}"#)
        \(extra)}}}
    }
    """
}

/// The stand-in vendor: meetings at fixed instants (several sharing one), answered
/// oldest first in pages of ten; every request is counted.
private final class MeetingVendor: Sendable {
    struct Meeting {
        var id: String
        var at: Int
        var host: String
    }

    let meetings: [Meeting]
    let requests = Mutex<[String]>([])
    let base = 1_700_000_000

    init() {
        var all: [Meeting] = []
        for index in 0..<57 {
            // Five meetings share one instant; the rest spread over about a year, denser lately.
            let at = index < 5 ? base + 200 * 86_400 : base + (index * index * 3_000) % (380 * 86_400)
            all.append(Meeting(id: String(format: "m%03d", index), at: at, host: index % 3 == 0 ? "u1" : "u2"))
        }
        meetings = all
    }

    func answer(_ request: SandboxRequest) -> SandboxResponse {
        requests.withLock { $0.append(request.target) }
        if request.path.hasPrefix("/media/") { return .json(["error": "missing scope api:calls:read:media-url"], status: 403) }
        func query(_ name: String) -> String? { request.query.first { $0.name == name }?.value }
        func instant(_ name: String) -> Int? { query(name).flatMap(Timestamp.parse).map { Int($0.timeIntervalSince1970) } }
        var rows = meetings.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        if let since = instant("since") { rows.removeAll { $0.at < since } }
        if let until = instant("until") { rows.removeAll { $0.at > until } }
        if let host = query("host") { rows.removeAll { $0.host != host } }
        let start = Int(query("cursor") ?? "0") ?? 0
        let page = rows.dropFirst(start).prefix(10)
        let next: JSONValue = start + 10 < rows.count ? .string(String(start + 10)) : .null
        let calls: [JSONValue] = page.map {
            ["id": .string($0.id), "name": .string("Meeting \($0.id)"), "at": .int(Int64($0.at)), "host": .string($0.host),
             "people": [["mail": .string("\($0.host)@acme.test"), "uid": .string($0.host)], ["mail": "guest@else.test"]]]
        }
        return .json(["calls": .array(calls), "next": next])
    }

    func newestFirst(_ keep: (Meeting) -> Bool = { _ in true }) -> [String] {
        meetings.filter(keep).sorted { ($0.at, $0.id) > ($1.at, $1.id) }.map(\.id)
    }
}

private struct Harness {
    let vendor = MeetingVendor()
    let server: SandboxHTTPServer
    let client: UpstreamClient
    let tool: Tool

    init(inlineLimit: Int? = nil) throws {
        let vendor = self.vendor
        server = try SandboxHTTPServer { vendor.answer($0) }
        let loaded = try DefinitionLoader.decode(Array(meetingDefinition().utf8), source: "acme.json")
        var account = Account(integration: "acme.json", baseURL: "http://127.0.0.1:\(server.port)", credentials: ["token": "t0k"], source: "test")
        if let inlineLimit { account.files.inlineLimitBytes = inlineLimit }
        client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: account.credentials))
        tool = try #require(loaded.tools.first { $0.name == "list_all_meetings" })
    }

    /// Every page of a walk, with the vendor requests each one made.
    func walk(_ arguments: JSONObject) async throws -> (ids: [String], pages: [[String]]) {
        var ids: [String] = []
        var pages: [[String]] = []
        var cursor: String?
        for _ in 0..<200 {
            var given = arguments
            if let cursor { given["next_cursor"] = .string(cursor) }
            vendor.requests.withLock { $0.removeAll() }
            let result = await client.call(tool, arguments: given, context: CallContext())
            #expect(!result.isError, "\(result.text)")
            let page = result.structured
            ids += (page["result"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            pages.append(vendor.requests.withLock { $0 })
            cursor = page["next_cursor"]?.stringValue
            if cursor == nil { return (ids, pages) }
        }
        Issue.record("the walk never ended")
        return (ids, pages)
    }
}

@Suite(.serialized) struct UnifiedMeetingListTests {
    @Test func walkingTheListGivesEveryMeetingOnceNewestFirstAndNoCallTwiceInAPage() async throws {
        let harness = try Harness()
        defer { harness.server.stop() }
        let walked = try await harness.walk(["limit": 4, "start_time_to": .string(Timestamp.format(Date(timeIntervalSince1970: Double(harness.vendor.base + 390 * 86_400))))])
        #expect(walked.ids == harness.vendor.newestFirst())
        for page in walked.pages {
            // One call per vendor page read: the same request never twice within a page.
            #expect(Set(page).count == page.count, "\(page)")
            #expect(page.allSatisfy { $0.hasPrefix("/calls?") })
        }
        let calls = walked.pages.map(\.count).reduce(0, +)
        #expect(calls <= walked.pages.count * 6, "\(calls) vendor calls for \(walked.pages.count) pages")
    }

    @Test func meetingsSharingAnInstantAreSplitAcrossPagesWithoutLossOrRepeat() async throws {
        let harness = try Harness()
        defer { harness.server.stop() }
        let walked = try await harness.walk(["limit": 2, "start_time_to": .string(Timestamp.format(Date(timeIntervalSince1970: Double(harness.vendor.base + 390 * 86_400))))])
        #expect(walked.ids == harness.vendor.newestFirst())
    }

    @Test func theWindowFiltersAndTheHostFilterHold() async throws {
        let harness = try Harness()
        defer { harness.server.stop() }
        let base = Double(harness.vendor.base)
        let from = base + 100 * 86_400
        let to = base + 200 * 86_400  // exclusive: the five meetings at exactly this instant stay out
        let walked = try await harness.walk([
            "limit": 3, "user_id": "u1",
            "start_time_from": .string(Timestamp.format(Date(timeIntervalSince1970: from))),
            "start_time_to": .string(Timestamp.format(Date(timeIntervalSince1970: to))),
        ])
        #expect(walked.ids == harness.vendor.newestFirst { Double($0.at) >= from && Double($0.at) < to && $0.host == "u1" })
        #expect(!walked.ids.isEmpty)
        #expect(walked.pages.flatMap { $0 }.allSatisfy { $0.contains("host=u1") }, "the host filter is sent to the vendor")
    }

    @Test func aPageCutToFitTheInlineLimitResumesAtTheFirstMeetingNotShown() async throws {
        let harness = try Harness(inlineLimit: 1200)
        defer { harness.server.stop() }
        let walked = try await harness.walk(["limit": 50, "start_time_to": .string(Timestamp.format(Date(timeIntervalSince1970: Double(harness.vendor.base + 390 * 86_400))))])
        #expect(walked.ids == harness.vendor.newestFirst())
        #expect(walked.pages.count > 5, "small pages: the limit of 50 was cut by size")
    }

    @Test func anOptionalJoinThatFailsLeavesItsFieldsNullAndARequiredOneFailsTheCall() async throws {
        let vendor = MeetingVendor()
        let server = try SandboxHTTPServer { vendor.answer($0) }
        defer { server.stop() }
        for optional in [true, false] {
            let get = #"}, "get": {"call": "calls.list", "records": "result", "find": "id", "joins": {"media": {"call": "calls.media", "arguments": {"id": "{id}"}, "optional": \#(optional)}}, "fields": {"$include": "meetings.list", "video_recording_url": "$media.url"}"#
            let loaded = try DefinitionLoader.decode(Array(meetingDefinition(extra: get).utf8), source: "acme.json")
            let account = Account(integration: "acme.json", baseURL: "http://127.0.0.1:\(server.port)", credentials: ["token": "t0k"], source: "test")
            let client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: account.credentials))
            let tool = try #require(loaded.tools.first { $0.name == "get_single_meeting_by_id" })
            // The newest meeting is on the vendor's last page: the get walks the list to find it.
            let id = try #require(vendor.newestFirst().first)
            let result = await client.call(tool, arguments: ["id": .string(id)], context: CallContext())
            if optional {
                #expect(!result.isError, "\(result.text)")
                #expect(result.structured["id"] == .string(id) && result.structured["video_recording_url"] == .null)
            } else {
                #expect(result.isError && result.structured["error"]?["status"] == 403)
            }
        }
    }

    @Test func anAlteredCursorAndABadInstantAreRefused() async throws {
        let harness = try Harness()
        defer { harness.server.stop() }
        let bad = await harness.client.call(harness.tool, arguments: ["next_cursor": "eyJjIjp7fX0.000000000000"], context: CallContext())
        #expect(bad.isError && bad.structured["error"]?["type"] == "invalid_cursor")
        let instant = await harness.client.call(harness.tool, arguments: ["start_time_from": "last tuesday"], context: CallContext())
        #expect(instant.isError && instant.text.contains("start_time_from must be an ISO 8601 date-time"))
    }
}

@Suite struct UnifiedMappingTests {
    @Test func everyProblemOfAMappingIsNamedByPath() throws {
        let text = meetingDefinition(
            fields: #"{"id": "id", "colour": "x", "title": {"lookup": "nowhere", "key": "a", "item": "b"}, "start_time": {"path": "at", "time": "fortnights"}, "duration": "$ghost.value"}"#,
            extra: #", "joins": {"x": {"call": "calls.nope"}}"#)
        #expect(throws: DefinitionError.self) { try DefinitionLoader.decode(Array(text.utf8), source: "acme.json") }
        do {
            _ = try DefinitionLoader.decode(Array(text.utf8), source: "acme.json")
        } catch {
            let said = error.description
            for expected in [
                "unified.meetings.list.fields.colour: unknown field", "unified.meetings.list.fields.title.lookup: must name a join",
                "unified.meetings.list.fields.start_time.time: must be epoch_seconds, epoch_ms or iso",
                "unified.meetings.list.fields.duration: \"$ghost.value\" names no join", "unified.meetings.list.joins.x.call: names no method of this definition: calls.nope",
            ] {
                #expect(said.contains(expected), "missing \(expected) in \(said)")
            }
        }
    }

    @Test func aGetMayStartFromTheListsFields() throws {
        let text = meetingDefinition(extra: #"}, "get": {"call": "calls.list", "records": "result", "find": "id", "fields": {"$include": "meetings.list", "title": {"value": "replaced"}}"#)
        let loaded = try DefinitionLoader.decode(Array(text.utf8), source: "acme.json")
        let get = try #require(loaded.definition.unified?.operations[.getMeeting])
        #expect(get.fields.map(\.name).sorted() == ["attendees", "id", "start_time", "title"])
        let mapper = RecordMapper()
        #expect(mapper.evaluate(try #require(get.fields.first { $0.name == "title" }?.expression), [["name": "x"]]) == "replaced")

        let bad = meetingDefinition(extra: #"}, "get": {"call": "calls.list", "records": "result", "fields": {"$include": "users.list"}"#)
        #expect {
            try DefinitionLoader.decode(Array(bad.utf8), source: "acme.json")
        } throws: { error in
            "\(error)".contains("unified.meetings.get.fields.$include: must name an operation declared before this one")
                && "\(error)".contains("unified.meetings.get.fields: must map id")
        }
    }

    @Test func theFiveToolsAreTaggedAndObeyTheFilters() throws {
        let loaded = try DefinitionLoader.decode(Array(meetingDefinition().utf8), source: "acme.json")
        let tool = try #require(loaded.tools.first { $0.name == "list_all_meetings" })
        #expect(tool.tags == ["unified", "meetings"] && tool.kind == .list && tool.annotations.readOnly)
        var settings = ServerSettings()
        settings.methods = ["write"]
        #expect(!ToolCatalog.keeps(tool, settings: settings))
        settings.methods = nil
        settings.tags = ["unified"]
        #expect(ToolCatalog.keeps(tool, settings: settings))
    }

    private func evaluate(_ expression: String, _ record: JSONValue, joins: [String: RecordMapper.JoinData] = [:], chain: [JSONValue] = []) throws -> JSONValue {
        var decoder = UnifiedMappingDecoder(resources: [])
        let joinSpecs = joins.keys.map { UnifiedJoin(name: $0, call: nil, arguments: [:], records: [], key: JSONPath("k"), optional: false) }
        let parsed = try #require(decoder.expression(try JSONValue.parse(Array(expression.utf8)), "x", joins: joinSpecs))
        #expect(decoder.problems.isEmpty, "\(decoder.problems)")
        var mapper = RecordMapper(id: "the-id")
        mapper.joins = joins
        return mapper.evaluate(parsed, chain + [record])
    }

    @Test func theExpressionsConvertAsDocumented() throws {
        let record: JSONValue = [
            "started": "2024-05-02T15:31:00-07:00", "duration": 2572, "ms": 238818, "epoch": 1632490362, "type": "cust",
            "first": "Dana", "last": "Rep", "uid": 305921, "video": false, "items": [["name": "A"], ["name": "B"], ["other": 1]],
        ]
        #expect(try evaluate(#"{"path": "started", "time": "iso"}"#, record) == "2024-05-02T22:31:00Z")
        #expect(try evaluate(#"{"sum": ["started", "duration"], "time": "epoch_seconds"}"#, record) == "2024-05-02T23:13:52Z")
        #expect(try evaluate(#"{"path": "epoch", "time": "epoch_seconds"}"#, record) == "2021-09-24T13:32:42Z")
        #expect(try evaluate(#"{"path": "ms", "unit": "ms"}"#, record) == .double(238.818))
        #expect(try evaluate(#"{"path": "ms", "unit": "ms", "whole": true}"#, record) == 239)
        #expect(try evaluate(#"{"path": "type", "map": {"rep": "user", "cust": "guest"}}"#, record) == "guest")
        #expect(try evaluate(#"{"path": "first", "map": {"rep": "user"}, "other": "unknown"}"#, record) == "unknown")
        #expect(try evaluate(#"{"concat": ["first", "missing", "last"], "separator": " "}"#, record) == "Dana Rep")
        #expect(try evaluate(#"{"first": ["missing", "uid"], "text": true}"#, record) == "305921")
        #expect(try evaluate(#"{"each": "items", "item": "name"}"#, record) == ["A", "B"])
        #expect(try evaluate(#"{"path": "first", "when": "video"}"#, record) == .null)
        #expect(try evaluate(#"{"path": "first", "unless": "video"}"#, record) == "Dana")
        #expect(try evaluate(#"{"equals": ["uid", "^.owner"]}"#, record, chain: [["owner": "305921"]]) == true)
        #expect(try evaluate(#"{"equals": ["missing", "missing"]}"#, record) == false)
        #expect(try evaluate(#""$id""#, record) == "the-id")
        let people = RecordMapper.JoinData(records: [["k": 7, "mail": "a@x.test"], ["k": "8", "mail": "b@x.test"]], key: JSONPath("k"))
        #expect(try evaluate(#"{"lookup": "people", "key": {"value": "7"}, "item": "mail"}"#, record, joins: ["people": people]) == "a@x.test")
        #expect(try evaluate(#"{"lookup": "people", "key": {"value": 9}, "item": "mail"}"#, record, joins: ["people": people]) == .null)
        #expect(try evaluate(#""$people.mail""#, record, joins: ["people": people]) == "a@x.test")
    }

    @Test func nestedRecordLevelsKeepTheirEnclosingRecords() {
        let answer: JSONValue = ["calls": [["transcript": [["speaker": "s1", "sentences": [["t": "a"], ["t": "b"]]], ["speaker": "s2", "sentences": [["t": "c"]]]]]]]
        let chains = RecordMapper.records(in: answer, levels: [JSONPath("calls"), JSONPath("transcript"), JSONPath("sentences")])
        #expect(chains.map { $0.last?["t"] } == ["a", "b", "c"])
        #expect(chains.map { $0[$0.count - 2]["speaker"] } == ["s1", "s1", "s2"])
    }
}
