#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Chorus sandbox's made-up workspace, Acme: a sales team, 24 recorded meetings and
/// dialer calls from February to April 2025 with transcripts and AI summaries, emails,
/// moments, playlists, scorecards and settings.
extension ChorusSandbox {
    /// Ids the definition's examples use.
    static let discoveryID = "EE8ED5BBBC254177B8201B9D84855949"
    static let pricingID = "423295C52B954F5EA9023D7A014546F6"
    static let deletableIDs = ["B7A1C3E5F7092B4D6E8F0A1C3E5B7D91", "5D1F3A7C9E2B4D6F8A0C2E4B6D8F0A13", "8E0A2C4E6B8D0F1A3C5E7B9D1F3A5C70", "9F1B3D5F7A9C1E3B5D7F9A1C3E5B7D82"]
    static let myLiveID = "7D2C9A41E0B34F5C8A6E1B2D3F4A5C6E"
    static let teammateLiveID = "6C1B8F30D9A24E4B9F5D0A1C2E3B4D5F"

    struct Member {
        var id: Int64
        var first: String
        var last: String
        var title: String
        var team: Int64
    }

    static let members: [Member] = [
        Member(id: 305921, first: "Jordan", last: "Lee", title: "Account Executive", team: 21460),
        Member(id: 305922, first: "Sofia", last: "Alvarez", title: "Account Executive", team: 21460),
        Member(id: 305923, first: "Marcus", last: "Chen", title: "Sales Development Rep", team: 21461),
        Member(id: 305924, first: "Hannah", last: "Okafor", title: "Sales Development Rep", team: 21461),
        Member(id: 305900, first: "Dana", last: "Whitfield", title: "Sales Manager", team: 21460),
        Member(id: 305901, first: "Ravi", last: "Patel", title: "SDR Manager", team: 21461),
        Member(id: 305930, first: "John", last: "Smith", title: "Revenue Operations Lead", team: 21462),
        Member(id: 305931, first: "Bill", last: "Jones", title: "VP Sales", team: 21462),
    ]

    static let accounts: [(name: String, domain: String, contacts: [(String, String)], deal: Int64)] = [
        ("Globex", "globex.com", [("Jane Doe", "Director of Finance"), ("Hank Scorpio", "CEO")], 120_000),
        ("Initech", "initech.com", [("Peter Gibbons", "Operations Manager"), ("Bill Lumbergh", "VP Operations")], 64_000),
        ("Umbrella Health", "umbrella-health.com", [("Alice Abernathy", "Head of Revenue Operations")], 88_000),
        ("Stark Logistics", "stark-logistics.com", [("Pepper Potts", "COO")], 150_000),
        ("Wayne Enterprises", "wayne-ent.com", [("Lucius Fox", "CTO")], 210_000),
        ("Soylent Foods", "soylent-foods.com", [("Sol Roth", "Controller")], 42_000),
    ]

    static func memberEmail(_ member: Member) -> String { "\(member.first).\(member.last)".lowercased() + "@acme.com" }

