#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Gong stand-in's endpoints, by area.
extension GongSandbox {
    // MARK: Calls

    static func addCallRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/v2/calls") { state, call in
            if let workspace = call.query("workspaceId"), !state.workspaces.contains(where: { $0["id"]?.stringValue == workspace }) {
                return error(404, noCalls)
            }
            switch calls(state, from: call.query("fromDateTime"), to: call.query("toDateTime"), ids: nil, workspace: call.query("workspaceId")) {
            case .failure(let response): return response
            case .success(let found): return page(&state, call, items: found.map { .object($0) }, name: "calls")
            }
        }
        router.on("GET", "/v2/calls/{id}") { state, call in
            guard let found = state.calls.find(call.parameter("id")) else { return error(404, "Call \(call.parameter("id")) was not found") }
            return ok(&state, ["call": .object(found)])
        }
        router.on("PUT", "/v2/calls/{id}/media") { state, call in
            let id = call.parameter("id")
            guard state.calls.contains(id) else { return error(404, "Call \(id) was not found") }
            guard let parts = FormData.parts(of: call.request.body, contentType: call.request.header("Content-Type")),
                let media = parts.first(where: { $0.name == "mediaFile" }), !media.bytes.isEmpty
            else { return error(400, "The request must be multipart/form-data with the recording in the mediaFile field") }
            let type = media.contentType ?? ""
            state.calls.update(id, with: ["media": .string(type.hasPrefix("video/") ? "Video" : "Audio")])
            state.callDetails[id, default: [:]]["mediaFile"] = [
                "name": .string(media.filename ?? ""), "size": .int(Int64(media.bytes.count)), "sha256": .string(SHA256.hexDigest(media.bytes)),
            ]
            return ok(&state, ["callId": .string(id), "url": .string("https://app.gong.io/call?id=\(id)")])
        }
        router.on("POST", "/v2/calls") { state, call in
            let body = call.jsonObject
            guard let unique = body["clientUniqueId"]?.stringValue, !unique.isEmpty else { return error(400, "clientUniqueId is required") }
            guard let actualStart = body["actualStart"]?.stringValue, SandboxTime.parse(actualStart) != nil else {
                return error(400, "actualStart is required (ISO-8601 date-time)")
            }
            guard let host = body["primaryUser"]?.stringValue, state.users.contains(host) else { return error(400, "primaryUser must be the id of a Gong user") }
            guard let parties = body["parties"]?.arrayValue, !parties.isEmpty else { return error(400, "parties must name at least one party") }
            if state.calls.rows.contains(where: { $0["clientUniqueId"]?.stringValue == unique }) {
                return error(409, "A call with clientUniqueId \(unique) already exists")
            }
            let id = state.dice.digits(19)
            var record: JSONObject = [
                "id": .string(id), "url": .string("https://app.gong.io/call?id=\(id)"), "title": body["title"] ?? .string("Call \(unique)"),
                "scheduled": body["scheduledStart"] ?? .string(actualStart), "started": .string(actualStart),
                "duration": body["duration"] ?? 0, "primaryUserId": .string(host), "direction": body["direction"] ?? "Unknown",
                "system": "Sandbox dialer", "scope": "External", "media": body["downloadMediaUrl"] != nil ? "Audio" : "None",
                "language": .string(body["languageCode"]?.stringValue ?? "eng"),
                "workspaceId": body["workspaceId"] ?? .string(mainWorkspaceID), "clientUniqueId": .string(unique),
                "isPrivate": false,
            ]
            for field in ["purpose", "customData", "meetingUrl"] { if let value = body[field] { record[field] = value } }
            state.calls.insert(record)
            state.callDetails[id] = ["parties": .array(parties), "transcript": [], "content": [:], "interaction": [:]]
            return ok(&state, ["callId": .string(id), "url": .string("https://app.gong.io/call?id=\(id)")])
        }
        router.on("POST", "/v2/calls/extensive") { state, call in
            guard case .object(let filter)? = call.jsonObject["filter"] else { return error(400, "filter is required") }
            let result = calls(
                state, from: filter["fromDateTime"]?.stringValue, to: filter["toDateTime"]?.stringValue, ids: strings(filter["callIds"]),
                hosts: strings(filter["primaryUserIds"]), workspace: filter["workspaceId"]?.stringValue)
            guard case .success(let found) = result else { if case .failure(let response) = result { return response }; return error(500, "") }
            let selector = call.jsonObject["contentSelector"]
            let exposed = selector?["exposedFields"]
            let items = found.map { record -> JSONValue in
                let id = record["id"]?.stringValue ?? ""
                let details = state.callDetails[id] ?? [:]
                var item: JSONObject = ["metaData": .object(record)]
                if let context = selector?["context"]?.stringValue, context != "None" {
                    item["context"] = details["context"] ?? []
                }
                if exposed?["parties"] == true { item["parties"] = details["parties"] ?? [] }
                if case .object(let wanted)? = exposed?["content"] {
                    var content = JSONObject()
                    for (field, flag) in wanted where flag == true { if let value = details["content"]?[field] { content[field] = value } }
                    item["content"] = .object(content)
                }
                if case .object(let wanted)? = exposed?["interaction"] {
                    var interaction = JSONObject()
                    for (field, flag) in wanted where flag == true { if let value = details["interaction"]?[field] { interaction[field] = value } }
                    item["interaction"] = .object(interaction)
                }
                if exposed?["collaboration"]?.objectValue?["publicComments"] == true {
                    item["collaboration"] = ["publicComments": details["comments"] ?? []]
                }
                if exposed?["media"] == true {
                    let host = call.request.header("Host") ?? "127.0.0.1"
                    item["media"] = ["audioUrl": .string("http://\(host)/sandbox-media/\(id).wav?expires=86400")]
                }
                return .object(item)
            }
            return page(&state, call, items: items, name: "calls")
        }
        router.on("POST", "/v2/calls/transcript") { state, call in
            guard case .object(let filter)? = call.jsonObject["filter"] else { return error(400, "filter is required") }
            let result = calls(
                state, from: filter["fromDateTime"]?.stringValue, to: filter["toDateTime"]?.stringValue, ids: strings(filter["callIds"]),
                workspace: filter["workspaceId"]?.stringValue)
            guard case .success(let found) = result else { if case .failure(let response) = result { return response }; return error(500, "") }
            let items = found.map { record -> JSONValue in
                let id = record["id"]?.stringValue ?? ""
                return ["callId": .string(id), "transcript": state.callDetails[id]?["transcript"] ?? []]
            }
            return page(&state, call, items: items, name: "callTranscripts")
        }
        router.on("GET", "/v2/calls/manual-crm-associations") { state, call in
            var found = state.associations
            if let from = call.query("fromDateTime") {
                guard let date = SandboxTime.parse(from) else { return error(400, "fromDateTime must be an ISO-8601 date-time") }
                found.removeAll { Date(timeIntervalSince1970: $0["created"]?.doubleValue ?? 0) < date }
            }
            return page(&state, call, items: found.map { .object($0) }, name: "associations")
        }
        router.on("POST", "/v2/calls/users-access") { state, call in
            guard let ids = strings(call.jsonObject["filter"]?["callIds"]), !ids.isEmpty else { return error(400, "filter.callIds is required") }
            let list = ids.filter { state.calls.contains($0) }.map { id -> JSONValue in
                ["callId": .string(id), "users": .array((state.callAccess[id] ?? []).map { ["userId": .string($0)] })]
            }
            return ok(&state, ["callAccessList": .array(list)])
        }
        router.on("PUT", "/v2/calls/users-access") { state, call in
            changeAccess(&state, call, granting: true)
        }
        router.on("DELETE", "/v2/calls/users-access") { state, call in
            changeAccess(&state, call, granting: false)
        }
    }

    private static func changeAccess(_ state: inout State, _ call: SandboxCall, granting: Bool) -> SandboxResponse {
        // callAccessList is optional in Gong's schema: without it nothing changes.
        for entry in call.jsonObject["callAccessList"]?.arrayValue ?? [] {
            guard let id = entry["callId"]?.stringValue, state.calls.contains(id) else {
                return error(404, "Call \(entry["callId"]?.stringValue ?? "(missing)") was not found")
            }
            for user in strings(entry["userIds"]) ?? [] {
                guard state.users.contains(user) else { return error(400, "User \(user) does not exist") }
                var granted = state.callAccess[id] ?? []
                if granting {
                    if !granted.contains(user) { granted.append(user) }
                } else {
                    granted.removeAll { $0 == user }
                }
                state.callAccess[id] = granted
            }
        }
        return ok(&state, [:])
    }

    // MARK: Users

    static func addUserRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/v2/users") { state, call in
            var users = state.users.rows
            if call.queryFlag("includeAvatars") == true { users += state.avatars }
            return page(&state, call, items: users.map { .object($0) }, name: "users")
        }
        router.on("GET", "/v2/users/{id}") { state, call in
            guard let user = state.users.find(call.parameter("id")) else { return error(404, "User \(call.parameter("id")) was not found") }
            return ok(&state, ["user": .object(user)])
        }
        router.on("POST", "/v2/users/extensive") { state, call in
            let filter = call.jsonObject["filter"]?.objectValue ?? [:]
            var users = state.users.rows
            if filter["includeAvatars"] == true { users += state.avatars }
            if let ids = strings(filter["userIds"]) { users.removeAll { !ids.contains($0["id"]?.stringValue ?? "") } }
            if let from = SandboxTime.parse(filter["createdFromDateTime"]?.stringValue) {
                users.removeAll { (SandboxTime.parse($0["created"]?.stringValue) ?? .distantPast) < from }
            }
            if let to = SandboxTime.parse(filter["createdToDateTime"]?.stringValue) {
                users.removeAll { (SandboxTime.parse($0["created"]?.stringValue) ?? .distantFuture) >= to }
            }
            if users.isEmpty { return error(404, "No users found corresponding to the provided filters") }
            return page(&state, call, items: users.map { .object($0) }, name: "users")
        }
        router.on("GET", "/v2/users/{id}/settings-history") { state, call in
            let id = call.parameter("id")
            guard state.users.contains(id) else { return error(404, "User \(id) was not found") }
            return ok(&state, ["userSettingsHistory": .array((state.settingsHistory[id] ?? []).map { .object($0) })])
        }
    }

    // MARK: Stats

    static let activityFields = [
        "callsAsHost", "callsAttended", "callsGaveFeedback", "callsRequestedFeedback", "callsReceivedFeedback", "ownCallsListenedTo",
        "othersCallsListenedTo", "callsSharedInternally", "callsSharedExternally", "callsScorecardsFilled", "callsScorecardsReceived",
        "callsCommentsGiven", "callsCommentsReceived", "callsMarkedAsFeedbackGiven", "callsMarkedAsFeedbackReceived",
    ]

    /// Activity counts for a user, varied but stable per user and period.
    static func activity(_ user: String, salt: String) -> JSONObject {
        var dice = SandboxDice(seed: UInt64(abs((user + salt).hashValueStable)))
        var stats = JSONObject()
        for field in activityFields { stats[field] = .int(Int64(dice.int(0...(field == "callsAsHost" ? 14 : 6)))) }
        return stats
    }

    static func addStatsRoutes(_ router: inout SandboxRouter<State>) {
        router.on("POST", "/v2/stats/interaction") { state, call in
            switch activeUsers(state, call) {
            case .failure(let response): return response
            case .success(let active):
                let users = active.users
                let items = users.map { user -> JSONValue in
                    var dice = SandboxDice(seed: UInt64(abs((user["id"]?.stringValue ?? "").hashValueStable)))
                    return [
                        "userId": user["id"]!, "userEmailAddress": user["emailAddress"]!,
                        "personInteractionStats": [
                            ["name": "Talk Ratio", "value": .double(Double(dice.int(38...68)) / 100)],
                            ["name": "Longest Monologue", "value": .int(Int64(dice.int(45...160)))],
                            ["name": "Longest Customer Story", "value": .int(Int64(dice.int(30...120)))],
                            ["name": "Interactivity", "value": .double(Double(dice.int(30...90)) / 10)],
                            ["name": "Patience", "value": .double(Double(dice.int(5...20)) / 10)],
                            ["name": "Question Rate", "value": .double(Double(dice.int(10...60)) / 10)],
                        ],
                    ]
                }
                return page(&state, call, items: items, name: "peopleInteractionStats", extra: statsWindow(call))
            }
        }
        router.on("POST", "/v2/stats/activity/scorecards") { state, call in
            let filter = call.jsonObject["filter"]?.objectValue ?? [:]
            var found = state.answeredScorecards
            func day(_ name: String) -> Date? { SandboxTime.parse(filter[name]?.stringValue) }
            func time(_ record: JSONObject, _ field: String) -> Date { SandboxTime.parse(record[field]?.stringValue) ?? .distantPast }
            if let from = day("callFromDate") { found.removeAll { time($0, "callStartTime") < from } }
            if let to = day("callToDate") { found.removeAll { time($0, "callStartTime") >= to } }
            if let from = day("reviewFromDate") { found.removeAll { time($0, "reviewTime") < from } }
            if let to = day("reviewToDate") { found.removeAll { time($0, "reviewTime") >= to } }
            if let users = strings(filter["reviewedUserIds"]) { found.removeAll { !users.contains($0["reviewedUserId"]?.stringValue ?? "") } }
            if let cards = strings(filter["scorecardIds"]) { found.removeAll { !cards.contains($0["scorecardId"]?.stringValue ?? "") } }
            return page(&state, call, items: found.map { .object($0) }, name: "answeredScorecards")
        }
        router.on("POST", "/v2/stats/activity/day-by-day") { state, call in
            switch activeUsers(state, call) {
            case .failure(let response): return response
            case .success(let active):
                let users = active.users
                let from = active.from, to = active.to
                let items = users.map { user -> JSONValue in
                    let id = user["id"]?.stringValue ?? ""
                    var days: [JSONValue] = []
                    var day = from
                    while day < to && days.count < 31 {
                        let next = day.addingTimeInterval(86_400)
                        let hosted = state.calls.rows.filter { $0["primaryUserId"]?.stringValue == id && started($0) >= day && started($0) < next }
                        let ids: [JSONValue] = hosted.compactMap { $0["id"] }
                        var record: JSONObject = ["fromDate": .string(SandboxTime.iso(day)), "toDate": .string(SandboxTime.iso(next))]
                        for field in activityFields { record[field] = field == "callsAsHost" || field == "callsAttended" ? .array(ids) : [] }
                        days.append(.object(record))
                        day = next
                    }
                    return ["userId": .string(id), "userEmailAddress": user["emailAddress"]!, "userDailyActivityStats": .array(days)]
                }
                return page(&state, call, items: items, name: "usersDetailedActivities", extra: statsWindow(call))
            }
        }
        router.on("POST", "/v2/stats/activity/aggregate") { state, call in
            switch activeUsers(state, call) {
            case .failure(let response): return response
            case .success(let active):
                let users = active.users
                let salt = call.jsonObject["filter"]?.jsonString ?? ""
                let items = users.map { user -> JSONValue in
                    [
                        "userId": user["id"]!, "userEmailAddress": user["emailAddress"]!,
                        "userAggregateActivityStats": .object(activity(user["id"]?.stringValue ?? "", salt: salt)),
                    ]
                }
                return page(&state, call, items: items, name: "usersAggregateActivityStats", extra: statsWindow(call))
            }
        }
        router.on("POST", "/v2/stats/activity/aggregate-by-period") { state, call in
            let lengths = ["DAY": 1, "WEEK": 7, "MONTH": 30, "QUARTER": 91, "YEAR": 365]
            guard let period = call.jsonObject["aggregationPeriod"]?.stringValue, let length = lengths[period] else {
                return error(400, "aggregationPeriod must be DAY, WEEK, MONTH, QUARTER or YEAR")
            }
            switch activeUsers(state, call) {
            case .failure(let response): return response
            case .success(let active):
                let users = active.users
                let from = active.from, to = active.to
                let items = users.map { user -> JSONValue in
                    var periods: [JSONValue] = []
                    var start = from
                    while start < to && periods.count < 60 {
                        let end = min(start.addingTimeInterval(Double(length) * 86_400), to)
                        var stats = activity(user["id"]?.stringValue ?? "", salt: SandboxTime.iso(start))
                        stats["fromDate"] = .string(SandboxTime.iso(start))
                        stats["toDate"] = .string(SandboxTime.iso(end))
                        periods.append(.object(stats))
                        start = end
                    }
                    return ["userId": user["id"]!, "userEmailAddress": user["emailAddress"]!, "userAggregateActivity": .array(periods)]
                }
                return page(&state, call, items: items, name: "usersAggregateActivity", extra: statsWindow(call))
            }
        }
    }

    private static func statsWindow(_ call: SandboxCall) -> JSONObject {
        let filter = call.jsonObject["filter"]?.objectValue ?? [:]
        return ["timeZone": "America/Los_Angeles", "fromDateTime": filter["fromDate"] ?? .null, "toDateTime": filter["toDate"] ?? .null]
    }

    // MARK: Meetings and engagement events

    static func addEngagementRoutes(_ router: inout SandboxRouter<State>) {
        router.on("POST", "/v2/meetings") { state, call in
            if let problem = meetingProblem(state, call.jsonObject) { return error(400, problem) }
            let id = state.dice.digits(19)
            var meeting = call.jsonObject
            meeting["meetingId"] = .string(id)
            state.meetings.insert(meeting)
            return ok(&state, [
                "meetingId": .string(id), "meetingUrl": .string("https://join.gong.io/example-inc/\(id)?tkn=\(state.dice.hex(20, uppercase: false))"),
                "additionalInvitees": [["displayName": "Gong Assistant", "email": "assistant@gong.io"]],
            ])
        }
        router.on("PUT", "/v2/meetings/{meetingId}") { state, call in
            let id = call.parameter("meetingId")
            guard state.meetings.contains(id) else { return error(404, "Meeting \(id) was not found") }
            if let problem = meetingProblem(state, call.jsonObject) { return error(400, problem) }
            state.meetings.update(id, with: call.jsonObject)
            return ok(&state, ["meetingId": .string(id)])
        }
        router.on("DELETE", "/v2/meetings/{meetingId}") { state, call in
            let id = call.parameter("meetingId")
            guard let meeting = state.meetings.find(id) else { return error(404, "Meeting \(id) was not found") }
            // organizerEmail is optional in Gong's schema; one that is given must be the organizer's.
            if let organizer = call.jsonObject["organizerEmail"], organizer != meeting["organizerEmail"] {
                return error(400, "organizerEmail must be the meeting's organizer")
            }
            state.meetings.remove(id)
            return ok(&state, [:])
        }
        router.on("POST", "/v2/meetings/integration/status") { state, call in
            // emails is optional in Gong's schema: without it there is nobody to check.
            let emails = strings(call.jsonObject["emails"]) ?? []
            let users = emails.map { email -> JSONValue in
                let exists = state.users.rows.contains { $0["emailAddress"]?.stringValue?.lowercased() == email.lowercased() }
                var entry: JSONObject = ["email": .string(email), "exists": .bool(exists), "valid": .bool(exists && !email.hasPrefix("alex"))]
                if !exists {
                    entry["userFacingError"] = "This email address does not belong to a Gong user."
                } else if email.hasPrefix("alex") {
                    entry["userFacingError"] = "The calendar of this user is not connected to Gong."
                    entry["fixUrl"] = "https://app.gong.io/settings/calendar"
                    entry["helpUrl"] = "https://help.gong.io/"
                }
                return .object(entry)
            }
            return ok(&state, ["users": .array(users)])
        }
        for (path, required) in [
            ("/v2/customer-engagement/content/viewed", ["reportingSystem", "eventTimestamp", "contentId", "contentUrl", "contentTitle"]),
            ("/v2/customer-engagement/content/shared", ["reportingSystem", "eventTimestamp", "contentId", "contentUrl", "contentTitle"]),
            ("/v2/customer-engagement/action", ["reportingSystem", "eventTimestamp"]),
        ] {
            router.on("PUT", path) { state, call in
                let body = call.jsonObject
                if let missing = required.first(where: { body[$0] == nil }) { return error(400, "\(missing) is required") }
                guard SandboxTime.parse(body["eventTimestamp"]?.stringValue) != nil else { return error(400, "eventTimestamp must be an ISO-8601 date-time") }
                state.events += 1
                return ok(&state, ["integrationId": .int(5_517_027_188_234_205_706)])
            }
        }
        router.on("POST", "/v2/digital-interaction") { state, call in
            let body = call.jsonObject
            if let missing = ["eventId", "timestamp", "eventType", "content", "person"].first(where: { body[$0] == nil }) {
                return error(400, "\(missing) is required")
            }
            state.events += 1
            return ok(&state, [:])
        }
        router.on("GET", "/v2/flows") { state, call in
            guard let owner = call.query("flowOwnerEmail") else { return error(400, "flowOwnerEmail is required") }
            guard state.users.rows.contains(where: { $0["emailAddress"]?.stringValue == owner }) else {
                return error(404, "No Gong user has the email address \(owner)")
            }
            var flows = state.flows
            if let workspace = call.query("workspaceId") { flows.removeAll { $0["workspaceId"]?.stringValue != workspace } }
            return page(&state, call, items: flows.map { .object($0) }, name: "flows")
        }
        router.on("POST", "/v2/flows/prospects") { state, call in
            guard let ids = strings(call.jsonObject["crmProspectsIds"]), !ids.isEmpty else { return error(400, "crmProspectsIds is required") }
            let found = state.prospectFlows.filter { ids.contains($0["crmProspectId"]?.stringValue ?? "") }
            return ok(&state, ["prospectsAssigned": .array(found.map { .object($0) })])
        }
        router.on("POST", "/v2/flows/prospects/assign") { state, call in
            let body = call.jsonObject
            guard let ids = strings(body["crmProspectsIds"]), !ids.isEmpty else { return error(400, "crmProspectsIds is required") }
            guard let flowID = body["flowId"]?.stringValue, let flow = state.flows.first(where: { $0["id"]?.stringValue == flowID }) else {
                return error(404, "Flow \(body["flowId"]?.stringValue ?? "(missing)") was not found")
            }
            guard let owner = body["flowInstanceOwnerEmail"]?.stringValue,
                let user = state.users.rows.first(where: { $0["emailAddress"]?.stringValue == owner })
            else { return error(400, "flowInstanceOwnerEmail must be a Gong user's email address") }
            var assigned: [JSONValue] = []
            var refused: [JSONValue] = []
            for id in ids {
                if state.prospectFlows.contains(where: { $0["crmProspectId"]?.stringValue == id && $0["flowId"]?.stringValue == flowID }) {
                    refused.append(["flowId": .string(flowID), "crmProspectId": .string(id), "errorCode": "AlreadyAssigned", "errorMessage": .string("\(id) is already in this flow")])
                    continue
                }
                let record: JSONObject = [
                    "flowId": .string(flowID), "flowName": flow["name"]!, "crmProspectId": .string(id),
                    "flowInstanceId": .string(state.dice.digits(16)), "flowInstanceOwnerEmail": .string(owner),
                    "flowInstanceOwnerFullName": .string("\(user["firstName"]?.stringValue ?? "") \(user["lastName"]?.stringValue ?? "")"),
                    "flowInstanceCreateDate": .string(SandboxTime.iso(Date())), "flowInstanceStatus": "Running",
                    "workspaceId": flow["workspaceId"]!, "exclusive": flow["exclusive"] ?? true,
                ]
                state.prospectFlows.append(record)
                assigned.append(.object(record))
            }
            return ok(&state, ["prospectsAssigned": .array(assigned), "prospectsNotAssigned": .array(refused)])
        }
    }

    private static func meetingProblem(_ state: State, _ body: JSONObject) -> String? {
        guard let start = SandboxTime.parse(body["startTime"]?.stringValue), let end = SandboxTime.parse(body["endTime"]?.stringValue) else {
            return "startTime and endTime are required ISO-8601 date-times"
        }
        guard end > start else { return "endTime must be after startTime" }
        guard let organizer = body["organizerEmail"]?.stringValue, state.users.rows.contains(where: { $0["emailAddress"]?.stringValue == organizer }) else {
            return "organizerEmail must be the email address of a Gong user"
        }
        // An invitee's email is optional in Gong's schema; one that is given must look like an address.
        guard let invitees = body["invitees"]?.arrayValue, invitees.allSatisfy({ $0["email"] == nil || $0["email"]?.stringValue?.contains("@") == true }) else {
            return "invitees must be a list of invitee objects, each email an address"
        }
        return nil
    }

    // MARK: CRM and data privacy

    static func addCRMRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/v2/crm/integrations") { state, call in
            ok(&state, ["integrations": .array(state.crmIntegrations.rows.map { .object($0) })])
        }
        router.on("PUT", "/v2/crm/integrations") { state, call in
            guard let owner = call.jsonObject["ownerEmail"]?.stringValue, let name = call.jsonObject["name"]?.stringValue else {
                return error(400, "ownerEmail and name are required")
            }
            let id = Int64(state.dice.digits(13))!
            state.crmIntegrations.insert(["integrationId": .int(id), "ownerEmail": .string(owner), "name": .string(name)])
            return ok(&state, ["integrationId": .int(id)])
        }
        router.on("DELETE", "/v2/crm/integrations") { state, call in
            guard let id = call.query("integrationId"), let request = call.query("clientRequestId") else {
                return error(400, "integrationId and clientRequestId are required")
            }
            guard state.crmIntegrations.contains(id) else { return error(404, "Integration \(id) was not found") }
            if state.requests[request] != nil { return error(409, "clientRequestId \(request) was already used") }
            state.crmIntegrations.remove(id)
            state.requests[request] = (id, Date(), "delete integration")
            return ok(&state, ["clientRequestId": .string(request)], status: 201)
        }
        router.on("POST", "/v2/crm/entities") { state, call in
            guard let id = call.query("integrationId"), let request = call.query("clientRequestId"), call.query("objectType") != nil else {
                return error(400, "integrationId, objectType and clientRequestId are required")
            }
            guard state.crmIntegrations.contains(id) else { return error(404, "Integration \(id) was not found") }
            guard let parts = FormData.parts(of: call.request.body, contentType: call.request.header("Content-Type")),
                parts.contains(where: { $0.name == "dataFile" && !$0.bytes.isEmpty })
            else { return error(400, "The request must be multipart/form-data with the objects in the dataFile field") }
            if state.requests[request] != nil { return error(409, "clientRequestId \(request) was already used") }
            state.requests[request] = (id, Date(), "upload")
            return ok(&state, ["clientRequestId": .string(request)], status: 201)
        }
        router.on("GET", "/v2/crm/entity-schema") { state, call in
            guard let id = call.query("integrationId"), state.crmIntegrations.contains(id) else { return error(404, "Integration not found") }
            var schemas = state.entitySchemas[id] ?? [:]
            if let type = call.query("objectType") { schemas = schemas.filter { $0.key == type } }
            var object = JSONObject()
            for type in schemas.keys.sorted() { object[type] = .array(schemas[type]!) }
            return ok(&state, ["objectTypeToSelectedFields": .object(object)])
        }
        router.on("POST", "/v2/crm/entity-schema") { state, call in
            guard let id = call.query("integrationId"), state.crmIntegrations.contains(id) else { return error(404, "Integration not found") }
            guard let type = call.query("objectType") else { return error(400, "objectType is required") }
            guard case .array(let fields)? = call.json, !fields.isEmpty else { return error(400, "The body must be a non-empty array of fields") }
            for field in fields where field["uniqueName"]?.stringValue == nil || field["type"]?.stringValue == nil {
                return error(400, "Every field needs uniqueName and type")
            }
            var schemas = state.entitySchemas[id] ?? [:]
            var existing = schemas[type] ?? []
            for field in fields {
                existing.removeAll { $0["uniqueName"] == field["uniqueName"] }
                existing.append(field)
            }
            schemas[type] = existing
            state.entitySchemas[id] = schemas
            return ok(&state, [:], status: 201)
        }
        router.on("GET", "/v2/crm/entities") { state, call in
            guard let id = call.query("integrationId"), state.crmIntegrations.contains(id) else { return error(404, "Integration not found") }
            guard let type = call.query("objectType") else { return error(400, "objectType is required") }
            let wanted = call.queryList("objectsCrmIds")
            guard !wanted.isEmpty else { return error(400, "objectsCrmIds is required") }
            var map = JSONObject()
            for crmID in wanted { if let object = state.crmObjects["\(id)|\(type)|\(crmID)"] { map[crmID] = .object(object) } }
            return ok(&state, ["crmObjectsMap": .object(map)])
        }
        router.on("GET", "/v2/crm/request-status") { state, call in
            guard let request = call.query("clientRequestId"), let entry = state.requests[request], entry.integration == call.query("integrationId") else {
                return error(404, "No request with this integrationId and clientRequestId")
            }
            // Gong finishes such work in the background; the sandbox takes a few seconds.
            let age = Date().timeIntervalSince(entry.created)
            let status = age < 2 ? "PENDING" : age < 5 ? "IN_PROGRESS" : "DONE"
            var fields: JSONObject = ["status": .string(status)]
            if status == "DONE" {
                fields["totalSuccessCount"] = entry.work == "upload" ? 97 : 1
                fields["totalErrorCount"] = entry.work == "upload" ? 3 : 0
                if entry.work == "upload" {
                    fields["errors"] = [["line": 49, "description": "Mandatory field [objectId] is missing or empty"]]
                }
            }
            return ok(&state, fields)
        }
        router.on("GET", "/v2/data-privacy/data-for-email-address") { state, call in
            guard let email = call.query("emailAddress"), email.contains("@") else { return error(400, "emailAddress is required") }
            let found = state.erasedEmails.contains(email.lowercased()) ? nil : state.contacts.first { $0["email"]?.stringValue == email.lowercased() }
            return ok(&state, privacyReport(state, found))
        }
        router.on("GET", "/v2/data-privacy/data-for-phone-number") { state, call in
            guard let phone = call.query("phoneNumber"), phone.hasPrefix("+") else { return error(400, "phoneNumber must start with +") }
            let digits = phone.filter(\.isNumber)
            let found = state.erasedPhones.contains(digits) ? nil : state.contacts.first { $0["phone"]?.stringValue?.filter(\.isNumber) == digits }
            var report = privacyReport(state, found)
            report["suppliedPhoneNumber"] = .string(phone)
            report["matchingPhoneNumbers"] = found.map { .array([$0["phone"]!]) } ?? []
            return ok(&state, report)
        }
        router.on("POST", "/v2/data-privacy/erase-data-for-email-address") { state, call in
            guard call.request.body.isEmpty else { return error(400, "This endpoint takes no body") }
            guard let email = call.query("emailAddress"), email.contains("@") else { return error(400, "emailAddress is required") }
            state.erasedEmails.insert(email.lowercased())
            return ok(&state, [:])
        }
        router.on("POST", "/v2/data-privacy/erase-data-for-phone-number") { state, call in
            guard call.request.body.isEmpty else { return error(400, "This endpoint takes no body") }
            guard let phone = call.query("phoneNumber"), phone.hasPrefix("+") else { return error(400, "phoneNumber must start with +") }
            state.erasedPhones.insert(phone.filter(\.isNumber))
            return ok(&state, [:])
        }
    }

    /// What Gong holds about one contact: their calls, emails, meetings and CRM records.
    private static func privacyReport(_ state: State, _ contact: JSONObject?) -> JSONObject {
        guard let contact, let email = contact["email"]?.stringValue else {
            return ["emails": [], "calls": [], "meetings": [], "customerData": [], "customerEngagement": []]
        }
        let calls = state.calls.rows.filter { call in
            (state.callDetails[call["id"]?.stringValue ?? ""]?["parties"]?.arrayValue ?? []).contains { $0["emailAddress"]?.stringValue == email }
        }
        return [
            "emails": [
                ["from": .string(email), "id": "223mjfaaqqjuegabiyrmpctvcwwl75oz", "sentTime": "2024-05-03T17:20:00Z", "mailbox": "dana.rep@example.com", "messageHash": "l3z7w2s7oircdabnkwizmycm6g2uwznc"],
            ],
            "calls": .array(calls.map { ["id": $0["id"]!, "status": "COMPLETED", "externalSystems": [["system": "Salesforce", "objects": [["objectType": "Task", "externalId": "00T3t00001QzPqRAAV"]]]]] }),
            "meetings": .array(state.meetings.rows.filter { ($0["invitees"]?.arrayValue ?? []).contains { $0["email"]?.stringValue == email } }.map { ["id": $0["meetingId"]!] }),
            "customerData": [["system": "Salesforce", "objects": [["id": .string(contact["crmId"]?.stringValue ?? ""), "objectType": "Contact", "externalId": contact["crmId"] ?? "", "fields": [["name": "name", "value": contact["name"] ?? ""]]]]]],
            "customerEngagement": [["eventType": "Content viewed", "timestamp": "2024-05-15T09:12:00Z", "contentTitle": "Acme proposal v3"]],
        ]
    }

    // MARK: Settings, permissions, library, logs

    static func addSettingsRoutes(_ router: inout SandboxRouter<State>) {
        router.on("GET", "/v2/workspaces") { state, call in
            ok(&state, ["workspaces": .array(state.workspaces.map { .object($0) })])
        }
        router.on("GET", "/v2/settings/trackers") { state, call in
            var trackers = state.trackers
            if let workspace = call.query("workspaceId") { trackers.removeAll { $0["workspaceId"]?.stringValue != workspace } }
            return ok(&state, ["keywordTrackers": .array(trackers.map { .object($0) })])
        }
        router.on("GET", "/v2/settings/scorecards") { state, call in
            ok(&state, ["scorecards": .array(state.scorecards.map { .object($0) })])
        }
        router.on("POST", "/v2/integration-settings") { state, call in
            guard let settings = call.jsonObject["integrationTypeSettings"]?.arrayValue, !settings.isEmpty else {
                return error(400, "integrationTypeSettings is required")
            }
            for setting in settings where setting["integrationType"]?.stringValue == nil {
                return error(400, "Every entry needs integrationType")
            }
            return ok(&state, [:])
        }
        router.on("GET", "/v2/all-permission-profiles") { state, call in
            guard let workspace = call.query("workspaceId") else { return error(400, "workspaceId is required") }
            guard state.workspaces.contains(where: { $0["id"]?.stringValue == workspace }) else { return error(404, "Workspace \(workspace) was not found") }
            let profiles = state.profiles.rows.filter { $0["workspaceId"]?.stringValue == workspace }.map { profile -> JSONValue in
                var shown = profile
                shown["workspaceId"] = nil
                return .object(shown)
            }
            return ok(&state, ["profiles": .array(profiles)])
        }
        router.on("GET", "/v2/permission-profile") { state, call in
            guard var profile = state.profiles.find(call.query("profileId") ?? "") else { return error(404, "Permission profile not found") }
            profile["workspaceId"] = nil
            return ok(&state, ["profile": .object(profile)])
        }
        router.on("POST", "/v2/permission-profile") { state, call in
            guard let workspace = call.query("workspaceId"), state.workspaces.contains(where: { $0["id"]?.stringValue == workspace }) else {
                return error(404, "Workspace not found")
            }
            // name is optional in Gong's schema; a name that is given must be free in the workspace.
            if let name = call.jsonObject["name"]?.stringValue,
                state.profiles.rows.contains(where: { $0["name"]?.stringValue == name && $0["workspaceId"]?.stringValue == workspace })
            {
                return error(409, "A permission profile named \(name) already exists in this workspace")
            }
            var profile: JSONObject = ["id": .string(state.dice.digits(19))]
            for (key, value) in call.jsonObject { profile[key] = value }
            profile["workspaceId"] = .string(workspace)
            state.profiles.insert(profile)
            profile["workspaceId"] = nil
            return ok(&state, ["profile": .object(profile)])
        }
        router.on("PUT", "/v2/permission-profile") { state, call in
            guard let id = call.query("profileId"), state.profiles.contains(id) else { return error(404, "Permission profile not found") }
            var changes = call.jsonObject
            changes["id"] = nil
            changes["workspaceId"] = nil
            var profile = state.profiles.update(id, with: changes)!
            profile["workspaceId"] = nil
            return ok(&state, ["profile": .object(profile)])
        }
        router.on("GET", "/v2/permission-profile/users") { state, call in
            guard let id = call.query("profileId"), state.profiles.contains(id) else { return error(404, "Permission profile not found") }
            let users = (state.profileUsers[id] ?? []).compactMap { state.users.find($0) }.map { user -> JSONValue in
                [
                    "id": user["id"]!, "emailAddress": user["emailAddress"]!,
                    "fullName": .string("\(user["firstName"]?.stringValue ?? "") \(user["lastName"]?.stringValue ?? "")"),
                ]
            }
            return ok(&state, ["users": .array(users)])
        }
        router.on("GET", "/v2/library/folders") { state, call in
            var folders = state.folders
            if let workspace = call.query("workspaceId") { folders.removeAll { $0["workspaceId"]?.stringValue != workspace } }
            return ok(&state, ["folders": .array(folders.map { .object($0) })])
        }
        router.on("GET", "/v2/library/folder-content") { state, call in
            guard let id = call.query("folderId"), let folder = state.folders.first(where: { $0["id"]?.stringValue == id }) else {
                return error(404, "Library folder not found")
            }
            return ok(&state, [
                "id": folder["id"]!, "name": folder["name"]!, "createdBy": folder["createdBy"]!, "updated": folder["updated"]!,
                "calls": .array((state.folderCalls[id] ?? []).map { .object($0) }),
            ])
        }
        router.on("GET", "/v2/coaching") { state, call in
            for name in ["workspace-id", "manager-id", "from", "to"] where call.query(name) == nil { return error(400, "\(name) is required") }
            let managerID = call.query("manager-id")!
            guard let manager = state.users.find(managerID) else { return error(404, "User \(managerID) was not found") }
            let reports = state.users.rows.filter { $0["managerId"]?.stringValue == managerID }
            guard !reports.isEmpty else { return error(400, "User \(managerID) is not a manager: nobody reports to them") }
            func person(_ user: JSONObject) -> JSONValue {
                ["id": user["id"]!, "emailAddress": user["emailAddress"]!, "firstName": user["firstName"]!, "lastName": user["lastName"]!, "title": user["title"]!]
            }
            let metrics = reports.map { report -> JSONValue in
                var dice = SandboxDice(seed: UInt64(abs((report["id"]?.stringValue ?? "").hashValueStable)))
                return [
                    "report": person(report),
                    "metrics": [
                        "callsListened": .int(Int64(dice.int(2...15))), "feedbackGiven": .int(Int64(dice.int(0...8))),
                        "scorecardsFilled": .int(Int64(dice.int(0...6))), "commentsGiven": .int(Int64(dice.int(0...12))),
                    ],
                ]
            }
            return ok(&state, ["coachingData": [["manager": person(manager), "directReportsMetrics": .array(metrics)]]])
        }
        router.on("GET", "/v2/logs") { state, call in
            guard let type = call.query("logType") else { return error(400, "logType is required") }
            guard let from = SandboxTime.parse(call.query("fromDateTime")) else { return error(400, "fromDateTime is required (ISO-8601)") }
            let to = SandboxTime.parse(call.query("toDateTime")) ?? .distantFuture
            let found = state.logs.filter {
                $0["logType"]?.stringValue == type && (SandboxTime.parse($0["eventTime"]?.stringValue) ?? .distantPast) >= from
                    && (SandboxTime.parse($0["eventTime"]?.stringValue) ?? .distantFuture) < to
            }.map { entry -> JSONValue in
                var shown = entry
                shown["logType"] = nil
                return .object(shown)
            }
            if found.isEmpty { return error(404, "No log entries found for the provided filters") }
            return page(&state, call, items: found, name: "logEntries")
        }
        router.on("GET", "/v2/entities/get-brief") { state, call in
            for name in ["workspaceId", "briefName", "crmEntityType", "crmEntityId", "timePeriod"] where call.query(name) == nil {
                return error(400, "\(name) is required")
            }
            if call.query("timePeriod") == "CUSTOM_RANGE" && (call.query("fromDateTime") == nil || call.query("toDateTime") == nil) {
                return error(400, "fromDateTime and toDateTime are required with timePeriod CUSTOM_RANGE")
            }
            let entity = call.query("crmEntityId")!
            let account = entity.hasPrefix("0013") ? "Acme Corp" : "Acme Corp – 2024 expansion"
            return ok(&state, [
                "briefName": .string(call.query("briefName")!), "crmEntityType": .string(call.query("crmEntityType")!),
                "crmEntityId": .string(entity), "timePeriod": .string(call.query("timePeriod")!),
                "brief": .string(
                    "\(account): three calls and eleven emails in the period. Sam Buyer (VP Operations) leads the evaluation; Lee CFO joined the pricing call on 2 May and asked for a phased rollout. Open risks: security review not started, competing quote from a larger vendor. Agreed next step: security questionnaire back by 17 May, then a contract draft."),
                "generatedAt": .string(SandboxTime.iso(Date())), "creditsConsumed": 1,
            ])
        }
    }
}

extension String {
    /// A hash that is the same in every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: Int {
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return Int(truncatingIfNeeded: hash >> 1)
    }
}
