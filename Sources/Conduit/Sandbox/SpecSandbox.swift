#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// One documented operation as the stand-in of an imported API needs it: what a request
/// must carry, and what the document says comes back.
package struct SpecOperation: Sendable {
    package struct Parameter: Sendable {
        package enum Location: String, Sendable { case path, query, header, cookie }
        package var name: String
        package var location: Location
        package var isRequired: Bool
        package var schema: JSONObject
    }

    package struct Body: Sendable {
        package var isRequired: Bool
        /// Media types the document accepts (`application/json`, `multipart/form-data`, …).
        package var mediaTypes: [String]
        /// The body's schema: the JSON one, else the form's or multipart's (its fields).
        package var schema: JSONObject?
    }

    package struct Response: Sendable {
        package var status: Int
        /// nil for a response without a body.
        package var mediaType: String?
        package var example: JSONValue?
        package var schema: JSONObject?
    }

    package var method: String
    /// The path template after the server's base path: `/widgets/{id}`.
    package var path: String
    package var parameters: [Parameter]
    package var body: Body?
    package var success: Response
    /// The status the document gives for a bad request (400 or 422), else 400.
    package var badRequestStatus: Int
    /// Where credentials must appear when the operation is secured: header, query or
    /// cookie names (any one of them will do); empty = open.
    package var credentialCarriers: [Parameter]

    package init(
        method: String, path: String, parameters: [Parameter] = [], body: Body? = nil, success: Response,
        badRequestStatus: Int = 400, credentialCarriers: [Parameter] = []
    ) {
        self.method = method
        self.path = path
        self.parameters = parameters
        self.body = body
        self.success = success
        self.badRequestStatus = badRequestStatus
        self.credentialCarriers = credentialCarriers
    }
}

