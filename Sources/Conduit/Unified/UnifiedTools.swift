/// The vendor-neutral meeting and user tools (PRODUCT.md, "Unified conversational-
/// intelligence tools"): their names, arguments and result shapes are the same for
/// every integration; what each calls is the definition's `unified` mapping.
enum UnifiedTools {
    /// The most records one unified list page holds.
    static let maximumLimit = 100
    static let defaultLimit = 20

    static func name(_ operation: UnifiedMapping.Operation) -> String {
        switch operation {
        case .listMeetings: "list_all_meetings"
        case .getMeeting: "get_single_meeting_by_id"
        case .meetingTranscript: "get_single_meeting_transcript_by_id"
        case .listUsers: "list_all_users"
        case .getUser: "get_single_user_by_id"
        }
    }

    /// The tools a definition's mapping declares, in a fixed order.
    static func tools(for definition: IntegrationDefinition) -> [Tool] {
        guard let mapping = definition.unified else { return [] }
        return UnifiedMapping.Operation.allCases.compactMap { operation in
            mapping.operations[operation].map { tool(operation, $0, definition: definition) }
        }
    }

    private static let vendorNeutral =
        "Vendor-neutral: the same tool, arguments and result shape for every conversation-intelligence integration conduit serves, so a prompt written against it works whichever vendor the account uses. Prefer it for meetings, attendees, transcripts and users; use the vendor's own tools for what it does not cover."

    private static func tool(_ operation: UnifiedMapping.Operation, _ spec: UnifiedOperation, definition: IntegrationDefinition) -> Tool {
        let title = definition.title
        var properties = JSONObject()
        var required: [String] = []
        let summary: String
        var text: String
        let group = operation.rawValue.hasPrefix("meetings") ? "meetings" : "users"
        func takesID(_ description: String) {
            properties["id"] = ["type": "string", "description": .string(description)]
            required.append("id")
        }
        switch operation {
        case .listMeetings:
            summary = "List meetings (unified)"
            let lookback = spec.window?.lookbackDays ?? 3650
            text =
                "\(title) meetings, newest first, as unified Meeting records: id, title, start_time/end_time (ISO 8601 UTC), duration (whole seconds), status, type, meeting_url, audio_recording_url, video_recording_url, topics, attendees ({id, name, email, is_host, type user|guest, company}), created_at, updated_at, source {integration, id, url}. A field \(title) cannot give is null. Without start_time_from the list reaches back \(lookback) days. To find the latest meeting with someone, pass attendee_email and limit 1."
            properties["start_time_from"] = ["type": "string", "format": "date-time", "description": "Only meetings starting at or after this instant (ISO 8601)."]
            properties["start_time_to"] = ["type": "string", "format": "date-time", "description": "Only meetings starting before this instant (ISO 8601)."]
            properties["attendee_email"] = ["type": "string", "description": "Only meetings with an attendee of this email address (exact, any case)."]
            properties["user_id"] = ["type": "string", "description": "Only meetings this user hosted (an id from list_all_users)."]
        case .getMeeting:
            summary = "Get one meeting (unified)"
            text =
                "One \(title) meeting as a unified Meeting record, with every field \(title) can give (null for the rest). id is a meeting id from list_all_meetings."
            takesID("The meeting id (list_all_meetings).")
        case .meetingTranscript:
            summary = "Get a meeting's transcript (unified)"
            text =
                "The transcript of one \(title) meeting as {meeting_id, segments, source}: each segment has speaker_id, speaker_name, speaker_email, speaker_type (user|guest|unknown), start_time and end_time (seconds from the start of the recording) and text, in spoken order."
            takesID("The meeting id (list_all_meetings).")
        case .listUsers:
            summary = "List users (unified)"
            text = "The \(title) workspace's users as unified User records: id, name, email, title, active, created_at, source {integration, id, url}."
        case .getUser:
            summary = "Get one user (unified)"
            text = "One \(title) user as a unified User record. id is a user id from list_all_users (the user_id filter of list_all_meetings takes the same ids)."
            takesID("The user id (list_all_users).")
        }
        text += " " + vendorNeutral
        if let note = spec.note { text += "\n\n" + note }
        let isList = operation == .listMeetings || operation == .listUsers
        properties["include_remote_data"] = [
            "type": "boolean", "default": false, "description": .string("Also return \(title)'s own object of each record as remote_data."),
        ]
        if isList {
            properties["limit"] = [
                "type": "integer", "minimum": 1, "maximum": .int(Int64(maximumLimit)),
                "description": .string("Page size (default \(defaultLimit))."),
            ]
            properties["next_cursor"] = ["type": "string", "description": "The previous page's next_cursor, exactly as received."]
        }
        if operation != .meetingTranscript {
            properties["response_fields"] = [
                "type": "array", "items": ["type": "string"], "description": "Fields to keep per record (dotted paths, \"a.b\").",
            ]
        }
        var inputSchema: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { inputSchema["required"] = .array(required.map { .string($0) }) }
        inputSchema["additionalProperties"] = false

        let record: JSONValue = group == "meetings" ? meetingSchema : userSchema
        let output: JSONObject
        switch operation {
        case .listMeetings, .listUsers:
            output = [
                "type": "object",
                "properties": ["result": ["type": "array", "items": record], "next_cursor": ["type": ["string", "null"]]],
                "required": ["result", "next_cursor"],
            ]
        case .getMeeting, .getUser:
            output = record.objectValue ?? [:]
        case .meetingTranscript:
            output = [
                "type": "object",
                "properties": [
                    "meeting_id": ["type": "string"],
                    "segments": ["type": "array", "items": segmentSchema],
                    "source": sourceSchema,
                ],
                "required": ["meeting_id", "segments"],
            ]
        }

        let resource = ResourceDefinition(name: group, singular: group == "meetings" ? "meeting" : "user", title: nil, description: nil, tags: [], methods: [])
        let kind: MethodKind = isList ? .list : .get
        let method = MethodDefinition(
            name: kind.rawValue, kind: kind, http: "GET", path: "", summary: summary, description: text, scopes: [], tags: [],
            parameters: [], body: nil, pagination: nil, resultsPaths: [JSONPath("result")], binaryResponse: false, responseMediaTypes: [],
            asyncNote: nil, readOnly: true, idempotent: true, destructive: false, outputSchema: output, examples: spec.examples)
        var routes: [(argument: String, route: ArgumentRoute)] = []
        if isList {
            routes = [("limit", .limit), ("next_cursor", .nextCursor)]
        }
        if operation != .meetingTranscript { routes.append(("response_fields", .responseFields)) }
        return Tool(
            name: name(operation), title: summary, description: text, inputSchema: inputSchema, outputSchema: output,
            annotations: ToolAnnotations(title: summary, readOnly: true, destructive: false, idempotent: true, openWorld: true),
            tags: ["unified", group], resource: resource, method: method, routes: routes, defaults: [], unified: operation)
    }

