#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Gong sandbox's made-up company, Example Inc.: a sales team, its calls with
/// prospects between 22 April and 17 May 2024, and the settings around them.
extension GongSandbox {
    static let mainWorkspaceID = "623457276584334"
    static let partnerWorkspaceID = "623457276584901"
    static let pacific = -7 * 3600

    /// Ids the definition's examples use.
    static let discoveryCallID = "7782342274025937895"
    static let pricingCallID = "4410932250012745821"
    static let repID = "234599484848423"
    static let sdrID = "561209348772100457"
    static let managerID = "234599484848499"
    static let meetingID = "8213044771926335012"
    static let integrationID = "6286478263646"
    static let profileID = "3843152912968920037"
    static let folderID = "3843152912968920037"
    static let flowID = "1695493301223590792"

    struct Person {
        var id: String
        var first: String
        var last: String
        var title: String
        var manager: String?
        var created: String
    }

    static let people: [Person] = [
        Person(id: "234599484848400", first: "Morgan", last: "Reyes", title: "VP Sales", manager: nil, created: "2021-03-01T16:00:00Z"),
        Person(id: managerID, first: "Alex", last: "Manager", title: "Sales Manager", manager: "234599484848400", created: "2021-06-14T16:00:00Z"),
        Person(id: repID, first: "Dana", last: "Rep", title: "Account Executive", manager: managerID, created: "2022-01-10T17:00:00Z"),
        Person(id: sdrID, first: "Priya", last: "Shah", title: "Sales Development Rep", manager: managerID, created: "2023-09-04T16:00:00Z"),
        Person(id: "234599484848431", first: "Chris", last: "Park", title: "Account Executive", manager: managerID, created: "2022-05-02T16:00:00Z"),
        Person(id: "234599484848432", first: "Taylor", last: "Brooks", title: "Account Executive", manager: managerID, created: "2023-02-13T17:00:00Z"),
        Person(id: "234599484848433", first: "Riley", last: "Adams", title: "Sales Development Rep", manager: managerID, created: "2024-01-08T17:00:00Z"),
        Person(id: "234599484848434", first: "Casey", last: "Nguyen", title: "Solutions Engineer", manager: "234599484848400", created: "2022-08-22T16:00:00Z"),
        Person(id: "234599484848435", first: "Jordan", last: "Blake", title: "Customer Success Manager", manager: "234599484848400", created: "2023-04-17T16:00:00Z"),
        Person(id: "234599484848436", first: "Avery", last: "Kim", title: "Account Executive", manager: managerID, created: "2024-02-05T17:00:00Z"),
        Person(id: "234599484848410", first: "Ops", last: "Admin", title: "Revenue Operations", manager: "234599484848400", created: "2021-03-01T16:30:00Z"),
        Person(id: "234599484848437", first: "Sam", last: "Ortiz", title: "Sales Development Rep", manager: managerID, created: "2024-03-11T16:00:00Z"),
    ]

    static let customers: [(company: String, domain: String, contacts: [(String, String)])] = [
        ("Acme Corp", "acme.example", [("Sam Buyer", "VP Operations"), ("Lee CFO", "Chief Financial Officer")]),
        ("Northwind Traders", "northwind.example", [("Maria Anders", "Head of Finance")]),
        ("Contoso", "contoso.example", [("Ken Myer", "IT Director"), ("Ana Trujillo", "Controller")]),
        ("Fabrikam", "fabrikam.example", [("Thomas Hardy", "Operations Manager")]),
        ("Tailspin Toys", "tailspin.example", [("Elena Sokolova", "COO")]),
        ("Litware", "litware.example", [("Yoshi Tanaka", "Director of Sales Ops")]),
    ]

    static func email(_ first: String, _ last: String) -> String { "\(first).\(last)".lowercased() + "@example.com" }