/// The offline stand-in for any imported API (`--sandbox SPEC`): it answers each
/// documented operation with the document's example (or one made from the response
/// schema), refuses what the document would refuse (a missing credential, a missing
/// required parameter, a value of the wrong type, a body that does not fit its schema)
/// with the documented error status, and keeps what a call creates, changes or deletes
/// for as long as the process runs.
package final class SpecSandbox: SandboxVendor {
    private let operations: [SpecOperation]
    /// The base path of the document's server (`/v3`), stripped before routing.
    private let basePath: String
    private let state = Mutex(State())

    private struct State {
        /// Objects written by calls, by collection path (`/widgets`) and id.
        var created: [String: [(id: String, value: JSONValue)]] = [:]
        var deleted: [String: Set<String>] = [:]
        var counter = 0
    }

    package init(operations: [SpecOperation], basePath: String = "") {
        // Literal segments win over placeholders: `/widgets/search` before `/widgets/{id}`.
        self.operations = operations.sorted { Self.specificity($0.path).lexicographicallyPrecedes(Self.specificity($1.path), by: >) }
        self.basePath = basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath
    }

    private static func specificity(_ path: String) -> [Int] {
        // Literal 2, a literal with placeholders in it (`thumbnail.{ext}`) 1, a placeholder 0.
        path.split(separator: "/").map { !$0.contains("{") ? 2 : $0.hasPrefix("{") && $0.hasSuffix("}") && $0.dropFirst().firstIndex(of: "{") == nil ? 0 : 1 }
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// The operation a request names, with its path values; nil when no path matches.
    private func route(_ request: SandboxRequest) -> (operation: SpecOperation?, values: [String: String], pathMatched: Bool) {
        var path = request.path
        if !basePath.isEmpty, path.hasPrefix(basePath) { path = String(path.dropFirst(basePath.count)) }
        let given = Self.segments(path)
        var pathMatched = false
        for operation in operations {
            let template = Self.segments(operation.path)
            guard template.count == given.count else { continue }
            var values: [String: String] = [:]
            var matched = true
            for (part, value) in zip(template, given) {
                let decoded = String(value).percentDecoded ?? String(value)
                if part.contains("{") {
                    guard let found = Self.match(segment: part, decoded) else {
                        matched = false
                        break
                    }
                    values.merge(found) { first, _ in first }
                } else if part != value {
                    matched = false
                    break
                }
            }
            guard matched else { continue }
            pathMatched = true
            if operation.method == request.method { return (operation, values, true) }
        }
        return (nil, [:], pathMatched)
    }

    /// The placeholder values of one path segment against its template: `{id}` takes the
    /// whole segment, `thumbnail.{extension}` or `{base}...{head}` the text between the
    /// literal parts (each placeholder at least one character, the last one the rest).
    static func match(segment template: Substring, _ value: String) -> [String: String]? {
        var parts: [(literal: String, name: String?)] = []
        var rest = template[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            parts.append((String(rest[..<open]), String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        parts.append((String(rest), nil))
        var values: [String: String] = [:]
        var remaining = value[...]
        for (index, part) in parts.enumerated() {
            guard remaining.hasPrefix(part.literal) else { return nil }
            remaining = remaining.dropFirst(part.literal.count)
            guard let name = part.name else { continue }
            let next = parts[index + 1].literal
            if next.isEmpty && index + 1 == parts.count - 1 {
                values[name] = String(remaining)
                remaining = remaining.dropFirst(remaining.count)
            } else if !next.isEmpty, let range = remaining.dropFirst().firstRange(of: next) {
                values[name] = String(remaining[..<range.lowerBound])
                remaining = remaining[range.lowerBound...]
            } else {
                return nil
            }
            if values[name]?.isEmpty ?? true { return nil }
        }
        return remaining.isEmpty ? values : nil
    }

    private static func problem(_ status: Int, _ message: String, problems: [String] = []) -> SandboxResponse {
        var body: JSONObject = ["error": .string(message), "status": .int(Int64(status))]
        if !problems.isEmpty { body["problems"] = .array(problems.map(JSONValue.string)) }
        return .json(.object(body), status: status)
    }

    package func respond(to request: SandboxRequest) -> SandboxResponse {
        if request.method == "POST", request.path == Self.tokenPath {
            // OAuth2 client credentials: any client id and secret get a token for this process.
            return .json(["access_token": "sandbox-access-token", "token_type": "Bearer", "expires_in": 3600])
        }
        let routed = route(request)
        guard let operation = routed.operation else {
            return routed.pathMatched
                ? Self.problem(405, "\(request.method) is not documented for \(request.path)")
                : Self.problem(404, "No documented operation matches \(request.method) \(request.path)")
        }
        if !operation.credentialCarriers.isEmpty, !operation.credentialCarriers.contains(where: { present($0, in: request) != nil }) {
            return Self.problem(401, "Missing credentials: send one of \(operation.credentialCarriers.map { "\($0.location.rawValue) \($0.name)" }.joined(separator: ", "))")
        }
        var problems: [String] = []
        for parameter in operation.parameters {
            let text = parameter.location == .path ? routed.values[parameter.name] : present(parameter, in: request)
            guard let text else {
                if parameter.isRequired { problems.append("missing required \(parameter.location.rawValue) parameter \"\(parameter.name)\"") }
                continue
            }
            problems += Self.check(text, parameter: parameter)
        }
        var body: JSONValue?
        if let spec = operation.body {
            if request.body.isEmpty {
                if spec.isRequired { problems.append("the request body is required") }
            } else if let schema = spec.schema {
                // A PATCH sends the fields it changes: the schema's types hold, its required list does not.
                var checked = schema
                if operation.method == "PATCH" { checked["required"] = nil }
                let contentType = (request.header("content-type") ?? "").lowercased()
                if contentType.contains("json") || spec.mediaTypes.allSatisfy({ $0.contains("json") }) {
                    if let parsed = try? JSONValue.parse(request.body) {
                        body = parsed
                        problems += ArgumentValidator.problems(of: parsed, schema: checked, at: "body")
                    } else {
                        problems.append("the request body is not valid JSON")
                    }
                } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
                    let fields = Self.fields(SandboxRequest.formPairs(Substring(decoding: request.body, as: UTF8.self)), schema: schema)
                    body = .object(fields)
                    problems += ArgumentValidator.problems(of: .object(fields), schema: checked, at: "body")
                } else if contentType.hasPrefix("multipart/form-data") {
                    if let parts = FormData.parts(of: request.body, contentType: request.header("content-type")) {
                        // A file part stands as its file name: the schema calls it a (binary) string.
                        let pairs = parts.map { (name: $0.name, value: $0.filename ?? String(decoding: $0.bytes, as: UTF8.self)) }
                        problems += ArgumentValidator.problems(of: .object(Self.fields(pairs, schema: schema)), schema: checked, at: "body")
                    } else {
                        problems.append("the multipart body is not well formed")
                    }
                }
            }
        }
        if !problems.isEmpty {
            return Self.problem(operation.badRequestStatus, "The request does not match the API's document", problems: problems)
        }
        return answer(operation, request: request, values: routed.values, body: body)
    }

    /// A form's or multipart body's fields as the values its schema describes: texts read as
    /// a model's arguments are (`ArgumentReader`: numbers, flags, a list of one), a list or
    /// object sent as JSON text parsed, a repeated field as one list. A text that cannot be
    /// read so stays text, for the check to refuse.
    static func fields(_ pairs: [(name: String, value: String)], schema: JSONObject) -> JSONObject {
        let properties = schema["properties"]?.objectValue ?? [:]
        var fields = JSONObject()
        for (name, text) in pairs {
            let wanted = properties[name]?.objectValue ?? [:]
            let types = ArgumentValidator.allowedTypes(wanted)
            var value = ArgumentReader.convert(.string(text), schema: wanted)
            if types.contains("array") || types.contains("object"), text.hasPrefix("[") || text.hasPrefix("{"),
               let parsed = try? JSONValue.parse(Array(text.utf8)) {
                value = parsed
            } else if case .array(let more) = value, case .array(let earlier)? = fields[name] {
                value = .array(earlier + more)
            }
            fields[name] = value
        }
        return fields
    }

    /// A parameter's value in the request (query, header or cookie), if sent.
    private func present(_ parameter: SpecOperation.Parameter, in request: SandboxRequest) -> String? {
        switch parameter.location {
        case .path: return nil
        case .query:
            if let pair = request.query.first(where: { $0.name == parameter.name || $0.name == parameter.name + "[]" }) { return pair.value }
            guard ArgumentValidator.allowedTypes(parameter.schema).contains("object") else { return nil }
            // An object written as `name[key]=…` (deepObject) or as its own properties (form),
            // which may be those of any of its `oneOf` choices (Intercom's `user_id` or `email`).
            let shapes = [parameter.schema] + ["oneOf", "anyOf", "allOf"].flatMap { parameter.schema[$0]?.arrayValue?.compactMap(\.objectValue) ?? [] }
            let properties = Set(shapes.flatMap { $0["properties"]?.objectValue?.keys ?? [] })
            let sent = request.query.contains { $0.name.hasPrefix(parameter.name + "[") || properties.contains($0.name) }
            return sent ? "" : nil
        case .header:
            return request.header(parameter.name)
        case .cookie:
            for pair in (request.header("cookie") ?? "").split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0.drop { $0 == " " }) }
                if parts.count == 2, parts[0] == parameter.name { return parts[1] }
            }
            return nil
        }
    }

    /// A text value (query, path, header) against its schema's type and enum.
    private static func check(_ text: String, parameter: SpecOperation.Parameter) -> [String] {
        let types = ArgumentValidator.allowedTypes(parameter.schema)
        let name = "\(parameter.location.rawValue) parameter \"\(parameter.name)\""
        if types.contains("integer"), Int64(text) == nil, !types.contains("string") {
            return ["\(name) must be an integer, not \"\(text)\""]
        }
        if types.contains("number"), Double(text) == nil, !types.contains("string") {
            return ["\(name) must be a number, not \"\(text)\""]
        }
        if types.contains("boolean"), text != "true", text != "false", !types.contains("string") {
            return ["\(name) must be true or false, not \"\(text)\""]
        }
        if let options = parameter.schema["enum"]?.arrayValue, !options.isEmpty, !types.contains("array") {
            let allowed = options.map { $0.stringValue ?? $0.jsonString }
            if !allowed.contains(text) { return ["\(name) must be one of \(allowed.joined(separator: ", ")), not \"\(text)\""] }
        }
        return []
    }

    // MARK: Answers

    /// The collection a path belongs to, and the id it names: `/widgets/{id}` → (`/widgets`, id).
    private static func collection(of operation: SpecOperation, values: [String: String]) -> (path: String, id: String?) {
        // With the path's values filled in: a widget deleted in one repository stays in another.
        var parts = segments(operation.path).map(String.init)
        var id: String?
        if let last = parts.last, last.hasPrefix("{"), last.hasSuffix("}"), let value = values[String(last.dropFirst().dropLast())] {
            id = value
            parts.removeLast()
        }
        let filled = parts.map { part in
            var text = part
            for (name, value) in values { text = text.replacing("{\(name)}", with: value) }
            return text
        }
        return ("/" + filled.joined(separator: "/"), id)
    }

    private func answer(_ operation: SpecOperation, request: SandboxRequest, values: [String: String], body: JSONValue?) -> SandboxResponse {
        let success = operation.success
        var document = success.example ?? success.schema.map { SchemaExample.make(from: $0) } ?? .object([:])
        let (collection, id) = Self.collection(of: operation, values: values)
        switch (operation.method, id) {
        case (let method, nil) where method == "POST" || (method == "PUT" && body != nil):
            // Created: the answer holds what was sent, under a new id, and later reads see it.
            document = merged(document, with: body)
            let numeric = document["id"]?.intValue != nil
            let newID = state.withLock { state -> String in
                state.counter += 1
                // An id of the documented kind, so the get/delete paths accept it.
                return numeric ? String(1000 + state.counter) : "sandbox-\(state.counter)"
            }
            document = Self.settingID(document, newID)
            state.withLock { $0.created[collection, default: []].append((newID, document)) }
        case ("GET", let id?):
            let found = state.withLock { state -> (JSONValue?, Bool) in
                (state.created[collection]?.last { $0.id == id }?.value, state.deleted[collection]?.contains(id) ?? false)
            }
            if found.1 { return Self.problem(404, "\(collection)/\(id) was deleted") }
            if let stored = found.0 { document = stored } else { document = Self.settingID(document, id) }
        case ("PUT", let id?), ("PATCH", let id?):
            let stored = state.withLock { $0.created[collection]?.last { $0.id == id }?.value }
            document = Self.settingID(merged(stored ?? document, with: body), id)
            state.withLock { $0.created[collection, default: []].append((id, document)) }
        case ("DELETE", let id?):
            state.withLock { state in
                state.created[collection]?.removeAll { $0.id == id }
                state.deleted[collection, default: []].insert(id)
            }
        case ("GET", nil):
            // A list shows what calls created, then the document's own records.
            let stored = state.withLock { $0.created[collection]?.map(\.value) ?? [] }
            if !stored.isEmpty { document = Self.prepending(stored, to: document) }
        default:
            break
        }
        guard let mediaType = success.mediaType else { return .empty(success.status) }
        if !mediaType.contains("json") {
            // A file: a few bytes of the documented type stand in for it.
            let bytes = Array("conduit sandbox stand-in for \(operation.method) \(operation.path)\n".utf8)
            return SandboxResponse(status: success.status, headers: [("Content-Type", mediaType)], body: bytes)
        }
        return .json(document, status: success.status, contentType: mediaType.contains("+json") ? mediaType : "application/json")
    }

    private func merged(_ document: JSONValue, with body: JSONValue?) -> JSONValue {
        guard case .object(var object) = document, case .object(let sent)? = body else { return document }
        for (key, value) in sent { object[key] = value }
        return .object(object)
    }

    private static func settingID(_ document: JSONValue, _ id: String) -> JSONValue {
        guard case .object(var object) = document else { return document }
        if let existing = object["id"] {
            object["id"] = existing.intValue != nil && Int64(id) != nil ? .int(Int64(id)!) : .string(id)
        } else {
            object["id"] = .string(id)
        }
        return .object(object)
    }

    /// Records put in front of a list answer: the answer itself when it is an array, else
    /// its first array member (`data`, `items`, …).
    private static func prepending(_ records: [JSONValue], to document: JSONValue) -> JSONValue {
        switch document {
        case .array(let items): return .array(records + items)
        case .object(var object):
            if let key = object.keys.first(where: { object[$0]?.arrayValue != nil }), let items = object[key]?.arrayValue {
                object[key] = .array(records + items)
            }
            return .object(object)
        default: return document
        }
    }
}

