/// A JSON-RPC request id: a string or an integer, echoed back exactly as received.
package enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)

    package init?(_ value: JSONValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        default: return nil
        }
    }

    package var json: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .int(let i): .int(i)
        }
    }

    package var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .int(let i): String(i)
        }
    }
}

/// A JSON-RPC error object. Protocol faults become these; tool failures do not
/// (they are tool results with `isError: true`).
package struct JSONRPCError: Error, Sendable, Equatable {
    package var code: Int
    package var message: String
    package var data: JSONValue?

    package init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    package static let parseErrorCode = -32700
    package static let invalidRequestCode = -32600
    package static let methodNotFoundCode = -32601
    package static let invalidParamsCode = -32602
    package static let internalErrorCode = -32603
    package static let unsupportedProtocolVersionCode = -32022
    /// "Resource not found" before MCP 2026-07-28, which uses invalid params instead.
    package static let resourceNotFoundCode = -32002

    package static func parseError(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: parseErrorCode, message: "Parse error: \(detail)")
    }

    package static func invalidRequest(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: invalidRequestCode, message: "Invalid request: \(detail)")
    }

    package static func methodNotFound(_ method: String) -> JSONRPCError {
        JSONRPCError(code: methodNotFoundCode, message: "Method not found: \(method)")
    }

    package static func invalidParams(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: invalidParamsCode, message: "Invalid params: \(detail)")
    }

    package static func internalError(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: internalErrorCode, message: "Internal error: \(detail)")
    }

    package var json: JSONValue {
        var object: JSONObject = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// One decoded message from the client.
package enum IncomingMessage: Sendable {
    case request(id: RequestID, method: String, params: JSONObject)
    case notification(method: String, params: JSONObject)
    /// A response to a request; conduit sends no requests, so these are ignored.
    case response
    /// Not a valid JSON-RPC message; answered with this error (and the id, if one could be read).
    case invalid(id: RequestID?, error: JSONRPCError)

    /// Classifies one JSON value (a single message, not a batch).
    package init(_ value: JSONValue) {
        guard case .object(let object) = value else {
            self = .invalid(id: nil, error: .invalidRequest("a message must be a JSON object"))
            return
        }
        let rawID = object["id"]
        let id = rawID.flatMap(RequestID.init)
        guard object["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: id, error: .invalidRequest("\"jsonrpc\" must be \"2.0\""))
            return
        }
        guard let methodValue = object["method"] else {
            if object["result"] != nil || object["error"] != nil {
                self = .response
            } else {
                self = .invalid(id: id, error: .invalidRequest("missing \"method\""))
            }
            return
        }
        guard case .string(let method) = methodValue else {
            self = .invalid(id: id, error: .invalidRequest("\"method\" must be a string"))
            return
        }
        if let rawID, id == nil {
            let detail = rawID.typeName == "number"
                ? "\"id\" must be a string or an integer within 64 bits"
                : "\"id\" must be a string or an integer, not \(rawID.typeName)"
            self = .invalid(id: nil, error: .invalidRequest(detail))
            return
        }
        var params = JSONObject()
        switch object["params"] {
        case nil, .null?: break
        case .object(let p)?: params = p
        case let other?:
            let error = JSONRPCError.invalidParams("\"params\" must be an object, not \(other.typeName)")
            if let id {
                self = .invalid(id: id, error: error)
            } else {
                // A notification with bad params is dropped: notifications are never answered.
                self = .response
            }
            return
        }
        if let id {
            self = .request(id: id, method: method, params: params)
        } else {
            self = .notification(method: method, params: params)
        }
    }
}

/// Builders for the messages conduit writes.
package enum OutgoingMessage {
    package static func result(id: RequestID, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id.json, "result": result])
    }

    /// An error response. When the request's id could not be read, `nullID` decides
    /// between JSON-RPC 2.0's `"id": null` (what revisions before 2025-11-25 expect)
    /// and leaving `id` out (2025-11-25 onwards, whose schema allows no null id).
    package static func error(id: RequestID?, _ error: JSONRPCError, nullID: Bool = false) -> JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0"]
        if let id {
            object["id"] = id.json
        } else if nullID {
            object["id"] = .null
        }
        object["error"] = error.json
        return .object(object)
    }

    package static func notification(method: String, params: JSONObject) -> JSONValue {
        .object(["jsonrpc": "2.0", "method": .string(method), "params": .object(params)])
    }
}
