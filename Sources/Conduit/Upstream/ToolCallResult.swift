/// A file conduit wrote, as MCP's `resource_link` content describes it.
package struct ResourceLink: Sendable, Equatable {
    package var uri: String
    package var name: String
    package var mimeType: String
    package var size: Int64
    package var description: String?

    package init(uri: String, name: String, mimeType: String, size: Int64, description: String? = nil) {
        self.uri = uri
        self.name = name
        self.mimeType = mimeType
        self.size = size
        self.description = description
    }

    package var json: JSONValue {
        var object: JSONObject = [
            "type": "resource_link", "uri": .string(uri), "name": .string(name), "mimeType": .string(mimeType), "size": .int(size),
        ]
        if let description { object["description"] = .string(description) }
        return .object(object)
    }
}

/// The outcome of one tool call, before it is shaped for a protocol revision.
package struct ToolCallResult: Sendable {
    /// Always a JSON object (non-object bodies are wrapped as `{"result": ...}`).
    package var structured: JSONObject
    /// The text content; by default the structured JSON itself.
    package var text: String
    package var isError: Bool
    /// A file the call produced, offered as a `resource_link` where the revision has one.
    package var link: ResourceLink?
    /// True while `text` is just the structured JSON (so it can be re-rendered after a change).
    private var textIsStructured: Bool

    package init(structured: JSONObject, text: String? = nil, isError: Bool = false, link: ResourceLink? = nil) {
        self.structured = structured
        self.text = text ?? JSONValue.object(structured).jsonString
        self.isError = isError
        self.link = link
        textIsStructured = text == nil
    }

    /// Records conduit's own waits before the upstream answered (opt-in retries).
    package mutating func noteRetries(_ retries: [JSONValue], summary: String) {
        if isError, case .object(var error)? = structured["error"] {
            error["retries"] = .array(retries)
            structured["error"] = .object(error)
        } else {
            structured["conduit_retries"] = .array(retries)
        }
        text = textIsStructured ? summary + "\n" + JSONValue.object(structured).jsonString : summary + "\n" + text
    }

    /// An error result the model can read: what went wrong, in one place.
    package static func failure(_ message: String, details: JSONObject = [:]) -> ToolCallResult {
        var error: JSONObject = ["message": .string(message)]
        for (key, value) in details { error[key] = value }
        let structured: JSONObject = ["error": .object(error)]
        return ToolCallResult(structured: structured, text: message + (details.isEmpty ? "" : "\n" + JSONValue.object(details).jsonString), isError: true)
    }

    package static func failure(_ error: ToolCallError, integration: String) -> ToolCallResult {
        switch error {
        case .invalidArguments(let problems):
            return failure(
                "Invalid arguments: " + problems.joined(separator: "; ") + ". Fix the arguments and call again.",
                details: ["type": "invalid_arguments", "problems": .array(problems.map { .string($0) })])
        case .invalidCursor:
            return failure(
                "Invalid next_cursor: it was altered or belongs to another tool. Pass next_cursor back exactly as received, or omit it to start from the first page.",
                details: ["type": "invalid_cursor"])
        case .missingCredentials(let detail):
            return failure(detail, details: ["type": "missing_credentials"])
        case .transport(let detail):
            return failure("The call to the \(integration) API failed: \(detail).", details: ["type": "upstream_failed"])
        case .cancelled:
            return failure("The call was cancelled.", details: ["type": "cancelled"])
        case .tooLarge(let limit, let announced):
            let size = announced.map { " (\($0) bytes announced)" } ?? ""
            return failure(
                "The \(integration) response is larger than the download size cap of \(limit) bytes\(size), so it was stopped and nothing was kept. Raise files.max_bytes in the account file if this file is expected.",
                details: ["type": "too_large", "max_bytes": .int(Int64(limit))])
        case .expired:
            return failure("This conduit server has expired (server.expires_at has passed); it no longer calls the API.", details: ["type": "expired"])
        }
    }
}