    private static let nullableString: JSONValue = ["type": ["string", "null"]]
    private static let instant: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    private static let sourceSchema: JSONValue = [
        "type": "object",
        "properties": ["integration": ["type": "string"], "id": ["type": ["string", "null"]], "url": ["type": ["string", "null"]]],
    ]

    static let meetingSchema: JSONValue = [
        "type": "object",
        "properties": [
            "id": ["type": "string"], "title": nullableString, "start_time": instant, "end_time": instant,
            "duration": ["type": ["integer", "null"]], "status": nullableString, "type": nullableString, "meeting_url": nullableString,
            "audio_recording_url": nullableString, "video_recording_url": nullableString,
            "topics": ["type": ["array", "null"], "items": ["type": "string"]],
            "attendees": [
                "type": ["array", "null"],
                "items": [
                    "type": "object",
                    "properties": [
                        "id": nullableString, "name": nullableString, "email": nullableString, "is_host": ["type": ["boolean", "null"]],
                        "type": ["type": ["string", "null"], "enum": ["user", "guest", nil]], "company": nullableString,
                    ],
                ],
            ],
            "created_at": instant, "updated_at": instant, "source": sourceSchema,
        ],
    ]

    static let segmentSchema: JSONValue = [
        "type": "object",
        "properties": [
            "speaker_id": nullableString, "speaker_name": nullableString, "speaker_email": nullableString,
            "speaker_type": ["type": "string", "enum": ["user", "guest", "unknown"]],
            "start_time": ["type": ["number", "null"]], "end_time": ["type": ["number", "null"]], "text": nullableString,
        ],
    ]

    static let userSchema: JSONValue = [
        "type": "object",
        "properties": [
            "id": ["type": "string"], "name": nullableString, "email": nullableString, "title": nullableString,
            "active": ["type": ["boolean", "null"]], "created_at": instant, "source": sourceSchema,
        ],
    ]
}
