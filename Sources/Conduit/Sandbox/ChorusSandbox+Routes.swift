#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Chorus stand-in's endpoints, by area.
extension ChorusSandbox {
    // MARK: Conversations, engagements, media

    static func addConversationRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/v3/engagements", listEngagements)
        router.on("DELETE", "/v3/engagements/{engagement_id}") { state, call in
            let id = call.parameter("engagement_id")
            guard state.engagements.remove(id) != nil else { return .json(["message": .string("Engagement \(id) not found")], status: 404) }
            state.conversations[id] = nil
            return .empty(202)
        }
        router.on("DELETE", "/v3/engagements") { state, call in
            let ids = call.queryList("engagement_id")
            guard !ids.isEmpty, ids.count <= 100 else { return .json(["message": "Pass 1 to 100 engagement_id values"], status: 400) }
            if let unknown = ids.first(where: { !state.engagements.contains($0) }) {
                return .json(["message": .string("Engagement \(unknown) not found")], status: 404)
            }
            for id in ids {
                state.engagements.remove(id)
                state.conversations[id] = nil
            }
            return .empty(202)
        }
        router.on("GET", "/api/v1/conversations/live") { state, call in
            guard let live = state.live.rows.first(where: { $0["owner"]?["user_id"] == .int(meUserID) }) else {
                return error(404, "Not Found", "Nothing is being recorded for you right now")
            }
            return document(resource("recording", row: project(live, fields: call.queryList("fields"))))
        }
        router.on("GET", "/api/v1/conversations/{id}", conversation)
        router.on("DELETE", "/api/v1/conversations/{id}") { state, call in
            let id = call.parameter("id")
            guard state.conversations[id] != nil else { return notFound("Conversation", id) }
            let clips = state.playlistMoments.rows.filter { $0["call_id"]?.stringValue == id }
            if !clips.isEmpty && call.queryFlag("force_delete") != true {
                return error(409, "Conflict", "The conversation has \(clips.count) playlist moment(s); pass force_delete=true to delete them too")
            }
            for clip in clips { state.playlistMoments.remove(clip["id"]?.stringValue ?? "") }
            state.conversations[id] = nil
            state.engagements.remove(id)
            return document(task(&state), status: 202)
        }
        router.on("GET", "/api/v1/conversations/{id}/media", media)
        router.on("POST", "/api/v1/join") { state, call in
            guard call.contentType == "text/plain" else { return error(415, "Unsupported Media Type", "Send the invitation as text/plain") }
            let providers = ["zoom.us/j/": "zoom", "meet.google.com/": "google_meet", "teams.microsoft.com/": "ms_teams", "webex.com/": "webex"]
            let words = call.text.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let link = words.first(where: { word in word.hasPrefix("http") && providers.keys.contains { word.contains($0) } }) else {
                return error(422, "Unprocessable Entity", "No supported meeting link (Zoom, Google Meet, Microsoft Teams, Webex) was found in the text")
            }
            let source = providers.first { link.contains($0.key) }!.value
            let id = state.dice.hex(32)
            let me = state.users.find(String(meUserID)) ?? [:]
            let record: JSONObject = [
                "id": .string(id), "name": "Recorder invited to a meeting", "status": "scheduled", "source": .string(source),
                "meeting": ["meeting_url": .string(link)], "owner": owner(me), "participants": [],
                "_created_at": .string(SandboxTime.iso(Date())), "_modified_at": .string(SandboxTime.iso(Date())),
                "recording": ["autojoin": true, "autojoin_reason": "invited through the API", "recordable": true],
            ]
            state.live.insert(record)
            return document(resource("recording", row: record), status: 201)
        }
        router.on("POST", "/api/v1/conversations/{id}/actions/disconnect") { state, call in
            let id = call.parameter("id")
            guard let live = state.live.find(id) else {
                if state.conversations[id] != nil { return error(409, "Conflict", "Conversation \(id) is not being recorded") }
                return notFound("Conversation", id)
            }
            guard live["status"]?.stringValue == "in_progress" else { return error(409, "Conflict", "Conversation \(id) is not being recorded") }
            state.live.update(id, with: ["status": "processing", "_modified_at": .string(SandboxTime.iso(Date()))])
            return .empty(204)
        }
        router.on("POST", "/api/v1/conversations:validate") { state, call in
            let body = call.jsonObject
            for field in ["id", "subject", "participants", "link", "start_time"] where body[field] == nil {
                return error(422, "Unprocessable Entity", "\(field) is required", pointer: "/\(field)")
            }
            let link = body["link"]?.stringValue ?? ""
            let supported = ["zoom.us", "meet.google.com", "teams.microsoft.com", "webex.com"].contains { link.contains($0) }
            let people = body["participants"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let hasUser = people.contains { address in state.users.rows.contains { $0["email"]?.stringValue == address } || address.hasSuffix("@acme.com") }
            let reason = !supported ? "the meeting link is not from a supported provider" : !hasUser ? "no participant is a Chorus user" : "a Chorus user with autojoin enabled is a participant"
            return document(
                resource("meeting_autojoin", body["id"]?.stringValue ?? "", ["recordable": .bool(supported), "autojoin": .bool(supported && hasUser), "autojoin_reason": .string(reason)]),
                status: 201)
        }
        router.on("POST", "/v3/upload") { state, call in
            guard let parts = FormData.parts(of: call.request.body, contentType: call.request.header("Content-Type")),
                let data = parts.first(where: { $0.name == "data" }), !data.bytes.isEmpty
            else { return .json(["message": "multipart/form-data with the recording in the data field is required"], status: 400) }
            for field in ["name", "user"] where !parts.contains(where: { $0.name == field && !$0.bytes.isEmpty }) {
                return .json(["message": .string("\(field) is required")], status: 400)
            }
            return .json(["id": .string(state.dice.hex(32)), "status": "processing"])
        }
        router.on("POST", "/api/v1/conversations:bulk") { state, call in
            guard call.request.header("Content-Type")?.hasPrefix("application/vnd.chorus.bulk+json") == true, call.json != nil else {
                return error(400, "Bad Request", "the body must be JSON sent as application/vnd.chorus.bulk+json")
            }
            return .json(["data": ["type": "bulk_request", "id": .string(state.dice.hex(16)), "attributes": ["status": "accepted"]]], status: 202)
        }
        router.on("POST", "/api/v1/conversations:export") { state, call in
            guard let start = call.jsonObject["start"]?.intValue, let end = call.jsonObject["end"]?.intValue else {
                return error(422, "Unprocessable Entity", "start and end (epoch milliseconds) are required")
            }
            guard start < end else { return error(422, "Unprocessable Entity", "start must be before end") }
            return .empty(202)
        }
    }