    static func seed() -> State {
        var state = State()
        var dice = SandboxDice(seed: 1789)
        for (index, member) in members.enumerated() {
            state.users.insert([
                "id": .int(member.id), "name": .string("\(member.first) \(member.last)"), "first_name": .string(member.first),
                "last_name": .string(member.last), "email": .string(memberEmail(member)), "title": .string(member.title),
                "person_id": .int(18_272_200 + Int64(index)), "team_ids": [.int(member.team)], "active": true,
                "role": .string(member.title.contains("Manager") || member.title.hasPrefix("VP") ? "manager" : "rep"),
                "created_on": .string("202\(2 + index % 3)-0\(1 + index % 9)-15T09:00:00Z"), "language": "en", "utc_offset": -8,
                "default_meeting_link": .string("https://acme.zoom.us/j/\(dice.digits(11))"),
            ])
        }
        for (id, name, manager, description) in [
            (21460, "Enterprise AEs", 305900, "Account executives for enterprise accounts"),
            (21461, "SDR Team", 305901, "Outbound sales development"), (21462, "Sales Leadership", 305931, "Leaders and operations"),
        ] as [(Int64, String, Int64, String)] {
            let users: [JSONValue] = members.filter { $0.team == id }.map { .int($0.id) } + [.int(manager)]
            state.teams.insert([
                "id": .string(String(id)), "name": .string(name), "description": .string(description), "manager": .int(manager),
                "users": .array(users), "default": .bool(id == 21460), "include_descendant_teams": false, "language": "en",
            ])
        }

        // 24 engagements: 16 in March 2025, 4 in February, 4 in April; six are dialer calls.
        let dialer: Set<Int> = [6, 7, 8, 9, 12, 13]
        for index in 0..<24 {
            let id: String
            switch index {
            case 0: id = discoveryID
            case 1: id = pricingID
            case 2...5: id = deletableIDs[index - 2]
            default: id = dice.hex(32)
            }
            let date: Date
            switch index {
            case 0: date = SandboxTime.utc(2025, 3, 4, 16)
            case 1: date = SandboxTime.utc(2025, 3, 6, 17, 30)
            case 16..<20: date = SandboxTime.utc(2025, 4, 1 + (index - 16) * 3, 15 + index % 3)
            case 20..<24: date = SandboxTime.utc(2025, 2, 17 + (index - 20) * 3, 16 + index % 2)
            default: date = SandboxTime.utc(2025, 3, 3 + index, 14 + index % 5, index % 2 == 0 ? 0 : 30)
            }
            let isDialer = dialer.contains(index)
            let owner: Member
            switch index {
            case 0, 1, 10: owner = members[0]
            case 6, 7: owner = members[index - 6]  // team 21460's connected dialer calls
            default: owner = isDialer ? members[2 + index % 2] : members[index % 2]
            }
            let accountIndex = index == 1 ? 1 : index == 10 ? 0 : index % accounts.count
            let account = accounts[accountIndex]
            let contact = account.contacts[index % account.contacts.count]
            let kind: String
            switch index {
            case 0: kind = "Discovery call"
            case 1: kind = "Pricing discussion"
            default: kind = isDialer ? "Cold call" : SandboxScripts.kinds[index % 4]
            }
            let duration = index == 6 || index == 7 ? Double(240 + index * 11) : isDialer ? Double(95 + dice.int(0...420)) : Double(1200 + dice.int(0...2400)) + 0.75
            let connected = isDialer ? index != 9 : true
            let record = conversation(
                id: id, index: index, kind: kind, owner: owner, account: account, contact: contact, date: date, duration: duration,
                dialer: isDialer, dice: &dice)
            state.conversations[id] = record.attributes
            state.engagements.insert(record.engagement(connected))
            if index != 5 && index % 7 != 3 { state.summarized.insert(id) }
        }
        for (id, owner, status) in [(myLiveID, members[6], "in_progress"), (teammateLiveID, members[1], "in_progress")] {
            state.live.insert([
                "id": .string(id), "name": .string(owner.id == 305930 ? "Weekly pipeline review" : "Stark Logistics - Product demo"),
                "status": .string(status), "source": "zoom", "owner": ["name": .string("\(owner.first) \(owner.last)"), "email": .string(memberEmail(owner)), "user_id": .int(owner.id)],
                "participants": [["name": .string("\(owner.first) \(owner.last)"), "email": .string(memberEmail(owner)), "type": "rep", "user_id": .int(owner.id)]],
                "_created_at": "2025-03-20T16:00:00Z", "_modified_at": "2025-03-20T16:04:00Z",
                "recording": [
                    "start_time": "2025-03-20T16:01:00Z", "recordable": true, "autojoin": true,
                    "utterances": [["index": 0, "snippet": "Let's get started with the numbers for this week.", "snippet_time": 4.5, "speaker_name": .string("\(owner.first) \(owner.last)"), "speaker_type": "rep"]],
                ],
            ])
        }

        // Email threads with Globex, Initech and Umbrella Health.
        let threads: [(String, Int, String)] = [("1865f2a9c7d3b0e1", 0, "Globex renewal and expansion"), ("1865f2a9c7d3b0e2", 1, "Initech pricing follow-up"), ("1865f2a9c7d3b0e3", 2, "Umbrella Health security review"), ("1865f2a9c7d3b0e4", 0, "Globex renewal paperwork")]
        var emailIndex = 0
        for (threadID, accountIndex, subject) in threads {
            state.threads.insert(["id": .string(threadID), "private": false, "deleted": false])
            let account = accounts[accountIndex]
            let contact = account.contacts[0]
            let parts = contact.0.split(separator: " ")
            let contactEmail = "\(parts[0]).\(parts[1])".lowercased() + "@\(account.domain)"
            for message in 0..<(threadID.hasSuffix("1") ? 5 : 3) {
                let id = emailIndex == 0 ? "5f1c2a9e7b3d4c10a1b2c3d4" : dice.hex(24, uppercase: false)
                let sent = SandboxTime.utc(2025, 3, 2 + emailIndex * 2, 15 + message)
                let fromRep = message % 2 == 0
                let rep = members[accountIndex == 1 ? 0 : emailIndex % 2]
                let body = fromRep
                    ? "Hi \(parts[0]),\n\nFollowing up on our call: I've attached the updated proposal for \(account.name). Let me know if Thursday works to review it together.\n\nBest,\n\(rep.first)"
                    : "Thanks \(rep.first), Thursday at 10 works. Please include the rollout timeline.\n\n\(parts[0])"
                state.emails.insert([
                    "id": .string(id), "name": .string((message == 0 ? "" : "Re: ") + subject), "language": "en",
                    "_created_at": .string(SandboxTime.iso(sent)), "_modified_at": .string(SandboxTime.iso(sent)),
                    "email": [
                        "body": .string(body), "sent_time": .string(SandboxTime.iso(sent)), "thread": .string(threadID),
                        "initiator": fromRep ? ["name": .string("\(rep.first) \(rep.last)"), "email": .string(memberEmail(rep))] : ["name": .string(contact.0), "email": .string(contactEmail)],
                    ],
                    "owner": ["name": .string("\(rep.first) \(rep.last)"), "email": .string(memberEmail(rep)), "user_id": .int(rep.id)],
                    "participants": [
                        ["name": .string("\(rep.first) \(rep.last)"), "email": .string(memberEmail(rep)), "type": "rep", "company_name": "Acme"],
                        ["name": .string(contact.0), "email": .string(contactEmail), "type": "cust", "company_name": .string(account.name), "title": .string(contact.1)],
                    ],
                    "account": ["id": .int(Int64(7_000 + accountIndex)), "name": .string(account.name)],
                ])
                emailIndex += 1
            }
        }

        // Moments, playlists and their clips.
        for (index, (id, callID, subject, shared)) in [
            ("11111", pricingID, "Pricing objection handled well", "2025-03-07T10:00:00Z"), ("11112", discoveryID, "Great discovery question about budget", "2025-03-05T09:30:00Z"),
            ("11113", discoveryID, "Customer describes quarter-end pain", "2025-02-12T14:00:00Z"), ("11114", pricingID, "Phased rollout proposal", "2025-04-02T16:20:00Z"),
        ].enumerated() {
            let conversation = state.conversations[callID] ?? [:]
            state.moments.insert([
                "id": .string(id), "conversation": .string(callID), "subject": .string(subject), "start": .double(Double(60 + index * 140)), "duration": 45,
                "recording_duration": conversation["recording"]?["duration"] ?? 0, "shared_on": .string(shared), "internal_only": .bool(index % 2 == 0),
                "read_receipts": true, "link": .string("https://chorus.ai/m/\(dice.hex(10, uppercase: false))"),
                "user": ["id": "305921", "name": "Jordan Lee", "email": "jordan.lee@acme.com"], "account": conversation["account"] ?? [:],
                "note": "Good example for new hires.",
            ])
        }
        for (id, name, parent, type) in [
            ("12345", "Coaching: objection handling", nil, "playlist"), ("67890", "Pricing objections", "12345", "playlist"),
            ("12346", "New hire onboarding", nil, "playlist"), ("12347", "Discovery best practices", "12346", "playlist"),
            ("12348", "Competitive wins", nil, "playlist"), ("23456", "Negotiation calls mentioning discounts", nil, "smart_playlist"),
        ] as [(String, String, String?, String)] {
            var playlist: JSONObject = [
                "id": .string(id), "name": .string(name), "description": .string("Curated by sales enablement: \(name.lowercased())."), "playlist_type": .string(type),
                "_created_at": "2024-11-12T10:00:00Z", "_modified_at": .string("2025-0\(1 + Int(id.suffix(1))! % 3)-1\(id.suffix(1))T10:00:00Z"),
                "_modified_by": 305900, "private": false, "subscribed": .bool(id != "12348"),
                "owner": ["name": "Dana Whitfield", "user_id": 305900, "person_id": 18_272_204],
            ]
            playlist["parent"] = parent.map { .int(Int64($0)!) } ?? .null
            if type == "smart_playlist" {
                playlist["custom_search"] = ["run": ["filters": ["team_ids": [21460], "extra_data.StageName": ["Negotiation"]], "searches": [["type": "text", "value": "discount"]], "tracker_operation": "or"]]
            }
            state.playlists.insert(playlist)
        }
        for (id, playlist, callID, time) in [("11111", 12345, pricingID, 512), ("11112", 67890, discoveryID, 230), ("11113", 12347, discoveryID, 95)] as [(String, Int64, String, Int64)] {
            let conversation = state.conversations[callID] ?? [:]
            state.playlistMoments.insert([
                "id": .string(id), "playlist": .int(playlist), "call_id": .string(callID), "subject": conversation["name"] ?? "", "description": "Worth a listen.",
                "snippet_time": .int(time), "moment_duration": 45, "date_time": "2025-03-10T12:00:00Z", "_created_at": "2025-03-10T12:00:00Z", "_created_by": 305900,
                "recording": ["duration": conversation["recording"]?["duration"] ?? 0, "owner": conversation["owner"]?["user_id"] ?? 0],
                "account": conversation["account"] ?? [:], "meta": ["is_new": false, "was_played": true], "user_name": "Dana Whitfield",
            ])
        }

        state.filters.insert(["id": "123", "filter_name": "Product", "filter_type": "TrustRadius", "field_type": "picklist", "filter_values": "{\"ZoomInfo SalesOS\": \"zi-sales\"}"])
        state.filters.insert(["id": "124", "filter_name": "Region", "filter_type": "G2", "field_type": "text", "filter_values": "{}"])
        state.reports = ["4821", "4822"]
        state.qualifications[discoveryID] = qualification(discoveryID, state.conversations[discoveryID]!, dice: &dice)
        state.frameworks.insert([
            "id": "123", "name": "MEDDIC", "is_active": true,
            "fields": [
                ["id": "metrics", "display_name": "Metrics", "order": 1, "mapping": "MEDDIC_Metrics__c", "write_back": "APPEND"],
                ["id": "economic_buyer", "display_name": "Economic Buyer", "order": 2, "mapping": "MEDDIC_Economic_Buyer__c", "write_back": "OVERWRITE"],
            ],
        ])
        state.frameworks.insert(["id": "124", "name": "BANT", "is_active": false, "fields": [["id": "budget", "display_name": "Budget", "order": 1, "mapping": "BANT_Budget__c", "write_back": "NONE"]]])
        for (id, name) in [("98765", "My team's discovery calls"), ("98766", "Calls mentioning competitors")] {
            state.savedSearches.insert([
                "id": .string(id), "name": .string(name), "search_type": "FILTER", "private": true, "system_default": false, "user_default": .bool(id == "98766"),
                "user": .int(meUserID), "_created_at": "2025-01-08T09:00:00Z", "_created_by": .int(meUserID), "_modified_at": "2025-02-01T09:00:00Z",
                "last_accessed_at": "2025-03-01T09:00:00Z", "run": ["filters": ["team_ids": [21460]]], "show": [:], "tell": [:],
            ])
        }
        let engagementIDs = state.engagements.rows.compactMap { $0["engagement_id"]?.stringValue }
        for index in 0..<30 {
            let recipient = members[index % 4]
            let reviewer = recipient.team == 21460 ? members[4] : members[5]
            state.scorecards.insert([
                "id": .string(String(70_001 + index)), "engagement": .string(engagementIDs[index % engagementIDs.count]),
                "initiative": index % 3 == 0 ? ["id": 43, "name": "Objection handling", "description": "Handling price and timing objections", "url": "https://chorus.ai/initiatives/43"] : ["id": 42, "name": "Discovery excellence", "description": "Asking about pain, impact and process", "url": "https://chorus.ai/initiatives/42"],
                "recipient": ["name": .string("\(recipient.first) \(recipient.last)"), "user_id": .int(recipient.id), "person_id": .int(18_272_200 + Int64(index % 4))],
                "reviewer": ["name": .string("\(reviewer.first) \(reviewer.last)"), "user_id": .int(reviewer.id), "person_id": 18_272_204],
                "scores": [
                    ["question": ["id": 1, "text": "Did the rep uncover the business pain?"], "score": .int(Int64(2 + index % 4)), "comment": ["text": "Good follow-up questions.", "time": 310]],
                    ["question": ["id": 2, "text": "Were next steps agreed with a date?"], "score": .int(Int64(1 + index % 5))],
                ],
                "seen": .bool(index % 2 == 0), "submitted": .string(SandboxTime.iso(SandboxTime.utc(2025, 1 + index % 3, 3 + index % 25, 18))),
                "url": .string("https://chorus.ai/scorecards/\(70_001 + index)"),
            ])
        }
        state.videoConferences.insert(["id": "8992359323", "provider": "ZOOM", "go_link": "https://go.chorus.ai/8992359323"])
        state.webhooks.insert(["id": 501, "url": "https://hooks.example.com/chorus/recording-done", "events": [["event_name": "recording_done", "filter_arguments": ["es_args": ["duration_min": 60]]]]])
        state.webhooks.insert(["id": 502, "url": "https://hooks.example.com/chorus/crm-sync", "events": [["event_name": "recording_done"]]])
        return state
    }

