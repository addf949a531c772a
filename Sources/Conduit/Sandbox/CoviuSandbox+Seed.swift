#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Coviu sandbox's made-up clinic: one team, its consultations in February and
/// March 2025 (Australian Eastern Daylight Time), a waiting area and two collections.
extension CoviuSandbox {
    /// Ids the definition's examples use.
    static let upcomingSessionID = "6b8e2f14-3c5a-4d7e-9f21-8a0c4b7d2e93"
    static let guestParticipantID = "e3a41c7d-5b92-4f06-8d1e-7c2b9a4f6013"
    static let finishedSessionID = "c4d6e8f0-2a4b-4c6d-8e0f-1a2b3c4d5e6f"
    static let cancellableSessionID = "d8f0a2c4-6e8a-4b0c-9d2e-4f6a8b0c2e41"
    static let waitingCallID = "a2c4e6f8-1b3d-4f5a-8c7e-9d0b2a4c6e81"
    static let recordedSubmissionID = "1f3b5d7a-9c2e-4a6b-8d0f-2b4d6f8a1c37"
    static let videoFileID = "4e6a8c0b-2d4f-4b8a-9c1e-3f5a7b9d0e62"

    static let clinicians = ["Dr Priya Raman", "Dr Mei Chen", "Dr Tom Nguyen", "Jess Walker (physiotherapist)"]
    static let patients = [
        "Sam Taylor", "Olivia Brown", "Noah Williams", "Ava Jones", "Liam Smith", "Isla Wilson", "Jack Martin", "Mia Anderson",
        "Leo Thompson", "Ruby White", "Henry Harris", "Chloe Lewis", "Oscar Walker", "Zoe Hall",
    ]
    static let kinds = [
        "Follow-up consultation", "Initial consultation", "Medication review", "Physio review", "Mental health check-in",
        "Post-operative review",
    ]

    /// AEDT, the clinic's time zone.
    static let clinicOffset = 11 * 3600