    static let meUserID: Int64 = 305930

    static func owner(_ user: JSONObject) -> JSONValue {
        ["name": user["name"] ?? "", "email": user["email"] ?? "", "user_id": user["id"] ?? 0, "person_id": user["person_id"] ?? 0]
    }

    /// Copies the dotted `fields` out of a record (all of it when none are named).
    static func project(_ record: JSONObject, fields: [String]) -> JSONObject {
        guard !fields.isEmpty else { return record }
        var result: JSONObject = [:]
        if let id = record["id"] { result["id"] = id }
        for field in fields {
            let parts = field.split(separator: ".").map(String.init)
            guard let first = parts.first, let value = record[first] else { continue }
            if parts.count == 1 {
                result[first] = value
            } else if let inner = value[parts[1]] {
                var nested = result[first]?.objectValue ?? [:]
                nested[parts[1]] = inner
                result[first] = .object(nested)
            }
        }
        return result
    }

    private static func listEngagements(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        var items = state.engagements.rows
        func refuse(_ text: String) -> SandboxResponse { .json(["message": .string(text)], status: 400) }
        if let text = call.query("min_date") {
            guard let date = SandboxTime.parse(text) else { return refuse("min_date must be an ISO 8601 date-time") }
            items.removeAll { Double($0["date_time"]?.intValue ?? 0) < date.timeIntervalSince1970 }
        }
        if let text = call.query("max_date") {
            guard let date = SandboxTime.parse(text) else { return refuse("max_date must be an ISO 8601 date-time") }
            items.removeAll { Double($0["date_time"]?.intValue ?? 0) > date.timeIntervalSince1970 }
        }
        if let type = call.query("engagement_type") { items.removeAll { $0["engagement_type"]?.stringValue != type } }
        if let type = call.query("content_type") { items.removeAll { $0["content_type"]?.stringValue != type } }
        let users = call.queryList("user_id")
        if !users.isEmpty { items.removeAll { !users.contains(String($0["user_id"]?.intValue ?? 0)) } }
        let teams = call.queryList("team_id")
        if !teams.isEmpty {
            let members = Set(state.teams.rows.filter { teams.contains($0["id"]?.stringValue ?? "") }.flatMap { $0["users"]?.arrayValue ?? [] }.compactMap(\.intValue))
            items.removeAll { !members.contains($0["user_id"]?.intValue ?? 0) }
        }
        if let email = call.query("participants_email")?.lowercased() {
            items.removeAll { !($0["participants"]?.arrayValue ?? []).contains { $0["email"]?.stringValue?.lowercased().contains(email) == true } }
        }
        let ids = call.queryList("engagement_id")
        if !ids.isEmpty { items.removeAll { !ids.contains($0["engagement_id"]?.stringValue ?? "") } }
        if let minimum = call.query("min_duration").flatMap(Double.init) { items.removeAll { ($0["duration"]?.doubleValue ?? 0) < minimum } }
        if let maximum = call.query("max_duration").flatMap(Double.init) { items.removeAll { ($0["duration"]?.doubleValue ?? 0) > maximum } }
        if let compliance = call.query("compliance") { items.removeAll { $0["compliance"]?.stringValue?.uppercased() != compliance } }
        for flag in ["disposition_connected", "disposition_gatekeeper", "disposition_tree", "disposition_voicemail"] {
            if let wanted = call.queryFlag(flag) { items.removeAll { $0[flag] != .bool(wanted) } }
        }
        items.sort { ($0["date_time"]?.intValue ?? 0, $0["engagement_id"]?.stringValue ?? "") < ($1["date_time"]?.intValue ?? 0, $1["engagement_id"]?.stringValue ?? "") }
        // The key names the last engagement of the previous page: "<date_time>.0 <engagement_id>".
        var start = 0
        if let key = call.query("continuation_key") {
            let parts = key.split(separator: " ")
            guard parts.count == 2, let index = items.firstIndex(where: { $0["engagement_id"]?.stringValue == String(parts[1]) }) else {
                return refuse("continuation_key is invalid or does not belong to this search")
            }
            start = index + 1
        }
        let withTrackers = call.queryFlag("with_trackers") == true
        let page = items.dropFirst(start).prefix(engagementPageSize).map { item -> JSONValue in
            var shown = item
            if !withTrackers { shown["tracker_matches"] = nil }
            return .object(shown)
        }
        var body: JSONObject = ["engagements": .array(Array(page))]
        if start + engagementPageSize < items.count, let last = page.last?.objectValue {
            body["continuation_key"] = .string("\(last["date_time"]?.intValue ?? 0).0 \(last["engagement_id"]?.stringValue ?? "")")
        }
        return .json(.object(body))
    }

