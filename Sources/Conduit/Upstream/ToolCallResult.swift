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
///
/// The structured content is rendered to JSON once, when the result is made, and
/// cleaned of secrets then: every later use — its size, the file an oversized result
/// goes to, `structuredContent` and the text block of the response — reuses those bytes.
package struct ToolCallResult: Sendable {
    /// The structured content as a value, when the result was built from one; a result
    /// made from bytes parses them only if something asks for the value.
    private var tree: JSONObject?
    /// The structured content as compact JSON (always an object), with known secrets removed.
    package private(set) var structuredJSON: [UInt8]
    /// Text that differs from the structured JSON (a failure's sentence, a summary
    /// before the JSON), with known secrets removed; nil when the text is the JSON itself.
    private var distinctText: String?
    package var isError: Bool
    /// A file the call produced, offered as a `resource_link` where the revision has one.
    package var link: ResourceLink?

    package init(structured: JSONObject, text: String? = nil, isError: Bool = false, link: ResourceLink? = nil) {
        tree = structured
        structuredJSON = Self.render(structured)
        distinctText = text.map { SecretRedactor.shared.redact($0) }
        self.isError = isError
        self.link = link
    }

    /// A successful result whose structured content is already compact JSON text of an
    /// object, cleaned of secrets (an upstream page passed through).
    package init(redactedJSON: [UInt8]) {
        structuredJSON = redactedJSON
        isError = false
    }

    /// The structured content (always a JSON object).
    package var structured: JSONObject {
        if let tree { return tree }
        return (try? JSONValue.parse(structuredJSON))?.objectValue ?? [:]
    }

    /// The text content: the structured JSON itself unless the result says something else.
    package var text: String { distinctText ?? String(decoding: structuredJSON, as: UTF8.self) }

    /// The text content as UTF-8 bytes.
    package var textBytes: [UInt8] { distinctText.map { Array($0.utf8) } ?? structuredJSON }

    private static func render(_ structured: JSONObject) -> [UInt8] {
        let bytes = JSONValue.object(structured).jsonBytes
        return SecretRedactor.shared.redactIfNeeded(bytes) ?? bytes
    }

    /// Says how conduit read the arguments (see `ArgumentReader`): a list of sentences in
    /// `argument_notes`, and in the text where it is not just the JSON.
    package mutating func noteArgumentReadings(_ notes: [String]) {
        guard !notes.isEmpty else { return }
        setTopLevel("argument_notes", .array(notes.map { .string($0) }))
        if let text = distinctText {
            distinctText = text + "\nconduit " + notes.joined(separator: "; ") + "."
        }
    }

    /// Adds a member to the structured content (a key it does not have yet).
    package mutating func setTopLevel(_ key: String, _ value: JSONValue) {
        if var object = tree {
            object[key] = value
            tree = object
            structuredJSON = Self.render(object)
        } else {
            // Bytes of an object: the member goes in before the closing brace.
            var bytes = Array(structuredJSON.dropLast())
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            bytes += JSONValue.string(key).jsonBytes + [UInt8(ascii: ":")]
            let encoded = value.jsonBytes
            bytes += SecretRedactor.shared.redactIfNeeded(encoded) ?? encoded
            bytes.append(UInt8(ascii: "}"))
            structuredJSON = bytes
        }
    }

    /// Records conduit's own waits before the upstream answered (opt-in retries).
    package mutating func noteRetries(_ retries: [JSONValue], summary: String) {
        var object = structured
        if isError, case .object(var error)? = object["error"] {
            error["retries"] = .array(retries)
            object["error"] = .object(error)
        } else {
            object["conduit_retries"] = .array(retries)
        }
        let wasStructured = distinctText == nil
        let previous = text
        tree = object
        structuredJSON = Self.render(object)
        distinctText = summary + "\n" + (wasStructured ? String(decoding: structuredJSON, as: UTF8.self) : previous)
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
        case .transport(let error):
            switch error.code {
            case .cancelled:
                return failure(.cancelled, integration: integration)
            case .tooLarge where error.limit != nil:
                let limit = error.limit ?? 0
                let size = error.announced.map { " (\($0) bytes announced)" } ?? ""
                return failure(
                    "The \(integration) response is larger than the download size cap of \(limit) bytes\(size), so it was stopped and nothing was kept. Raise files.max_bytes in the account file if this file is expected.",
                    details: ["type": "too_large", "max_bytes": .int(Int64(limit))])
            default:
                // The code says which way it failed, in the error and at the top level.
                var result = failure(
                    "The call to the \(integration) API failed: \(error.detail).", details: ["type": .string(error.code.rawValue)])
                result.setTopLevel("type", .string(error.code.rawValue))
                return result
            }
        case .authentication(let detail):
            return failure("The call to the \(integration) API failed: \(detail).", details: ["type": "auth_failed"])
        case .cancelled:
            return failure("The call was cancelled.", details: ["type": "cancelled"])
        case .expired:
            return failure("This conduit server has expired (server.expires_at has passed); it no longer calls the API.", details: ["type": "expired"])
        }
    }
}