    static func seed() -> State {
        var state = State()
        var dice = SandboxDice(seed: 2025)
        // 23 live sessions: 16 finished (17 – 28 February), one under way and six
        // scheduled (from 4 March, clinic time), plus two cancelled ones.
        var slots: [(date: Date, kind: String, clinician: String, patient: String)] = []
        for index in 0..<25 {
            let date: Date
            switch index {
            case 0..<16: date = SandboxTime.utc(2025, 2, 16, 22).addingTimeInterval(Double(index * 3 / 4) * 86_400 + Double(index % 3) * 7_200)
            case 16: date = SandboxTime.utc(2025, 3, 3, 20)
            case 17: date = SandboxTime.utc(2025, 3, 3, 22)
            case 18..<23: date = SandboxTime.utc(2025, 3, 5 + (index - 18) * 2, 22 + index % 2)
            default: date = SandboxTime.utc(2025, 3, 6 + (index - 23) * 4, 23)
            }
            slots.append((date, kinds[index % kinds.count], clinicians[index % clinicians.count], patients[index % patients.count]))
        }
        for (index, slot) in slots.enumerated() {
            let id: String
            switch index {
            case 3: id = finishedSessionID
            case 17: id = upcomingSessionID
            case 19: id = cancellableSessionID
            default: id = dice.uuid()
            }
            let length: Double = slot.kind == "Initial consultation" ? 45 * 60 : 30 * 60
            let start = slot.date
            let patient = index == 17 ? "Sam Taylor" : slot.patient
            let clinician = index == 17 ? "Dr Priya Raman" : slot.clinician
            var session: JSONObject = [
                "session_id": .string(id), "session_name": .string("\(slot.kind) - \(patient)"),
                "start_time": .string(SandboxTime.iso(start, offset: clinicOffset)),
                "end_time": .string(SandboxTime.iso(start.addingTimeInterval(length), offset: clinicOffset)),
            ]
            let finished = index < 16
            if finished {
                session["actual_end_time"] = .string(SandboxTime.iso(start.addingTimeInterval(length - Double(dice.int(0...8) * 60)), offset: clinicOffset))
            }
            session["picture"] = "https://clinic.example.com/logo.png"
            session["team_id"] = .string(teamID)
            session["client_id"] = .string(apiClientID)
            state.sessions.insert(session)
            if index >= 23 { state.canceled.insert(id) }

            let appointment = "appt-\(10465 + index)"
            let host: JSONObject = participant(
                dice.uuid(), session: id, name: clinician, role: "HOST", state: appointment,
                extra: ["coviu_user_id": .string(dice.uuid()), "user_hint": .string(clinician.lowercased().replacing(" ", with: ".") + "@clinic.example.com")])
            let guestID = index == 17 ? guestParticipantID : dice.uuid()
            let guest = participant(
                guestID, session: id, name: patient, role: "GUEST", state: appointment,
                extra: ["phone": .string("+614\(dice.digits(8))")])
            state.participants.insert(host)
            state.participants.insert(guest)
            if index % 5 == 2 {
                // A carer who was invited and later removed.
                var carer = participant(dice.uuid(), session: id, name: "Carer of \(patient)", role: "GUEST", state: appointment, extra: [:])
                carer["deleted_at"] = .string(SandboxTime.iso(start.addingTimeInterval(-3600), offset: clinicOffset))
                state.participants.insert(carer)
            }
            if finished || index == 16 {
                var entries: [JSONObject] = []
                for (offset, person) in [host, guest].enumerated() {
                    let entered = start.addingTimeInterval(Double(offset * 90 + dice.int(0...120)))
                    var entry: JSONObject = [
                        "participant_id": person["participant_id"]!, "role": person["role"]!,
                        "entry_time": .string(SandboxTime.iso(entered, offset: clinicOffset)),
                    ]
                    if finished {
                        entry["exit_time"] = [
                            "left_at": .string(SandboxTime.iso(start.addingTimeInterval(length - Double(dice.int(0...8) * 60)), offset: clinicOffset)),
                            "left_reason": .string(offset == 0 ? "ended_call" : dice.pick(["left", "ended_call", "connection_lost"])),
                        ]
                    }
                    let sent = Double(dice.int(400...1500))
                    let received = Double(dice.int(400...1500))
                    entry["bandwidth"] = [
                        "min_sent_bandwidth": .double(sent * 0.4), "max_sent_bandwidth": .double(sent * 1.6), "avg_sent_bandwidth": .double(sent),
                        "min_receive_bandwidth": .double(received * 0.4), "max_receive_bandwidth": .double(received * 1.6),
                        "avg_receive_bandwidth": .double(received),
                    ]
                    entries.append(entry)
                }
                state.attendance[id] = entries
            }
        }

        // The waiting area: three callers waiting in the main queue, one after hours,
        // one who has already been seen.
        let waitingNames = [("Olivia Brown", "Script renewal"), ("Noah Williams", "Sore throat"), ("Ava Jones", "Test results"), ("Leo Thompson", "After-hours advice"), ("Mia Anderson", "Follow-up")]
        for (index, caller) in waitingNames.enumerated() {
            let joined = SandboxTime.utc(2025, 3, 3, 22, 5 + index * 4)
            var call: JSONObject = [
                "callId": .string(index == 0 ? waitingCallID : dice.uuid()), "teamId": .string(teamID),
                "waitingQueueId": .string(index == 3 ? afterHoursQueueID : queueID),
                "callType": .string(index == 2 ? "phone" : "video"), "peerId": .string("peer-\(dice.hex(10, uppercase: false))"),
                "socketId": .string(dice.uuid()),
                "details": .string(JSONValue.object(["name": .string(caller.0), "reason": .string(caller.1)]).jsonString),
                "joinedAt": .string(SandboxTime.iso(joined)), "startedAt": .string(SandboxTime.iso(joined)),
                "lastActivityAt": .string(SandboxTime.iso(joined.addingTimeInterval(40))),
            ]
            if index == 1 { call["onHoldAt"] = .string(SandboxTime.iso(joined.addingTimeInterval(120))) }
            if index == 4 {
                call["sessionId"] = .string(upcomingSessionID)
                call["answeredAt"] = .string(SandboxTime.iso(joined.addingTimeInterval(300)))
                call["leftQueueAt"] = .string(SandboxTime.iso(joined.addingTimeInterval(300)))
                call["finishedAt"] = .string(SandboxTime.iso(joined.addingTimeInterval(1500)))
            }
            state.waiting.insert(call)
        }

        state.collections.insert(collection(id: "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b", collectionID: recordingsCollectionID, reference: "consult-recordings", name: "Consultation recordings", read: "restricted"))
        state.collections.insert(collection(id: "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", collectionID: formsCollectionID, reference: "intake-forms", name: "Patient intake forms", read: "team"))
        let users = (0..<4).map { _ in dice.uuid() }
        let sessionIDs = state.sessions.rows.compactMap { $0["session_id"]?.stringValue }
        for index in 0..<29 {
            let recording = index < 25
            let created = SandboxTime.utc(2025, 2, 20).addingTimeInterval(Double(index) * 86_400 * 0.8 + Double(dice.int(0...20_000)))
            let id = index == 21 ? recordedSubmissionID : dice.uuid()
            var submission: JSONObject = [
                "secure_collection_id": .string(recording ? recordingsCollectionID : formsCollectionID), "item_submission_id": .string(id),
                "session_id": .string(sessionIDs[index % sessionIDs.count]),
                "collection_location": .string(recording ? "call-recording" : "waiting-area-form"),
                "submitting_user_id": .string(users[index % users.count]),
                "created_at": .string(SandboxTime.iso(created)), "updated_at": .string(SandboxTime.iso(created.addingTimeInterval(600))),
                "action_status": .bool(index % 4 != 0),
            ]
            if index % 7 == 0 { submission["locked_at"] = .string(SandboxTime.iso(created.addingTimeInterval(3600))) }
            let fileID = id == recordedSubmissionID ? videoFileID : dice.uuid()
            submission["files"] = [
                [
                    "id": .string(fileID),
                    "metadata": recording
                        ? ["content_type": "video/webm", "name": "consultation.webm", "duration_seconds": 1]
                        : ["content_type": "application/pdf", "name": "intake-form.pdf"],
                    "size": .int(Int64(recording ? SandboxMedia.videoWebM.count : 48_213)),
                    "created_at": .string(SandboxTime.iso(created)), "updated_at": .string(SandboxTime.iso(created)),
                ]
            ]
            if recording { submission["recording"] = true }
            state.submissions.insert(submission)
        }
        return state
    }

    static func participant(_ id: String, session: String, name: String, role: String, state: String, extra: JSONObject) -> JSONObject {
        var participant: JSONObject = [
            "participant_id": .string(id), "session_id": .string(session), "client_id": .string(apiClientID),
            "display_name": .string(name), "entry_url": .string("https://coviu.com/session/\(session.prefix(8))?p=\(id.prefix(13))"),
            "role": .string(role), "state": .string(state),
        ]
        for (key, value) in extra { participant[key] = value }
        return participant
    }

    static func collection(id: String, collectionID: String, reference: String, name: String, read: String) -> JSONObject {
        [
            "id": .string(id), "team_id": .string(teamID), "collection_id": .string(collectionID), "collection_reference": .string(reference),
            "name": .string(name), "read_setting": .string(read), "delete_setting": "restricted",
            "created_at": "2024-11-04T23:12:09Z", "updated_at": "2025-01-20T03:40:51Z",
        ]
    }
}