    private static func conversation(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("id")
        guard var attributes = state.conversations[id] else {
            if let live = state.live.find(id) { return document(resource("recording", row: project(live, fields: call.queryList("fields")))) }
            return notFound("Conversation", id)
        }
        let fields = call.queryList("fields")
        let skip = call.queryFlag("skip_summary_generation") == true
        if call.queryFlag("force_regeneration") == true || (!skip && fields.isEmpty) { state.summarized.insert(id) }
        let summarized = state.summarized.contains(id)
        var shown: JSONObject
        if fields.isEmpty {
            if var recording = attributes["recording"]?.objectValue {
                recording["utterances"] = nil
                attributes["recording"] = .object(recording)
            }
            shown = attributes
            if !summarized {
                shown["summary"] = nil
                shown["recap"] = nil
                shown["action_items"] = nil
            }
        } else {
            // Summary, recap and action items cannot be named in fields.
            shown = project(attributes, fields: fields)
        }
        if call.queryFlag("include_meeting_metadata") != true { shown["meeting"] = nil }
        shown["id"] = nil
        return document(resource("recording", id, shown))
    }

    private static func media(_ state: inout State, _ call: SandboxCall) -> SandboxResponse {
        let id = call.parameter("id")
        guard let attributes = state.conversations[id] else { return notFound("Conversation", id) }
        let audioOnly = attributes["recording"]?["audio_only"] == true
        let file = "\(id).\(audioOnly ? "wav" : "mp4")"
        let expires = Int(Date().timeIntervalSince1970) + 3600
        let link = "\(state.storageOrigin)/recordings/\(file)?Expires=\(expires)&Signature=\(signature(file: file, expires: expires))"
        let wantsJSON = call.queryFlag("info") ?? (call.request.header("Accept")?.contains("application/json") == true)
        guard wantsJSON else { return .redirect(to: link) }
        let bytes = audioOnly ? SandboxMedia.dialerAudioWAV : SandboxMedia.meetingVideoMP4
        return .json([
            "conversation_id": .string(id), "url": .string(link), "url_expires_at": .string(SandboxTime.iso(Date(timeIntervalSince1970: Double(expires)))),
            "content_type": .string(audioOnly ? "audio/wav" : "video/mp4"), "size": .int(Int64(bytes.count)),
            "has_video": .bool(!audioOnly), "duration": attributes["recording"]?["duration"] ?? .null,
        ])
    }

    // MARK: Emails, threads, moments