    static func seed() -> State {
        var state = State()
        var dice = SandboxDice(seed: 2024)
        state.workspaces = [
            ["id": .string(mainWorkspaceID), "name": "North America Sales", "description": "Sales team calls and deals"],
            ["id": .string(partnerWorkspaceID), "name": "Partners", "description": "Calls with resellers and partners"],
        ]
        for person in people {
            let address = email(person.first, person.last)
            var user: JSONObject = [
                "id": .string(person.id), "emailAddress": .string(address), "created": .string(person.created), "active": true,
                "emailAliases": [], "trustedEmailAddress": .string(address), "firstName": .string(person.first), "lastName": .string(person.last),
                "title": .string(person.title), "phoneNumber": .string("+1 415-555-\(String(1000 + dice.int(0...8999)))"),
                "personalMeetingUrls": .array([.string("https://zoom.us/j/\(dice.digits(10))")]),
                "settings": [
                    "webConferencesRecorded": true, "preventWebConferenceRecording": false, "telephonyCallsImported": .bool(person.title.contains("Development")),
                    "emailsImported": true, "preventEmailImport": false, "nonRecordedMeetingsImported": true, "gongConnectEnabled": true,
                ],
                "meetingConsentPageUrl": .string("https://join.gong.io/example-inc/\(person.first.lowercased()).\(person.last.lowercased())"),
                "spokenLanguages": [["language": "en-US", "primary": true]],
            ]
            if let manager = person.manager { user["managerId"] = .string(manager) }
            state.users.insert(user)
            state.settingsHistory[person.id] = [
                ["setting": "webConferencesRecorded", "value": true, "time": .string(person.created)],
                ["setting": "emailsImported", "value": false, "time": .string(person.created)],
                ["setting": "emailsImported", "value": true, "time": "2024-01-15T18:20:00Z"],
            ]
        }
        state.avatars = [
            [
                "id": "990000000000000001", "emailAddress": "support.avatar@gong.io", "created": "2022-01-01T00:00:00Z", "active": true,
                "firstName": "Gong", "lastName": "Support", "title": "Gong Customer Support (avatar)", "emailAliases": [], "personalMeetingUrls": [],
            ]
        ]

        for customer in customers {
            for (name, title) in customer.contacts {
                let parts = name.split(separator: " ")
                let address = "\(parts[0]).\(parts[1])".lowercased() + "@\(customer.domain)"
                let phone = address == "sam.buyer@acme.example" ? "+14255552671" : "+1206555\(String(1000 + dice.int(0...8999)))"
                state.contacts.append([
                    "name": .string(name), "title": .string(title), "email": .string(address), "phone": .string(phone),
                    "company": .string(customer.company), "crmId": .string("0033t0000\(dice.hex(6))AAV"),
                ])
            }
        }

        // 30 calls: 8 in the last week of April, 14 in the first week of May, 8 after.
        let days: [Int] = [22, 23, 24, 25, 26, 29, 29, 30] + [1, 1, 2, 2, 2, 3, 3, 6, 6, 6, 7, 7, 7, 7] + [8, 9, 10, 13, 14, 15, 16, 17]
        let hosts = [repID, "234599484848431", "234599484848432", sdrID, "234599484848436", "234599484848433", "234599484848437"]
        for (index, day) in days.enumerated() {
            let month = index < 8 ? 4 : 5
            let kind: String
            let host: String
            let customerIndex: Int
            let id: String
            switch index {
            case 9: (id, kind, host, customerIndex) = (pricingCallID, "Pricing discussion", repID, 0)
            case 11: (id, kind, host, customerIndex) = (discoveryCallID, "Discovery call", repID, 0)
            default:
                id = dice.digits(19)
                host = hosts[index % hosts.count]
                kind = host == sdrID || host.hasSuffix("33") || host.hasSuffix("37") ? "Cold call" : SandboxScripts.kinds[index % 4]
                customerIndex = (index * 5 + 1) % customers.count
            }
            let customer = customers[customerIndex]
            let contact = customer.contacts[index % customer.contacts.count]
            let hostPerson = people.first { $0.id == host }!
            let start = SandboxTime.utc(2024, month, day, 16 + (index % 4) * 2, index % 2 == 0 ? 0 : 30)
            let duration = kind == "Cold call" ? 180 + dice.int(0...240) : 1500 + dice.int(0...1500)
            let dialer = kind == "Cold call"
            var call: JSONObject = [
                "id": .string(id), "url": .string("https://app.gong.io/call?id=\(id)"),
                "title": .string(index == 11 ? "Discovery call with Acme Corp" : "\(customer.company) - \(kind)"),
                "scheduled": .string(SandboxTime.iso(start, offset: pacific)), "started": .string(SandboxTime.iso(start.addingTimeInterval(60), offset: pacific)),
                "duration": .int(Int64(duration)), "primaryUserId": .string(host),
                "direction": .string(dialer ? "Outbound" : "Conference"), "system": .string(dialer ? "Outreach" : "Zoom"),
                "scope": "External", "media": .string(dialer ? "Audio" : "Video"), "language": "eng",
                "workspaceId": .string(index % 10 == 9 && index != 9 ? partnerWorkspaceID : mainWorkspaceID),
                "clientUniqueId": .string(dice.hex(19)), "customData": .string(dialer ? "Dialer" : "Conference Call"),
                "purpose": .string(kind), "isPrivate": false,
            ]
            if !dialer {
                call["meetingUrl"] = .string("https://zoom.us/j/\(dice.digits(10))")
                call["calendarEventId"] = .string("\(dice.hex(24, uppercase: false))@google.com")
            } else {
                call["sdrDisposition"] = .string(dice.pick(["Connected", "Left voicemail", "Got the gatekeeper"]))
            }
            state.calls.insert(call)
            state.callDetails[id] = details(
                id: id, kind: kind, host: hostPerson, contact: contact, customer: customer, duration: duration, dice: &dice)
            if index % 3 == 0 {
                state.associations.append([
                    "callId": .string(id), "userId": .string(host), "created": .double(start.addingTimeInterval(7200).timeIntervalSince1970),
                    "associatedCrmObjects": [["accountCrmId": .string("0013t0000\(dice.hex(6))AAV"), "dealCrmId": .string("0063t0000\(dice.hex(6))AAV")]],
                ])
            }
            if !dialer && index % 2 == 1 {
                state.answeredScorecards.append([
                    "answeredScorecardId": .string(dice.digits(15)), "scorecardId": "6843152929075440037", "scorecardName": "Discovery Call Scorecard",
                    "callId": .string(id), "callStartTime": call["started"]!, "reviewedUserId": .string(host), "reviewerUserId": .string(managerID),
                    "reviewTime": .string(SandboxTime.iso(start.addingTimeInterval(86_400 + 3600), offset: pacific)), "visibilityType": "PUBLIC",
                    "answers": [
                        ["questionId": "7320001", "questionRevisionId": "43955224753211112", "isOverall": true, "score": .int(Int64(dice.int(2...5))), "answerText": "Clear agenda and good questions about the buying process.", "notApplicable": false],
                        ["questionId": "7320002", "questionRevisionId": "43955224753211113", "isOverall": false, "score": .int(Int64(dice.int(1...5))), "notApplicable": false],
                    ],
                ])
            }
            if index % 4 == 1 {
                state.logs.append([
                    "logType": "UserCallPlay", "userId": .string(managerID), "userEmailAddress": "alex.manager@example.com", "userFullName": "Alex Manager",
                    "eventTime": .string(SandboxTime.iso(start.addingTimeInterval(90_000))), "logRecord": ["callId": .string(id), "playedSeconds": .int(Int64(dice.int(60...900)))],
                ])
            }
        }
        state.logs.append([
            "logType": "ExternallySharedCallAccess", "userId": .string(repID), "userEmailAddress": "dana.rep@example.com", "userFullName": "Dana Rep",
            "eventTime": "2024-05-03T18:02:00Z", "logRecord": ["callId": .string(discoveryCallID), "accessedBy": "sam.buyer@acme.example"],
        ])
        state.logs.append([
            "logType": "AccessLog", "userId": .string(managerID), "userEmailAddress": "alex.manager@example.com", "userFullName": "Alex Manager",
            "eventTime": "2024-05-02T15:11:00Z", "logRecord": ["ip": "203.0.113.24", "event": "Login"],
        ])

        state.callAccess[discoveryCallID] = ["234599484848434"]
        state.meetings.insert([
            "meetingId": .string(meetingID), "startTime": "2024-06-03T15:00:00Z", "endTime": "2024-06-03T15:30:00Z", "title": "Acme / Example Inc. pricing review",
            "organizerEmail": "dana.rep@example.com", "invitees": [["email": "sam.buyer@acme.example", "displayName": "Sam Buyer"]], "externalId": "cal-evt-88000",
        ])

        state.crmIntegrations.insert(["integrationId": .int(Int64(integrationID)!), "ownerEmail": "ops.admin@example.com", "name": "In-house CRM"])
        state.entitySchemas[integrationID] = [
            "ACCOUNT": [["uniqueName": "accountId", "label": "Account ID", "type": "ID"], ["uniqueName": "name", "label": "Account name", "type": "STRING"]],
            "DEAL": [["uniqueName": "dealId", "label": "Deal ID", "type": "ID"], ["uniqueName": "amount", "label": "Amount", "type": "NUMBER"], ["uniqueName": "stage", "label": "Stage", "type": "PICKLIST"]],
        ]
        for (crmID, name, amount, stage) in [("D-1234", "Acme Corp – 2024 expansion", 64_000, "Negotiation"), ("D-8765", "Contoso – new business", 38_500, "Discovery"), ("D-5521", "Fabrikam – renewal", 22_000, "Closed Won")] {
            state.crmObjects["\(integrationID)|DEAL|\(crmID)"] = [
                "objectId": .string(crmID), "objectType": "DEAL", "name": .string(name), "amount": .int(Int64(amount)), "stage": .string(stage),
                "lastModified": "2024-05-10T12:00:00Z",
            ]
        }
        state.requests["upload-accounts-2024-05-19"] = (integrationID, Date.distantPast, "upload")

        state.trackers = [
            tracker("6840000929075400007", "Competitors", ["BigCo", "Initrode", "competitor"], workspace: mainWorkspaceID),
            tracker("6840000929075400008", "Pricing", ["price", "discount", "budget", "quote"], workspace: mainWorkspaceID),
            tracker("6840000929075400009", "Security", ["SOC 2", "security review", "SSO"], workspace: mainWorkspaceID),
            tracker("6840000929075400010", "Partner referral", ["reseller", "referral"], workspace: partnerWorkspaceID),
        ]
        state.scorecards = [
            [
                "scorecardId": "6843152929075440037", "scorecardName": "Discovery Call Scorecard", "workspaceId": .string(mainWorkspaceID), "enabled": true,
                "updaterUserId": .string(managerID), "created": "2023-01-09T17:00:00Z", "updated": "2024-02-01T17:00:00Z",
                "questions": [
                    ["questionId": "7320001", "questionRevisionId": "43955224753211112", "questionText": "How well did the rep run the call overall?", "isOverall": true, "questionType": "RANGE", "minRange": 1, "maxRange": 5],
                    ["questionId": "7320002", "questionRevisionId": "43955224753211113", "questionText": "Did the rep identify the decision process?", "isOverall": false, "questionType": "RANGE", "minRange": 1, "maxRange": 5],
                ],
            ]
        ]
        state.profiles.insert([
            "id": .string(profileID), "workspaceId": .string(mainWorkspaceID), "name": "Account Executives", "description": "Own calls and deals, team library",
            "callsAccess": ["permissionLevel": "managers-team", "teamLeadIds": .array([.string(managerID)])], "dealsAccess": ["permissionLevel": "own"],
            "libraryFolderAccess": ["permissionLevel": "all", "managePublicFolder": false], "scoreCalls": true, "downloadCallMedia": false, "privateCalls": true,
            "callsAndSearch": true, "library": true, "deals": true,
        ])
        state.profiles.insert([
            "id": "3843152912968920038", "workspaceId": .string(mainWorkspaceID), "name": "Managers", "description": "Everything in their teams",
            "callsAccess": ["permissionLevel": "all"], "dealsAccess": ["permissionLevel": "all"], "scoreCalls": true, "downloadCallMedia": true,
        ])
        state.profileUsers[profileID] = [repID, "234599484848431", "234599484848432", "234599484848436"]
        state.profileUsers["3843152912968920038"] = [managerID, "234599484848400"]
        state.folders = [
            ["id": .string(folderID), "name": "Sales Onboarding", "parentFolderId": nil, "createdBy": .string(managerID), "updated": "2024-03-14T17:30:00Z", "workspaceId": .string(mainWorkspaceID)],
            ["id": "3843152912968920040", "name": "Great discovery calls", "parentFolderId": .string(folderID), "createdBy": .string(managerID), "updated": "2024-05-09T20:00:00Z", "workspaceId": .string(mainWorkspaceID)],
        ]
        state.folderCalls[folderID] = [
            ["id": .string(discoveryCallID), "title": "Discovery call with Acme Corp", "note": "Textbook qualification of the buying group", "addedBy": .string(managerID), "created": "2024-05-03T21:00:00Z", "url": .string("https://app.gong.io/call?id=\(discoveryCallID)"), "snippet": ["fromSec": 95, "toSec": 240]],
            ["id": .string(pricingCallID), "title": "Acme Corp - Pricing discussion", "note": "Handling a budget objection", "addedBy": .string(managerID), "created": "2024-05-02T22:00:00Z", "url": .string("https://app.gong.io/call?id=\(pricingCallID)")],
        ]
        state.flows = [
            ["id": .string(flowID), "name": "Inbound demo request", "folderId": "1695493301223573465", "folderName": "Company flows", "visibility": "Company", "creationDate": "2023-11-02T17:00:00Z", "exclusive": true, "workspaceId": .string(mainWorkspaceID)],
            ["id": "1695493301223590800", "name": "Event follow-up", "folderId": "1695493301223573465", "folderName": "Company flows", "visibility": "Company", "creationDate": "2024-02-20T17:00:00Z", "exclusive": false, "workspaceId": .string(mainWorkspaceID)],
            ["id": "1695493301223590811", "name": "Personal nurture", "folderId": "1695493301223573470", "folderName": "Dana's flows", "visibility": "Personal", "creationDate": "2024-04-01T17:00:00Z", "exclusive": false, "workspaceId": .string(mainWorkspaceID)],
        ]
        state.prospectFlows = [
            ["flowId": "1695493301223590800", "flowName": "Event follow-up", "crmProspectId": "0033t00003XyZaBAAV", "flowInstanceId": "1234361284629356", "flowInstanceOwnerEmail": "dana.rep@example.com", "flowInstanceOwnerFullName": "Dana Rep", "flowInstanceCreateDate": "2024-05-06T16:00:00Z", "flowInstanceStatus": "Running", "workspaceId": .string(mainWorkspaceID), "exclusive": false],
            ["flowId": .string(flowID), "flowName": "Inbound demo request", "crmProspectId": "00Q3t00001QwErTEAV", "flowInstanceId": "1234361284629357", "flowInstanceOwnerEmail": "priya.shah@example.com", "flowInstanceOwnerFullName": "Priya Shah", "flowInstanceCreateDate": "2024-05-08T16:00:00Z", "flowInstanceStatus": "Completed", "workspaceId": .string(mainWorkspaceID), "exclusive": true],
        ]
        return state
    }

