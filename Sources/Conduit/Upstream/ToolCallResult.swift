/// The outcome of one tool call, before it is shaped for a protocol revision.
package struct ToolCallResult: Sendable {
    /// Always a JSON object (non-object bodies are wrapped as `{"result": ...}`).
    package var structured: JSONObject
    /// The text content; by default the structured JSON itself.
    package var text: String
    package var isError: Bool

    package init(structured: JSONObject, text: String? = nil, isError: Bool = false) {
        self.structured = structured
        self.text = text ?? JSONValue.object(structured).jsonString
        self.isError = isError
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
            return failure("The \(integration) API could not be reached: \(detail).", details: ["type": "upstream_unreachable"])
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