    static func addEmailAndMomentRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/api/v1/emails") { state, call in
            var items = state.emails.rows
            if let text = call.query("filter[email.sent]") {
                guard let (start, end) = range(text) else { return error(400, "Bad Request", "filter[email.sent] must be start:end", pointer: "filter[email.sent]") }
                items.removeAll { email in
                    let sent = SandboxTime.parse(email["email"]?["sent_time"]?.stringValue) ?? .distantPast
                    return sent < start || sent > end
                }
            }
            func contains(_ value: JSONValue?, _ text: String) -> Bool { value?.stringValue?.lowercased().contains(text.lowercased()) == true }
            if let name = call.query("filter[name]") { items.removeAll { !contains($0["name"], name) } }
            if let thread = call.query("filter[thread]") { items.removeAll { $0["email"]?["thread"]?.stringValue != thread } }
            let ids = call.queryList("filter[ids]")
            if !ids.isEmpty { items.removeAll { !ids.contains($0["id"]?.stringValue ?? "") } }
            if let name = call.query("filter[owner.name]") { items.removeAll { !contains($0["owner"]?["name"], name) } }
            if let email = call.query("filter[owner.email]") { items.removeAll { !contains($0["owner"]?["email"], email) } }
            for (parameter, field) in [("filter[participants.name]", "name"), ("filter[participants.email]", "email")] {
                let wanted = call.queryList(parameter)
                if !wanted.isEmpty {
                    items.removeAll { email in !(email["participants"]?.arrayValue ?? []).contains { person in wanted.contains { contains(person[field], $0) } } }
                }
            }
            let size = call.queryInt("page[size]") ?? emailPageSize
            guard size >= 1, size <= 100 else { return error(400, "Bad Request", "page[size] must be from 1 to 100", pointer: "page[size]") }
            var start = 0
            if let after = call.query("page[after]") {
                guard let index = items.firstIndex(where: { $0["id"]?.stringValue == after }) else {
                    return error(400, "Bad Request", "page[after] is not a cursor from this search", pointer: "page[after]")
                }
                start = index + 1
            }
            let page = Array(items.dropFirst(start).prefix(size))
            var meta: JSONObject = ["size": .int(Int64(page.count))]
            if start + size < items.count, let last = page.last { meta["cursor"] = last["id"] }
            return document(.array(page.map { resource("email", row: $0) }), meta: ["page": .object(meta)])
        }
        router.on("GET", "/api/v1/emails/{id}") { state, call in
            guard let email = state.emails.find(call.parameter("id")) else { return notFound("Email", call.parameter("id")) }
            return document(resource("email", row: email))
        }
        router.on("GET", "/api/v1/email_threads/{id}") { state, call in
            guard let thread = state.threads.find(call.parameter("id")) else { return notFound("Email thread", call.parameter("id")) }
            return document(resource("email_thread", row: thread))
        }
        router.on("DELETE", "/api/v1/email_threads/{id}") { state, call in
            let id = call.parameter("id")
            guard let thread = state.threads.find(id), thread["deleted"] != true else { return notFound("Email thread", id) }
            let me = state.users.find(String(meUserID)) ?? [:]
            let updated = state.threads.update(id, with: [
                "deleted": true, "deleted_at": .string(SandboxTime.iso(Date())),
                "deleted_by": ["name": me["name"] ?? "", "user_id": .int(meUserID), "person_id": me["person_id"] ?? 0],
            ])!
            for email in state.emails.rows where email["email"]?["thread"]?.stringValue == id { state.emails.remove(email["id"]?.stringValue ?? "") }
            return document(resource("email_thread", row: updated), status: 202)
        }
        router.on("GET", "/api/v1/moments") { state, call in
            guard let text = call.query("filter[shared_on]") else {
                return error(400, "Bad Request", "filter[shared_on] is required", pointer: "filter[shared_on]")
            }
            guard let (start, end) = range(text) else { return error(400, "Bad Request", "filter[shared_on] must be start:end", pointer: "filter[shared_on]") }
            let found = state.moments.rows.filter { moment in
                let shared = SandboxTime.parse(moment["shared_on"]?.stringValue) ?? .distantPast
                return shared >= start && shared <= end
            }
            return document(.array(found.map { resource("moment", row: $0) }))
        }
        router.on("POST", "/api/v1/moments") { state, call in
            guard let attributes = call.jsonAPIAttributes else { return error(400, "Bad Request", "Send a JSON:API document with data.attributes") }
            guard let callID = attributes["callid"]?.stringValue, let conversation = state.conversations[callID] else {
                return error(422, "Unprocessable Entity", "callid must be the id of a conversation", pointer: "/data/attributes/callid")
            }
            guard let time = attributes["moment_time"]?.doubleValue, let duration = attributes["moment_duration"]?.doubleValue, duration > 0 else {
                return error(422, "Unprocessable Entity", "moment_time and moment_duration are required")
            }
            let length = conversation["recording"]?["duration"]?.doubleValue ?? 0
            guard time >= 0, time + duration <= length else {
                return error(422, "Unprocessable Entity", "The moment must lie within the recording (\(Int(length)) seconds)", pointer: "/data/attributes/moment_time")
            }
            let id = state.newID()
            let me = state.users.find(String(meUserID)) ?? [:]
            var moment: JSONObject = [
                "id": .string(id), "conversation": .string(callID), "subject": attributes["subject"] ?? conversation["name"] ?? "",
                "start": .double(time), "duration": .double(duration), "recording_duration": .double(length),
                "shared_on": .string(SandboxTime.iso(Date())), "internal_only": false, "read_receipts": true,
                "link": .string("https://chorus.ai/m/\(state.dice.hex(10, uppercase: false))"),
                "user": ["id": .string(String(meUserID)), "name": me["name"] ?? "", "email": me["email"] ?? ""],
                "account": conversation["account"] ?? [:],
            ]
            for field in ["note", "url_string", "expiration_date", "password"] { if let value = attributes[field] { moment[field] = value } }
            state.moments.insert(moment)
            return document(resource("moment", row: moment), status: 201)
        }
        router.on("PUT", "/api/v1/moments/{id}") { state, call in
            let id = call.parameter("id")
            guard state.moments.contains(id) else { return notFound("Moment", id) }
            var changes = call.jsonAPIAttributes ?? [:]
            if let time = changes["moment_time"] { changes["start"] = time; changes["moment_time"] = nil }
            if let duration = changes["moment_duration"] { changes["duration"] = duration; changes["moment_duration"] = nil }
            return document(resource("moment", row: state.moments.update(id, with: changes)!))
        }
        router.on("DELETE", "/api/v1/moments/{id}") { state, call in
            guard state.moments.remove(call.parameter("id")) != nil else { return notFound("Moment", call.parameter("id")) }
            return .empty(204)
        }
    }

    // MARK: Playlists and filters

    static func addPlaylistRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/api/v1/playlists") { state, call in
            var items = state.playlists.rows
            if let name = call.query("filter[name]")?.lowercased() { items.removeAll { $0["name"]?.stringValue?.lowercased().contains(name) != true } }
            let types = call.queryList("filter[type]")
            if !types.isEmpty { items.removeAll { !types.contains($0["playlist_type"]?.stringValue ?? "") } }
            if let conversation = call.query("filter[conversation]") {
                let used = Set(state.playlistMoments.rows.filter { $0["call_id"]?.stringValue == conversation }.compactMap { $0["playlist"]?.intValue })
                items.removeAll { !used.contains(Int64($0["id"]?.stringValue ?? "") ?? -1) }
            }
            if let parent = call.queryInt("filter[parent]") {
                let recursive = call.queryFlag("recursive") == true
                let all = state.playlists.rows
                func descends(_ row: JSONObject) -> Bool {
                    var current = row["parent"]?.intValue
                    while let id = current {
                        if id == Int64(parent) { return true }
                        guard recursive else { return false }
                        current = all.first { $0["id"]?.stringValue == String(id) }?["parent"]?.intValue
                    }
                    return false
                }
                items = items.filter { descends($0) || (call.queryFlag("include_parent") == true && $0["id"]?.stringValue == String(parent)) }
            }
            if call.queryFlag("top_level") == true { items.removeAll { $0["parent"] != nil && $0["parent"] != .null } }
            if let subscribed = call.queryFlag("filter[subscribed]") { items.removeAll { ($0["subscribed"] == true) != subscribed } }
            let sort = call.query("sort") ?? "-_modified_at"
            let field = sort.hasPrefix("-") ? String(sort.dropFirst()) : sort
            guard ["name", "_modified_at", "_created_at"].contains(field) else { return error(400, "Bad Request", "sort must be name, _modified_at or _created_at (prefix - to reverse)", pointer: "sort") }
            items.sort { ($0[field]?.stringValue ?? "") < ($1[field]?.stringValue ?? "") }
            if sort.hasPrefix("-") { items.reverse() }
            return numberedPage(items.map { resource("playlist", row: shown($0, state)) }, call, defaultSize: 25, maximum: 1000)
        }
        router.on("POST", "/api/v1/playlists") { state, call in
            savePlaylist(&state, call, id: nil, type: "playlist")
        }
        router.on("GET", "/api/v1/playlists/{id}") { state, call in
            guard let playlist = state.playlists.find(call.parameter("id")) else { return notFound("Playlist", call.parameter("id")) }
            return document(resource("playlist", row: shown(playlist, state)))
        }
        router.on("PUT", "/api/v1/playlists/{id}") { state, call in
            savePlaylist(&state, call, id: call.parameter("id"), type: "playlist")
        }
        router.on("DELETE", "/api/v1/playlists/{id}") { state, call in
            let id = call.parameter("id")
            guard state.playlists.contains(id) else { return notFound("Playlist", id) }
            let children = state.playlists.rows.filter { $0["parent"]?.intValue == Int64(id) }
            if !children.isEmpty && call.queryFlag("recursive") != true {
                return error(409, "Conflict", "Playlist \(id) has \(children.count) sub-playlist(s); pass recursive=true to delete them too")
            }
            var doomed = [id]
            var index = 0
            while index < doomed.count {
                let current = doomed[index]
                doomed += state.playlists.rows.filter { $0["parent"]?.intValue == Int64(current) }.compactMap { $0["id"]?.stringValue }
                index += 1
            }
            for playlist in doomed {
                state.playlists.remove(playlist)
                for clip in state.playlistMoments.rows where clip["playlist"]?.intValue == Int64(playlist) { state.playlistMoments.remove(clip["id"]?.stringValue ?? "") }
            }
            return .empty(204)
        }
        router.on("POST", "/api/v1/playlists/moments") { state, call in
            guard let attributes = call.jsonAPIAttributes else { return error(400, "Bad Request", "Send a JSON:API document with data.attributes") }
            guard let playlist = attributes["playlist"]?.intValue, state.playlists.contains(String(playlist)) else {
                return error(422, "Unprocessable Entity", "playlist must be the id of a playlist", pointer: "/data/attributes/playlist")
            }
            guard let callID = attributes["callid"]?.stringValue, let conversation = state.conversations[callID] else {
                return error(422, "Unprocessable Entity", "callid must be the id of a conversation", pointer: "/data/attributes/callid")
            }
            let id = state.newID()
            let clip: JSONObject = [
                "id": .string(id), "playlist": .int(playlist), "call_id": .string(callID), "subject": conversation["name"] ?? "",
                "description": attributes["description"] ?? "", "snippet_time": .int(Int64(attributes["moment_time"]?.doubleValue ?? 0)),
                "moment_duration": .int(Int64(attributes["moment_duration"]?.doubleValue ?? 0)),
                "date_time": .string(SandboxTime.iso(Date())), "_created_at": .string(SandboxTime.iso(Date())), "_created_by": .int(meUserID),
                "recording": ["duration": conversation["recording"]?["duration"] ?? 0, "owner": conversation["owner"]?["user_id"] ?? 0],
                "account": conversation["account"] ?? [:], "meta": ["is_new": true, "was_played": false],
            ]
            state.playlistMoments.insert(clip)
            return .json(["data": resource("playlist_moment", row: clip)], status: 201)
        }
        router.on("PATCH", "/api/v1/playlists/moments/{id}") { state, call in
            let id = call.parameter("id")
            guard state.playlistMoments.contains(id) else { return notFound("Playlist moment", id) }
            let changes = call.jsonAPIAttributes ?? [:]
            if let playlist = changes["playlist"]?.intValue, !state.playlists.contains(String(playlist)) {
                return error(422, "Unprocessable Entity", "playlist must be the id of a playlist", pointer: "/data/attributes/playlist")
            }
            return document(resource("playlist_moment", row: state.playlistMoments.update(id, with: changes)!))
        }
        router.on("POST", "/api/v1/smart_playlists") { state, call in
            savePlaylist(&state, call, id: nil, type: "smart_playlist")
        }
        router.on("PUT", "/api/v1/smart_playlists/{id}") { state, call in
            guard state.playlists.find(call.parameter("id"))?["playlist_type"] == "smart_playlist" else { return notFound("Smart playlist", call.parameter("id")) }
            return savePlaylist(&state, call, id: call.parameter("id"), type: "smart_playlist")
        }
        router.on("GET", "/api/v1/filters") { state, call in
            var items = state.filters.rows
            for field in ["filter_name", "filter_type", "field_type"] {
                if let wanted = call.query("filter[\(field)]") { items.removeAll { $0[field]?.stringValue != wanted } }
            }
            return document(.array(items.map { resource("engagement_filter", row: $0) }))
        }
        router.on("POST", "/api/v1/filters") { state, call in
            guard var attributes = call.jsonAPIAttributes else { return error(400, "Bad Request", "Send a JSON:API document with data.attributes") }
            for field in ["filter_name", "filter_type", "field_type"] where attributes[field]?.stringValue == nil {
                return error(422, "Unprocessable Entity", "\(field) is required", pointer: "/data/attributes/\(field)")
            }
            if let problem = filterValuesProblem(attributes["filter_values"]) { return error(422, "Unprocessable Entity", problem, pointer: "/data/attributes/filter_values") }
            attributes["id"] = .string(state.newID())
            state.filters.insert(attributes)
            return document(resource("engagement_filter", row: attributes), status: 201)
        }
        router.on("GET", "/api/v1/filters/{id}") { state, call in
            guard let filter = state.filters.find(call.parameter("id")) else { return notFound("Filter", call.parameter("id")) }
            return document(resource("engagement_filter", row: filter))
        }
        router.on("PUT", "/api/v1/filters/{id}") { state, call in
            let id = call.parameter("id")
            guard state.filters.contains(id) else { return notFound("Filter", id) }
            let changes = call.jsonAPIAttributes ?? [:]
            if let problem = filterValuesProblem(changes["filter_values"]) { return error(422, "Unprocessable Entity", problem, pointer: "/data/attributes/filter_values") }
            return document(resource("engagement_filter_edit", row: state.filters.update(id, with: changes)!))
        }
        router.on("DELETE", "/api/v1/filters/{id}") { state, call in
            guard state.filters.remove(call.parameter("id")) != nil else { return notFound("Filter", call.parameter("id")) }
            return .empty(204)
        }
        router.on("POST", "/api/v1/filters/actions/replace") { state, call in
            let body = call.jsonObject
            guard let type = body["filter_type"]?.stringValue, let filters = body["filters"]?.arrayValue else {
                return error(422, "Unprocessable Entity", "filter_type and filters are required")
            }
            for existing in state.filters.rows where existing["filter_type"]?.stringValue == type { state.filters.remove(existing["id"]?.stringValue ?? "") }
            for filter in filters {
                var record = filter.objectValue ?? [:]
                record["id"] = .string(state.newID())
                record["filter_type"] = .string(type)
                state.filters.insert(record)
            }
            return .empty(204)
        }
    }

    /// `filter_values` is a JSON object encoded as a string.
    private static func filterValuesProblem(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        guard let text = value.stringValue, case .object? = try? JSONValue.parse(text) else {
            return "filter_values must be a JSON object encoded as a string"
        }
        return nil
    }

    /// A playlist as shown: its stored fields plus counts and path.
    private static func shown(_ playlist: JSONObject, _ state: State) -> JSONObject {
        var result = playlist
        let id = Int64(playlist["id"]?.stringValue ?? "") ?? -1
        result["child_count"] = .int(Int64(state.playlists.rows.filter { $0["parent"]?.intValue == id }.count))
        result["size"] = .int(Int64(state.playlistMoments.rows.filter { $0["playlist"]?.intValue == id }.count))
        var path: [JSONValue] = []
        var current = playlist["parent"]?.intValue
        while let parentID = current, let parent = state.playlists.find(String(parentID)) {
            path.insert(["id": .string(String(parentID)), "name": parent["name"] ?? ""], at: 0)
            current = parent["parent"]?.intValue
        }
        result["path"] = .array(path)
        return result
    }

    private static func savePlaylist(_ state: inout State, _ call: SandboxCall, id: String?, type: String) -> SandboxResponse {
        guard let attributes = call.jsonAPIAttributes else { return error(400, "Bad Request", "Send a JSON:API document with data.attributes") }
        guard let name = attributes["name"]?.stringValue, !name.isEmpty else {
            return error(422, "Unprocessable Entity", "name is required", pointer: "/data/attributes/name")
        }
        if type == "smart_playlist" && attributes["custom_search"]?.objectValue == nil {
            return error(422, "Unprocessable Entity", "custom_search is required", pointer: "/data/attributes/custom_search")
        }
        if let parent = attributes["parent"]?.intValue {
            guard state.playlists.contains(String(parent)), String(parent) != id else {
                return error(422, "Unprocessable Entity", "parent must be the id of another playlist", pointer: "/data/attributes/parent")
            }
        }
        let now = SandboxTime.iso(Date())
        var changes: JSONObject = ["name": .string(name), "_modified_at": .string(now), "_modified_by": .int(meUserID)]
        for field in ["description", "parent", "custom_search"] { if let value = attributes[field] { changes[field] = value } }
        let saved: JSONObject
        if let id {
            guard state.playlists.contains(id) else { return notFound("Playlist", id) }
            saved = state.playlists.update(id, with: changes)!
        } else {
            var record: JSONObject = ["id": .string(state.newID()), "playlist_type": .string(type), "_created_at": .string(now), "private": false, "subscribed": true]
            let me = state.users.find(String(meUserID)) ?? [:]
            record["owner"] = ["name": me["name"] ?? "", "user_id": .int(meUserID), "person_id": me["person_id"] ?? 0]
            for (key, value) in changes { record[key] = value }
            state.playlists.insert(record)
            saved = record
        }
        return document(resource("playlist", row: shown(saved, state)), status: id == nil ? 201 : 200)
    }

    // MARK: Workspace: qualification, searches, scorecards, teams, users, settings, integrations

    static func addWorkspaceRoutes(_ router: inout SandboxRouter<State>) {
        router.on("POST", "/api/v1/reports/{id}/actions/export") { state, call in
            let id = call.parameter("id")
            guard state.reports.contains(id) else { return notFound("Report", id) }
            guard let start = call.jsonObject["start"]?.stringValue, SandboxTime.parse(start) != nil else {
                return error(422, "Unprocessable Entity", "start must be a date (YYYY-MM-DD)", pointer: "/start")
            }
            return document(task(&state), status: 202)
        }
        router.on("POST", "/api/v1/sales-qualifications") { state, call in
            guard let id = call.jsonAPIAttributes?["recording_id"]?.stringValue else {
                return error(422, "Unprocessable Entity", "recording_id is required", pointer: "/data/attributes/recording_id")
            }
            guard let conversation = state.conversations[id] else { return notFound("Conversation", id) }
            let analysis = qualification(id, conversation, dice: &state.dice)
            state.qualifications[id] = analysis
            return document(resource("sales_qualification_analysis", row: analysis), status: 201)
        }
        router.on("GET", "/api/v1/sales-qualifications/{recording_id}") { state, call in
            let id = call.parameter("recording_id")
            guard let analysis = state.qualifications[id] else {
                return error(404, "Not Found", "No sales qualification analysis exists for \(id); create one first")
            }
            return document(resource("sales_qualification_analysis", row: analysis))
        }
        router.on("POST", "/api/v1/sales-qualifications/actions/writeback-crm") { state, call in
            guard let attributes = call.jsonAPIAttributes, let meeting = attributes["meeting_id"]?.stringValue else {
                return error(422, "Unprocessable Entity", "meeting_id is required", pointer: "/data/attributes/meeting_id")
            }
            guard state.conversations[meeting] != nil else { return notFound("Conversation", meeting) }
            guard let changes = attributes["crm_changes"]?.arrayValue, !changes.isEmpty,
                changes.allSatisfy({ $0["field_name"]?.stringValue != nil && $0["new_value"] != nil })
            else { return error(422, "Unprocessable Entity", "crm_changes must list {field_name, new_value} entries", pointer: "/data/attributes/crm_changes") }
            return .empty(201)
        }
        router.on("GET", "/api/v1/sales_qualification_configuration") { state, call in
            document(.array(state.frameworks.rows.map { resource("sales_qualification_configuration", row: $0) }))
        }
        router.on("PUT", "/api/v1/sales_qualification_configuration/{framework_id}") { state, call in
            let id = call.parameter("framework_id")
            guard state.frameworks.contains(id) else { return notFound("Framework", id) }
            guard let attributes = call.jsonAPIAttributes, attributes["is_active"]?.boolValue != nil, let fields = attributes["fields"]?.arrayValue else {
                return error(422, "Unprocessable Entity", "is_active and fields are required")
            }
            let modes = ["APPEND", "OVERWRITE", "NONE"]
            for field in fields where !modes.contains(field["write_back"]?.stringValue ?? "NONE") {
                return error(422, "Unprocessable Entity", "write_back must be APPEND, OVERWRITE or NONE")
            }
            state.frameworks.update(id, with: ["is_active": attributes["is_active"]!, "fields": .array(fields)])
            return .empty(200)
        }
        router.on("POST", "/api/v1/saved_searches/{id}/actions/set_default") { state, call in
            let id = call.parameter("id")
            guard state.savedSearches.contains(id) else { return notFound("Saved search", id) }
            for search in state.savedSearches.rows { state.savedSearches.update(search["id"]?.stringValue ?? "", with: ["user_default": false]) }
            let updated = state.savedSearches.update(id, with: ["user_default": true, "last_accessed_at": .string(SandboxTime.iso(Date()))])!
            return document(resource("saved_search", row: updated))
        }
        router.on("POST", "/api/v1/saved_searches/default/actions/reset") { state, call in
            guard let type = call.jsonObject["type"]?.stringValue, ["FILTER", "SEARCH"].contains(type) else {
                return error(422, "Unprocessable Entity", "type must be FILTER or SEARCH", pointer: "/type")
            }
            for search in state.savedSearches.rows { state.savedSearches.update(search["id"]?.stringValue ?? "", with: ["user_default": false]) }
            return .empty(204)
        }
        router.on("GET", "/api/v1/scorecards") { state, call in
            var items = state.scorecards.rows
            for (parameter, field) in [("filter[recipients]", "recipient"), ("filter[reviewers]", "reviewer")] {
                let wanted = call.queryList(parameter)
                if !wanted.isEmpty { items.removeAll { !wanted.contains(String($0[field]?["user_id"]?.intValue ?? 0)) } }
            }
            if let initiative = call.queryInt("filter[initiative]") { items.removeAll { $0["initiative"]?["id"]?.intValue != Int64(initiative) } }
            if let text = call.query("filter[submitted]") {
                guard let (start, end) = range(text) else { return error(400, "Bad Request", "filter[submitted] must be start:end", pointer: "filter[submitted]") }
                items.removeAll { card in
                    let submitted = SandboxTime.parse(card["submitted"]?.stringValue) ?? .distantPast
                    return submitted < start || submitted > end
                }
            }
            return numberedPage(items.map { resource("scorecard", row: $0) }, call, defaultSize: 25, maximum: 100)
        }
        router.on("POST", "/api/v1/scorecards:export") { state, call in
            guard call.jsonObject["notify"]?.boolValue != nil else { return error(422, "Unprocessable Entity", "notify is required", pointer: "/notify") }
            return document(task(&state), status: 201)
        }
        router.on("GET", "/api/v1/teams") { state, call in
            document(.array(state.teams.rows.map { resource("team", row: $0) }))
        }
        router.on("GET", "/api/v1/teams/{id}") { state, call in
            guard let team = state.teams.find(call.parameter("id")) else { return notFound("Team", call.parameter("id")) }
            return document(resource("team", row: team))
        }
        router.on("GET", "/v3/users") { state, call in
            .json(["users": .array(state.users.rows.map { .object($0) })])
        }
        router.on("GET", "/api/v1/users/me") { state, call in
            guard var me = state.users.find(String(meUserID)) else { return notFound("User", String(meUserID)) }
            me["license_type"] = "RECORDER"
            me["type"] = "Admin"
            me["team_ids"] = [21462]
            return document(resource("user", row: me))
        }
        router.on("GET", "/api/v1/users/me/settings") { state, call in
            document(resource("user_settings", String(meUserID), state.settings))
        }
        router.on("PUT", "/api/v1/users/me/settings") { state, call in
            guard let attributes = call.jsonAPIAttributes else { return error(400, "Bad Request", "Send a JSON:API document with data.attributes") }
            // UserSettings requires data.id, the id the GET returns.
            guard let id = call.json?["data"]?["id"]?.stringValue else {
                return error(422, "Unprocessable Entity", "data.id is required: the id of the user settings", pointer: "/data/id")
            }
            guard id == String(meUserID) else { return notFound("User settings", id) }
            for (key, value) in attributes {
                guard state.settings[key] != nil, value.boolValue != nil else {
                    return error(422, "Unprocessable Entity", "\(key) is not a setting that takes true or false", pointer: "/data/attributes/\(key)")
                }
                state.settings[key] = value
            }
            return .empty(204)
        }
        router.on("POST", "/api/auth/signed_request") { state, call in
            guard let attributes = call.jsonAPIAttributes, let client = attributes["client_id"]?.stringValue, let signed = attributes["signed_request"]?.stringValue else {
                return error(422, "Unprocessable Entity", "client_id and signed_request are required")
            }
            guard signed.split(separator: ".").count == 2 else { return error(401, "Unauthorized", "signed_request is not a valid signed request") }
            let expiry = Int64(Date().timeIntervalSince1970) + 300
            return document(
                resource("signed_request_response", state.dice.hex(12, uppercase: false), [
                    "url": .string("https://chorus.ai/embed/sign-in?client=\(client)&token=\(state.dice.hex(24, uppercase: false))"), "expiry": .int(expiry),
                ]), status: 201)
        }
        for provider in ["office365_calendar", "google_calendar"] {
            router.on("POST", "/api/v1/integrations/\(provider)/actions/verify") { state, call in
                let emails = call.jsonObject["emails"]?.arrayValue?.compactMap(\.stringValue) ?? []
                guard emails.count >= 2 else { return error(422, "Unprocessable Entity", "Pass at least two email addresses", pointer: "/emails") }
                if let unknown = emails.first(where: { email in !state.users.rows.contains { $0["email"]?.stringValue == email } }) {
                    return error(422, "Unprocessable Entity", "\(unknown) is not a Chorus user whose calendar can be reached", pointer: "/emails")
                }
                return .empty(204)
            }
        }
        router.on("POST", "/api/v1/video_conferences") { state, call in
            guard let provider = call.jsonAPIAttributes?["provider"]?.stringValue else {
                return error(422, "Unprocessable Entity", "provider is required", pointer: "/data/attributes/provider")
            }
            let id = state.dice.digits(10)
            let record: JSONObject = ["id": .string(id), "provider": .string(provider), "go_link": .string("https://go.chorus.ai/\(id)")]
            state.videoConferences.insert(record)
            return document(resource("video_conference", row: record), status: 201)
        }
        router.on("PATCH", "/api/v1/video_conferences/{go_link}") { state, call in
            let id = call.parameter("go_link")
            guard state.videoConferences.contains(id) else { return notFound("Video conference", id) }
            guard let attributes = call.jsonAPIAttributes, SandboxTime.parse(attributes["start_time"]?.stringValue) != nil, attributes["duration"]?.intValue != nil else {
                return error(422, "Unprocessable Entity", "start_time (ISO 8601) and duration (minutes) are required")
            }
            state.videoConferences.update(id, with: attributes)
            return .empty(200)
        }
        router.on("DELETE", "/api/v1/video_conferences/{go_link}") { state, call in
            guard state.videoConferences.remove(call.parameter("go_link")) != nil else { return notFound("Video conference", call.parameter("go_link")) }
            return .empty(204)
        }
        router.on("GET", "/v3/webhook") { state, call in
            .json(["webhooks": .array(state.webhooks.rows.map { .object($0) })])
        }
        router.on("POST", "/v3/webhook") { state, call in
            guard let url = call.jsonObject["hook_url"]?.stringValue, url.hasPrefix("https://") else {
                return .json(["message": "hook_url must be an https URL"], status: 400)
            }
            guard let event = call.jsonObject["event"]?.stringValue else { return .json(["message": "event is required"], status: 400) }
            if state.webhooks.rows.contains(where: { $0["url"]?.stringValue == url }) {
                return .json(["message": "A webhook with this URL already exists"], status: 409)
            }
            let id = Int64(state.newID())!
            let hook: JSONObject = ["id": .int(id), "url": .string(url), "events": [["event_name": .string(event)]]]
            state.webhooks.insert(hook)
            return .json(.object(hook))
        }
        router.on("DELETE", "/v3/webhook") { state, call in
            guard let url = call.jsonObject["hook_url"]?.stringValue,
                let hook = state.webhooks.rows.first(where: { $0["url"]?.stringValue == url })
            else { return .json(["message": "No webhook with this hook_url"], status: 404) }
            state.webhooks.remove(String(hook["id"]?.intValue ?? 0))
            return .json(["deleted": .int(hook["id"]?.intValue ?? 0)])
        }
    }

    /// A MEDDIC extraction from a conversation's transcript.
    static func qualification(_ id: String, _ conversation: JSONObject, dice: inout SandboxDice) -> JSONObject {
        let utterances = conversation["recording"]?["utterances"]?.arrayValue ?? []
        func quote(_ index: Int) -> JSONValue { utterances.isEmpty ? "" : utterances[index % utterances.count]["snippet"] ?? "" }
        func field(_ fieldID: String, _ name: String, _ value: String, _ index: Int) -> JSONValue {
            ["change_type": "ADDED", "field_id": .string(fieldID), "field_name": .string(name), "new_value": .string(value), "previous_value": "", "supporting_quote": quote(index)]
        }
        let company = conversation["account"]?["name"]?.stringValue ?? "the customer"
        return [
            "id": .string(id), "recording_id": .string(id), "sqf_name": "MEDDIC", "customer_id": 4_471,
            "user_id": conversation["owner"]?["user_id"] ?? 0, "opportunity_id": conversation["deal"]?["id"] ?? "",
            "conversation_duration": .int(Int64(conversation["recording"]?["duration"]?.doubleValue ?? 0)),
            "generated_at": .string(SandboxTime.iso(Date())),
            "sqf_analysis": [
                field("metrics", "Metrics", "Cut quarter-end reconciliation from a week to a day", 3),
                field("economic_buyer", "Economic Buyer", "The CFO of \(company) approves spend above $50k", 7),
                field("decision_process", "Decision Process", "Operations lead evaluates, CFO signs off", 7),
                field("identify_pain", "Identify Pain", "Spreadsheets break every quarter-end", 1),
            ],
            "meeting_notes": [
                "next_steps": field("next_steps", "Next steps", "Demo with the operations lead next week", 9).objectValue.map(JSONValue.object) ?? [:],
                "notes": field("notes", "Notes", "Strong fit; budget owner identified", 5).objectValue.map(JSONValue.object) ?? [:],
            ],
        ]
    }
}