    static func tracker(_ id: String, _ name: String, _ keywords: [String], workspace: String) -> JSONObject {
        [
            "trackerId": .string(id), "trackerName": .string(name), "workspaceId": .string(workspace),
            "languageKeywords": [["language": "eng", "keywords": .array(keywords.map { .string($0) }), "includeRelatedForms": true]],
            "affiliation": "Anyone", "partOfQuestion": false, "saidAt": "Anytime", "created": "2023-03-01T17:00:00Z", "creatorUserId": .string(managerID),
            "updated": "2024-01-10T17:00:00Z", "updaterUserId": .string(managerID),
        ]
    }

    /// Parties, transcript, content, interaction and CRM context of one call.
    static func details(
        id: String, kind: String, host: Person, contact: (String, String), customer: (company: String, domain: String, contacts: [(String, String)]),
        duration: Int, dice: inout SandboxDice
    ) -> JSONObject {
        let hostName = "\(host.first) \(host.last)"
        let contactParts = contact.0.split(separator: " ")
        let contactEmail = "\(contactParts[0]).\(contactParts[1])".lowercased() + "@\(customer.domain)"
        let hostSpeaker = dice.digits(19), contactSpeaker = dice.digits(19)
        let parties: JSONValue = [
            [
                "id": .string(dice.digits(16)), "emailAddress": .string(email(host.first, host.last)), "name": .string(hostName), "title": .string(host.title),
                "userId": .string(host.id), "speakerId": .string(hostSpeaker), "affiliation": "Internal", "methods": ["Invitee"],
            ],
            [
                "id": .string(dice.digits(16)), "emailAddress": .string(contactEmail), "name": .string(contact.0), "title": .string(contact.1),
                "speakerId": .string(contactSpeaker), "affiliation": "External", "methods": ["Invitee"],
                "context": [["system": "Salesforce", "objects": [["objectType": "Contact", "objectId": .string("0033t0000\(dice.hex(6))AAV")]]]],
            ],
        ]
        let script = SandboxScripts.script(kind, company: customer.company, rep: hostName, customer: contact.0)
        var monologues: [JSONValue] = []
        var clock = 5_000
        let step = max(4_000, duration * 1000 / (script.lines.count + 1))
        for (speaker, text) in script.lines {
            let length = 2_000 + text.count * 55
            monologues.append([
                "speakerId": .string(speaker == .rep ? hostSpeaker : contactSpeaker), "topic": .string(script.topic),
                "sentences": [["start": .int(Int64(clock)), "end": .int(Int64(clock + length)), "text": .string(text)]],
            ])
            clock += step
        }
        let talkRep = Double(dice.int(38...66)) / 100
        return [
            "parties": parties,
            "transcript": .array(monologues),
            "context": [[
                "system": "Salesforce",
                "objects": [
                    ["objectType": "Account", "objectId": .string("0013t0000\(dice.hex(6))AAV"), "fields": [["name": "Name", "value": .string(customer.company)]]],
                    ["objectType": "Opportunity", "objectId": .string("0063t0000\(dice.hex(6))AAV"), "fields": [["name": "StageName", "value": .string(kind == "Pricing discussion" ? "Negotiation" : "Discovery")]]],
                ],
            ]],
            "content": [
                "structure": [["name": "Introduction", "duration": 120], ["name": .string(script.topic), "duration": .int(Int64(max(60, duration - 300)))], ["name": "Next steps", "duration": 180]],
                "topics": [["name": .string(script.topic), "duration": .int(Int64(duration * 6 / 10))], ["name": "Next Steps", "duration": .int(Int64(duration / 10))], ["name": "Small Talk", "duration": 90]],
                "trackers": [["id": "6840000929075400008", "name": "Pricing", "count": .int(kind == "Pricing discussion" ? 6 : Int64(dice.int(0...2))), "type": "KEYWORD"]],
                "brief": .string(script.summary),
                "outline": [["section": .string(script.topic), "startTime": 5, "duration": .int(Int64(duration - 60)), "items": .array(script.actionItems.prefix(2).map { ["text": .string($0), "startTime": .int(Int64(duration - 120))] })]],
                "highlights": [["title": "Next steps", "items": .array(script.actionItems.map { ["text": .string($0), "startTimes": [.int(Int64(duration - 120))]] })]],
                "keyPoints": .array(script.actionItems.map { ["text": .string($0)] }),
                "callOutcome": ["id": "1", "category": "Answered", "name": .string(kind == "Cold call" ? "Follow-up booked" : "Next meeting scheduled")],
                "pointsOfInterest": ["actionItems": .array(script.actionItems.map { ["snippetStartTime": .int(Int64(duration - 120)), "snippetEndTime": .int(Int64(duration - 100)), "speakerID": .string(hostSpeaker), "snippet": .string($0)] })],
            ],
            "interaction": [
                "speakers": [["id": .string(hostSpeaker), "userId": .string(host.id), "talkTime": .double(talkRep)], ["id": .string(contactSpeaker), "talkTime": .double(1 - talkRep)]],
                "interactionStats": [["name": "Talk Ratio", "value": .double(talkRep)], ["name": "Longest Monologue", "value": .int(Int64(dice.int(40...150)))], ["name": "Interactivity", "value": .double(Double(dice.int(30...80)) / 10)]],
                "questions": ["companyCount": .int(Int64(dice.int(3...14))), "nonCompanyCount": .int(Int64(dice.int(1...8)))],
            ],
        ]
    }
}