    /// One recorded conversation: its JSON:API attributes and its `/v3/engagements` row.
    struct Recorded {
        var attributes: JSONObject
        var engagement: (Bool) -> JSONObject
    }

    static func conversation(
        id: String, index: Int, kind: String, owner: Member, account: (name: String, domain: String, contacts: [(String, String)], deal: Int64),
        contact: (String, String), date: Date, duration: Double, dialer: Bool, dice: inout SandboxDice
    ) -> Recorded {
        let ownerName = "\(owner.first) \(owner.last)"
        let parts = contact.0.split(separator: " ")
        let contactEmail = "\(parts[0]).\(parts[1])".lowercased() + "@\(account.domain)"
        let personID = Int64(18_300_000 + index)
        let participants: [JSONValue] = [
            ["name": .string(ownerName), "email": .string(memberEmail(owner)), "company_name": "Acme", "title": .string(owner.title), "type": "rep", "user_id": .int(owner.id), "person_id": .int(18_272_200 + owner.id % 100), "is_my_team": .bool(owner.team == 21460)],
            ["name": .string(contact.0), "email": .string(contactEmail), "company_name": .string(account.name), "title": .string(contact.1), "type": "cust", "person_id": .int(personID), "is_my_team": false],
        ]
        let script = SandboxScripts.script(kind, company: account.name, rep: ownerName, customer: contact.0)
        var utterances: [JSONValue] = []
        var clock = 3.5
        let spacing = max(6, duration / Double(script.lines.count + 1))
        for (position, line) in script.lines.enumerated() {
            let words = line.1.split(separator: " ").count
            utterances.append([
                "id": .string("\(id.prefix(8))-\(position)"), "index": .int(Int64(position)), "snippet": .string(line.1),
                "snippet_time": .double((clock * 10).rounded() / 10), "snippet_length": .double(Double(words) * 0.4), "snippet_word_count": .int(Int64(words)),
                "speaker_name": .string(line.0 == .rep ? ownerName : contact.0), "speaker_type": .string(line.0 == .rep ? "rep" : "cust"),
                "speaker_id": .int(line.0 == .rep ? 1 : 2), "participant": .int(line.0 == .rep ? 0 : 1), "engaging": .bool(line.1.hasSuffix("?")),
                "date_time": .string(SandboxTime.iso(date.addingTimeInterval(clock))), "expired": false,
            ])
            clock += spacing
        }
        let repShare = Double(dice.int(40...65)) / 100
        let start = SandboxTime.iso(date)
        let dealID = "0065e0000\(dice.hex(9))"
        let attributes: JSONObject = [
            "name": .string(dialer ? "Call with \(contact.0)" : "\(account.name) - \(kind)"), "_created_at": .string(start),
            "_modified_at": .string(SandboxTime.iso(date.addingTimeInterval(duration + 900))),
            "account": ["id": .int(Int64(7_000 + index % accounts.count)), "name": .string(account.name), "ext_id": .string("0015e0000\(dice.hex(9))"), "type": "Prospect"],
            "deal": ["id": .string(dealID), "name": .string("\(account.name) - New Business"), "current_stage": .string(kind == "Pricing discussion" ? "Negotiation" : "Discovery"), "initial_amount": .int(account.deal), "close_date": "2025-06-30T00:00:00Z"],
            "owner": ["name": .string(ownerName), "email": .string(memberEmail(owner)), "user_id": .int(owner.id), "person_id": .int(18_272_200 + owner.id % 100)],
            "participants": .array(participants), "language": "en", "status": "done", "source": .string(dialer ? "dialer" : "zoom"), "private": false,
            "summary": .string(script.summary), "recap": .array(script.lines.prefix(3).map { .string($0.1) }), "action_items": .array(script.actionItems.map { .string($0) }),
            "metrics": [["name": "talk_ratio", "value": .double(repShare)], ["name": "engaging_questions", "value": .int(Int64(utterances.filter { $0["engaging"] == true }.count))], ["name": "longest_monologue", "value": .int(Int64(dice.int(40...150)))]],
            "meeting": dialer ? [:] : ["id": .string(dice.hex(16, uppercase: false)), "meeting_url": .string("https://acme.zoom.us/j/\(dice.digits(11))"), "calendar_id": .string(memberEmail(owner))],
            "recording": [
                "start_time": .string(start), "duration": .double(duration), "audio_only": .bool(dialer), "autojoin": .bool(!dialer), "recordable": true, "has_meeting_summary": true,
                "utterances": .array(utterances),
                "clusters": [
                    ["id": 1, "speaker_name": .string(ownerName), "display_name": .string(ownerName), "type": "rep", "user_id": .int(owner.id), "company_name": "Acme", "participant": 0, "match_method": "voice", "ranges": [["start": 3.5, "length": .double((duration * repShare).rounded()), "talk_time": .double((duration * repShare).rounded())]]],
                    ["id": 2, "speaker_name": .string(contact.0), "display_name": .string(contact.0), "type": "cust", "company_name": .string(account.name), "participant": 1, "match_method": "guess", "ranges": [["start": 9.0, "length": .double((duration * (1 - repShare)).rounded()), "talk_time": .double((duration * (1 - repShare)).rounded())]]],
                ],
                "trackers": [["id": "trk-pricing", "name": "Pricing", "type": "chorus", "count": .int(kind == "Pricing discussion" ? 5 : 1), "mentions": [["offset": 120, "utterance": 2]]]],
            ],
        ]
        let compliance = dice.pick(["compliant", "non-compliant", "unknown"])
        let engagement: (Bool) -> JSONObject = { connected in
            [
                "engagement_id": .string(id), "engagement_type": .string(dialer ? "dialer" : "meeting"), "subject": attributes["name"]!,
                "date_time": .int(Int64(date.timeIntervalSince1970)), "duration": .double(duration), "language": "en",
                "account_id": .string(String(7_000 + index % accounts.count)), "account_name": .string(account.name),
                "opportunity_id": .string(dealID), "opportunity_name": .string("\(account.name) - New Business"),
                "user_id": .int(owner.id), "user_name": .string(ownerName), "user_email": .string(memberEmail(owner)),
                "participants": .array(participants.map { person in
                    var shown = person.objectValue ?? [:]
                    shown["is_my_team"] = nil
                    return .object(shown)
                }),
                "initiator": .string(memberEmail(owner)), "compliance": .string(compliance), "no_show": false,
                "disposition_connected": .bool(dialer ? connected : false), "disposition_gatekeeper": .bool(dialer && !connected),
                "disposition_tree": false, "disposition_voicemail": .bool(dialer && !connected),
                "num_cust_questions": .int(Int64(utterances.filter { $0["speaker_type"] == "cust" && $0["engaging"] == true }.count)),
                "num_engaging_questions": .int(Int64(utterances.filter { $0["engaging"] == true }.count)),
                "processing_state": "done", "url": .string("https://chorus.ai/meeting/\(id)"),
                "tracker_matches": [["name": "Pricing", "num_matches": .int(kind == "Pricing discussion" ? 5 : 1), "type": "chorus"], ["name": "Next Steps", "num_matches": 2, "type": "chorus"]],
            ]
        }
        return Recorded(attributes: attributes, engagement: engagement)
    }
}