/// A value that fits a JSON schema, made from its examples, defaults, enums and formats
/// (deterministic, and bounded in depth so recursive schemas end).
package enum SchemaExample {
    package static func make(from schema: JSONObject, depth: Int = 0) -> JSONValue {
        for key in ["example", "const", "default"] {
            if let value = schema[key] { return value }
        }
        if let examples = schema["examples"]?.arrayValue, let first = examples.first { return first }
        if let options = schema["enum"]?.arrayValue, let first = options.first { return first }
        for key in ["oneOf", "anyOf"] {
            if let first = schema[key]?.arrayValue?.first?.objectValue { return make(from: first, depth: depth) }
        }
        if let parts = schema["allOf"]?.arrayValue {
            var object = JSONObject()
            for part in parts.compactMap(\.objectValue) {
                if case .object(let made) = make(from: part, depth: depth) { for (key, value) in made { object[key] = value } }
            }
            return .object(object)
        }
        let types = ArgumentValidator.allowedTypes(schema).filter { $0 != "null" }
        let type = types.first ?? (schema["properties"] != nil ? "object" : schema["items"] != nil ? "array" : "")
        switch type {
        case "object":
            guard depth < 6 else { return .object([:]) }
            var object = JSONObject()
            for (name, property) in schema["properties"]?.objectValue ?? [:] {
                guard let property = property.objectValue, property["writeOnly"] != true else { continue }
                object[name] = make(from: property, depth: depth + 1)
            }
            return .object(object)
        case "array":
            guard depth < 6, let items = schema["items"]?.objectValue else { return .array([]) }
            return .array([make(from: items, depth: depth + 1)])
        case "integer":
            return .int(schema["minimum"]?.intValue ?? 1)
        case "number":
            return .double(schema["minimum"]?.doubleValue ?? 1.5)
        case "boolean":
            return true
        case "string":
            switch schema["format"]?.stringValue {
            case "date-time": return "2025-01-15T09:30:00Z"
            case "date": return "2025-01-15"
            case "email": return "someone@example.com"
            case "uuid": return "00000000-0000-4000-8000-000000000001"
            case "uri", "url": return "https://example.com/sandbox"
            case "binary", "byte": return "c2FuZGJveA=="
            default: return "string"
            }
        default:
            return .null
        }
    }
}
