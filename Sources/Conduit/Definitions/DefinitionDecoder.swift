#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One thing wrong with a definition, located by JSON path.
package struct DefinitionProblem: Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var message: String

    package var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// The definition could not be used; every problem found is listed.
package struct DefinitionError: Error, Sendable, CustomStringConvertible {
    package var source: String
    package var problems: [DefinitionProblem]

    package var description: String {
        problems.map { "\(source): \($0)" }.joined(separator: "\n")
    }
}

/// Turns a parsed definition document into an `IntegrationDefinition`, collecting
/// every problem (with its JSON path) rather than stopping at the first.
package struct DefinitionDecoder {
    private(set) var problems: [DefinitionProblem] = []
    /// The auth schemes' ids (scheme id → index), for the methods that name them.
    private var authIndex: [String: Int] = [:]

    // The keys each part of a definition may hold.
    private static let knownRootKeys: Set<String> = [
        "$comment", "name", "title", "version", "description", "instructions", "base_url", "credentials", "auth",
        "errors", "rate_limits", "binary_media_types", "resources", "unified",
    ]
    private static let knownResourceKeys: Set<String> = ["singular", "title", "description", "tags", "methods"]
    private static let knownMethodKeys: Set<String> = [
        "http", "path", "summary", "description", "scopes", "tags", "parameters", "body", "pagination",
        "results_path", "response", "async", "read_only", "idempotent", "destructive", "output_schema", "examples",
        "next_step", "operation_id", "base_url", "auth",
    ]
    private static let knownParameterKeys: Set<String> = ["name", "argument", "in", "required", "description", "schema", "style", "send_default"]
    private static let knownBodyKeys: Set<String> = ["content_type", "required", "schema", "jsonapi_type", "jsonapi_id", "files", "flatten"]
    private static let knownPaginationKeys: Set<String> = [
        "style", "cursor_param", "cursor_in", "next_cursor_path", "page_param", "page_start", "more_path",
        "offset_param", "total_path", "limit_param", "max_limit", "last_record_cursor_path",
    ]

    package init() {}

    /// Decodes and validates. Throws `DefinitionError` listing every problem.
    package static func decode(_ document: JSONValue, source: String) throws(DefinitionError) -> IntegrationDefinition {
        var decoder = DefinitionDecoder()
        let definition = decoder.decodeDefinition(document)
        if let definition, decoder.problems.isEmpty {
            return definition
        }
        throw DefinitionError(source: source, problems: decoder.problems)
    }

    /// Parses bytes as JSON, then decodes.
    package static func decode(bytes: [UInt8], source: String) throws(DefinitionError) -> IntegrationDefinition {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw DefinitionError(source: source, problems: [DefinitionProblem(path: "", message: "not valid JSON: \(error)")])
        }
        return try decode(document, source: source)
    }

    private mutating func problem(_ path: String, _ message: String) {
        problems.append(DefinitionProblem(path: path, message: message))
    }

    private static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    private mutating func object(_ value: JSONValue?, _ path: String, required: Bool = true) -> JSONObject? {
        guard let value else {
            if required { problem(path, "missing") }
            return nil
        }
        guard case .object(let object) = value else {
            problem(path, "must be an object, not \(value.typeName)")
            return nil
        }
        return object
    }

    private mutating func string(_ object: JSONObject, _ key: String, _ path: String, required: Bool = true) -> String? {
        guard let value = object[key] else {
            if required { problem(Self.join(path, key), "missing") }
            return nil
        }
        guard case .string(let string) = value else {
            problem(Self.join(path, key), "must be a string, not \(value.typeName)")
            return nil
        }
        if required && string.allSatisfy(\.isWhitespace) {
            problem(Self.join(path, key), "must not be empty")
            return nil
        }
        return string
    }

    private mutating func bool(_ object: JSONObject, _ key: String, _ path: String) -> Bool? {
        guard let value = object[key] else { return nil }
        guard case .bool(let flag) = value else {
            problem(Self.join(path, key), "must be true or false, not \(value.typeName)")
            return nil
        }
        return flag
    }

    private mutating func strings(_ object: JSONObject, _ key: String, _ path: String) -> [String] {
        guard let value = object[key] else { return [] }
        guard case .array(let elements) = value else {
            problem(Self.join(path, key), "must be an array of strings, not \(value.typeName)")
            return []
        }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            if case .string(let s) = element { result.append(s) } else { problem("\(Self.join(path, key))[\(index)]", "must be a string") }
        }
        return result
    }

    /// A path, or a list of candidate paths tried in order; nil when the key is absent.
    private mutating func paths(_ object: JSONObject, _ key: String, _ path: String, required: Bool) -> [JSONPath]? {
        guard let value = object[key] else {
            if required { problem(Self.join(path, key), "missing") }
            return nil
        }
        switch value {
        case .string(let text):
            return [JSONPath(text)]
        case .array(let elements) where !elements.isEmpty:
            var result: [JSONPath] = []
            for (index, element) in elements.enumerated() {
                if case .string(let text) = element {
                    result.append(JSONPath(text))
                } else {
                    problem("\(Self.join(path, key))[\(index)]", "must be a string")
                }
            }
            return result
        default:
            problem(Self.join(path, key), "must be a path or a non-empty array of paths, not \(value.typeName)")
            return nil
        }
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// What MCP clients accept as a property name.
    package static func isArgumentName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || $0 == "_" || $0 == "-" || $0 == "."
            }
    }

    mutating func decodeDefinition(_ document: JSONValue) -> IntegrationDefinition? {
        guard let root = object(document, "") else { return nil }
        let known = Self.knownRootKeys
        for key in root.keys where !known.contains(key) { problem(key, "unknown key") }

        let name = string(root, "name", "")
        if let name, !Self.isIdentifier(name) { problem("name", "must match ^[a-z][a-z0-9_]*$") }
        let title = string(root, "title", "")
        let description = string(root, "description", "")
        let instructions = string(root, "instructions", "", required: false)
        let baseURL = string(root, "base_url", "")
        if let baseURL, !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) {
            problem("base_url", "must start with https:// or http://")
        }

        var credentials: [CredentialSpec] = []
        if let credentialObject = object(root["credentials"], "credentials") {
            for (credentialName, value) in credentialObject {
                let path = "credentials.\(credentialName)"
                guard let spec = object(value, path) else { continue }
                credentials.append(
                    CredentialSpec(
                        name: credentialName,
                        description: string(spec, "description", path) ?? "",
                        isSecret: bool(spec, "secret", path) ?? true
                    ))
            }
        }
        let credentialNames = Set(credentials.map(\.name))

        var auth: [AuthScheme] = []
        if let authValue = root["auth"] {
            if case .array(let schemes) = authValue, !schemes.isEmpty {
                for (index, schemeValue) in schemes.enumerated() {
                    if let scheme = decodeAuth(schemeValue, "auth[\(index)]", credentialNames: credentialNames) {
                        if let id = schemeValue["id"] {
                            if let text = id.stringValue, !text.isEmpty, authIndex[text] == nil {
                                authIndex[text] = auth.count
                            } else {
                                problem("auth[\(index)].id", "must be a non-empty string no other scheme uses")
                            }
                        }
                        auth.append(scheme)
                    }
                }
            } else {
                problem("auth", "must be a non-empty array of auth schemes")
            }
        } else {
            problem("auth", "missing")
        }

        var errorPaths: [JSONPath] = []
        if let errors = object(root["errors"], "errors", required: false) {
            errorPaths = strings(errors, "message_paths", "errors").map(JSONPath.init)
        }
        var rateLimits = RateLimitHeaders()
        if let limits = object(root["rate_limits"], "rate_limits", required: false) {
            rateLimits.limit = strings(limits, "limit", "rate_limits")
            rateLimits.remaining = strings(limits, "remaining", "rate_limits")
            rateLimits.reset = strings(limits, "reset", "rate_limits")
            if let style = string(limits, "reset_style", "rate_limits", required: false) {
                rateLimits.resetStyle = RateLimitHeaders.ResetStyle(rawValue: style)
                if rateLimits.resetStyle == nil { problem("rate_limits.reset_style", "must be \"delta\" or \"epoch\"") }
            }
        }
        let binaryMediaTypes = strings(root, "binary_media_types", "")

        var resources: [ResourceDefinition] = []
        if let resourceObject = object(root["resources"], "resources") {
            if resourceObject.isEmpty { problem("resources", "must define at least one resource") }
            for (resourceName, value) in resourceObject {
                if let resource = decodeResource(resourceName, value) { resources.append(resource) }
            }
        }

        var unified: UnifiedMapping?
        if let value = root["unified"] {
            var mapping = UnifiedMappingDecoder(resources: resources)
            unified = mapping.decode(value)
            problems += mapping.problems
        }

        guard let name, let title, let description, let baseURL else { return nil }
        return IntegrationDefinition(
            name: name, title: title, description: description, instructions: instructions,
            baseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL,
            credentials: credentials, auth: auth, authIDs: authIndex, errorMessagePaths: errorPaths,
            rateLimitHeaders: rateLimits, binaryMediaTypes: binaryMediaTypes, resources: resources, unified: unified
        )
    }

    private mutating func decodeAuth(_ value: JSONValue, _ path: String, credentialNames: Set<String>) -> AuthScheme? {
        guard let spec = object(value, path) else { return nil }
        guard let type = string(spec, "type", path) else { return nil }
        let scheme: AuthScheme?
        switch type {
        case "header":
            let header = string(spec, "header", path)
            let template = string(spec, "value", path)
            scheme = header.flatMap { header in template.map { .header(name: header, valueTemplate: $0) } }
        case "query":
            let parameter = string(spec, "param", path)
            let template = string(spec, "value", path)
            scheme = parameter.flatMap { parameter in template.map { .query(parameter: parameter, valueTemplate: $0) } }
        case "none":
            scheme = AuthScheme.none
        case "basic":
            let username = string(spec, "username", path)
            let password = string(spec, "password", path)
            scheme = username.flatMap { user in password.map { .basic(username: user, password: $0) } }
        case "bearer":
            scheme = string(spec, "token", path).map { .bearer(token: $0) }
        case "oauth2_client_credentials":
            // A token path on the API's own origin, or (from an OpenAPI document) an absolute token URL.
            var tokenPath: String?
            if let tokenURL = string(spec, "token_url", path, required: false) {
                if spec["token_path"] != nil { problem(path, "give token_path or token_url, not both") }
                if !(tokenURL.hasPrefix("https://") || tokenURL.hasPrefix("http://")) {
                    problem("\(path).token_url", "must start with https:// or http://")
                }
                tokenPath = tokenURL
            } else {
                tokenPath = string(spec, "token_path", path)
                if let tokenPath, !tokenPath.hasPrefix("/") { problem("\(path).token_path", "must start with /") }
            }
            let clientID = string(spec, "client_id", path)
            let clientSecret = string(spec, "client_secret", path)
            let scope = string(spec, "scope", path, required: false)
            if let tokenPath, let clientID, let clientSecret {
                scheme = .oauth2ClientCredentials(tokenPath: tokenPath, clientID: clientID, clientSecret: clientSecret, scope: scope)
            } else {
                scheme = nil
            }
        default:
            problem("\(path).type", "unknown auth type \"\(type)\" (expected header, query, basic, bearer, oauth2_client_credentials or none)")
            return nil
        }
        if let scheme {
            for credential in scheme.credentialNames where !credentialNames.contains(credential) {
                problem(path, "refers to credential \"\(credential)\", which \"credentials\" does not declare")
            }
        }
        return scheme
    }

    private mutating func decodeResource(_ name: String, _ value: JSONValue) -> ResourceDefinition? {
        let path = "resources.\(name)"
        if !Self.isIdentifier(name) { problem(path, "resource names must match ^[a-z][a-z0-9_]*$") }
        guard let spec = object(value, path) else { return nil }
        let known = Self.knownResourceKeys
        for key in spec.keys where !known.contains(key) { problem("\(path).\(key)", "unknown key") }
        let singular = string(spec, "singular", path)
        if let singular, !Self.isIdentifier(singular) { problem("\(path).singular", "must match ^[a-z][a-z0-9_]*$") }
        var methods: [MethodDefinition] = []
        if let methodObject = object(spec["methods"], "\(path).methods") {
            if methodObject.isEmpty { problem("\(path).methods", "must define at least one method") }
            for (methodName, methodValue) in methodObject {
                if let method = decodeMethod(methodName, methodValue, "\(path).methods.\(methodName)") {
                    methods.append(method)
                }
            }
        }
        guard let singular else { return nil }
        return ResourceDefinition(
            name: name, singular: singular, title: string(spec, "title", path, required: false),
            description: string(spec, "description", path, required: false),
            tags: strings(spec, "tags", path), methods: methods
        )
    }

    private mutating func decodeMethod(_ name: String, _ value: JSONValue, _ path: String) -> MethodDefinition? {
        if !Self.isIdentifier(name) { problem(path, "method names must match ^[a-z][a-z0-9_]*$") }
        guard let spec = object(value, path) else { return nil }
        let known = Self.knownMethodKeys
        for key in spec.keys where !known.contains(key) { problem("\(path).\(key)", "unknown key") }
        let kind = MethodKind(methodName: name)
        let http = string(spec, "http", path)?.uppercased()
        if let http, !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(http) {
            problem("\(path).http", "must be GET, POST, PUT, PATCH or DELETE")
        }
        let urlPath = string(spec, "path", path)
        if let urlPath, !urlPath.hasPrefix("/") { problem("\(path).path", "must start with /") }

        var parameters: [ParameterDefinition] = []
        if let parameterValue = spec["parameters"] {
            if case .array(let elements) = parameterValue {
                for (index, element) in elements.enumerated() {
                    if let parameter = decodeParameter(element, "\(path).parameters[\(index)]") {
                        parameters.append(parameter)
                    }
                }
            } else {
                problem("\(path).parameters", "must be an array")
            }
        }
        // Every placeholder needs a path parameter, and every path parameter a placeholder.
        if let urlPath {
            let names = placeholders(in: urlPath)
            let pathParameters = Set(parameters.filter { $0.location == .path }.map(\.name))
            for placeholder in names where !pathParameters.contains(placeholder) {
                problem("\(path).path", "unknown placeholder {\(placeholder)}")
            }
            for parameter in parameters where parameter.location == .path && !names.contains(parameter.name) {
                problem("\(path).parameters", "path parameter \"\(parameter.name)\" does not appear in the path")
            }
        }

        var body: BodyDefinition?
        if let bodySpec = object(spec["body"], "\(path).body", required: false) {
            body = decodeBody(bodySpec, "\(path).body")
        }

        var pagination: Pagination?
        if let paginationSpec = object(spec["pagination"], "\(path).pagination", required: false) {
            pagination = decodePagination(paginationSpec, "\(path).pagination")
            if kind != .list && kind != .custom { problem("\(path).pagination", "only list and custom methods page") }
        }
        var resultsPaths: [JSONPath] = []
        if let results = paths(spec, "results_path", path, required: false) {
            resultsPaths = results
            if kind != .list && (kind != .custom || pagination == nil) {
                problem("\(path).results_path", "only list methods and custom methods that page have results_path")
            }
        }

        var binary = false
        var mediaTypes: [String] = []
        if let response = object(spec["response"], "\(path).response", required: false) {
            binary = bool(response, "binary", "\(path).response") ?? false
            mediaTypes = strings(response, "media_types", "\(path).response")
        }

        var examples: [MethodExample] = []
        if let exampleValue = spec["examples"] {
            if case .array(let elements) = exampleValue {
                for (index, element) in elements.enumerated() {
                    let here = "\(path).examples[\(index)]"
                    guard let example = object(element, here) else { continue }
                    if let arguments = object(example["arguments"], "\(here).arguments") {
                        examples.append(
                            MethodExample(arguments: arguments, description: string(example, "description", here, required: false)))
                    }
                }
            } else {
                problem("\(path).examples", "must be an array")
            }
        }

        // Argument names must be unique across parameters and flattened body properties.
        var seen: [String: String] = [:]
        for parameter in parameters {
            if let other = seen[parameter.argument] {
                problem("\(path).parameters", "argument \"\(parameter.argument)\" is defined twice (\(other) and \(parameter.location.rawValue))")
            }
            seen[parameter.argument] = parameter.location.rawValue
        }
        if let body {
            let names = body.isFlattened ? body.properties.keys : ["body"]
            for property in names {
                if let other = seen[property] {
                    problem("\(path).body", "argument \"\(property)\" is defined both in the body and as a \(other) parameter")
                }
                if !Self.isArgumentName(property) {
                    problem("\(path).body.schema.properties.\(property)", "argument names must match ^[a-zA-Z0-9_.-]{1,64}$")
                }
                seen[property] = "body"
            }
        }
        for reserved in ["limit", "next_cursor"] where (kind == .list || pagination != nil) && seen[reserved] != nil {
            if pagination?.ownedParameters.contains(reserved) != true {
                problem("\(path)", "tools that page reserve the argument \"\(reserved)\"; give the vendor parameter another \"argument\" name")
            }
        }

        var outputSchema: JSONObject?
        if let output = spec["output_schema"] {
            outputSchema = object(output, "\(path).output_schema")
        }

        guard let http, let urlPath else { return nil }
        var method = MethodDefinition(
            name: name, kind: kind, http: http, path: urlPath,
            summary: string(spec, "summary", path, required: false),
            description: string(spec, "description", path, required: false),
            scopes: strings(spec, "scopes", path), tags: strings(spec, "tags", path),
            parameters: parameters, body: body, pagination: pagination, resultsPaths: resultsPaths,
            binaryResponse: binary, responseMediaTypes: mediaTypes,
            asyncNote: string(spec, "async", path, required: false),
            readOnly: bool(spec, "read_only", path), idempotent: bool(spec, "idempotent", path),
            destructive: bool(spec, "destructive", path), outputSchema: outputSchema, examples: examples
        )
        method.nextStep = string(spec, "next_step", path, required: false)
        method.operationID = string(spec, "operation_id", path, required: false)
        if let base = string(spec, "base_url", path, required: false) {
            if !(base.hasPrefix("https://") || base.hasPrefix("http://")) { problem("\(path).base_url", "must start with https:// or http://") }
            method.baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        if spec["auth"] != nil {
            let ids = strings(spec, "auth", path)
            method.auth = ids.compactMap { id in
                if let index = authIndex[id] { return index }
                problem("\(path).auth", "names auth scheme \"\(id)\", which no \"auth\" entry has as its id (ids: \(authIndex.keys.sorted().joined(separator: ", ")))")
                return nil
            }
        }
        return method
    }

    private mutating func decodeParameter(_ value: JSONValue, _ path: String) -> ParameterDefinition? {
        guard let spec = object(value, path) else { return nil }
        let known = Self.knownParameterKeys
        for key in spec.keys where !known.contains(key) { problem("\(path).\(key)", "unknown key") }
        guard let name = string(spec, "name", path) else { return nil }
        let argument = string(spec, "argument", path, required: false) ?? name
        if !Self.isArgumentName(argument) {
            problem(path, "argument name \"\(argument)\" must match ^[a-zA-Z0-9_.-]{1,64}$; add an \"argument\" alias")
        }
        guard let locationName = string(spec, "in", path) else { return nil }
        guard let location = ParameterDefinition.Location(rawValue: locationName) else {
            problem("\(path).in", "must be path, query or header")
            return nil
        }
        let schema = object(spec["schema"], "\(path).schema", required: false) ?? ["type": "string"]
        var style = QueryStyle.form
        if let text = string(spec, "style", path, required: false) {
            if let known = QueryStyle(rawValue: text) {
                style = known
                if ![.form, .comma].contains(style) && location != .query { problem("\(path).style", "only query parameters take \"\(text)\"") }
            } else {
                problem("\(path).style", "must be \(QueryStyle.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
        }
        let sendDefault = bool(spec, "send_default", path) ?? false
        if sendDefault && schema["default"] == nil { problem("\(path).send_default", "needs a schema default to send") }
        return ParameterDefinition(
            name: name, argument: argument, location: location,
            isRequired: location == .path || (bool(spec, "required", path) ?? false),
            description: string(spec, "description", path, required: false),
            schema: schema, style: style, sendDefault: sendDefault
        )
    }

    private mutating func decodeBody(_ spec: JSONObject, _ path: String) -> BodyDefinition? {
        let known = Self.knownBodyKeys
        for key in spec.keys where !known.contains(key) { problem("\(path).\(key)", "unknown key") }
        let typeName = string(spec, "content_type", path) ?? "application/json"
        var files: [String] = []
        if let value = spec["files"] {
            if case .array(let names) = value, !names.isEmpty, names.allSatisfy({ $0.stringValue != nil }) {
                files = names.compactMap(\.stringValue)
            } else {
                problem("\(path).files", "must be a non-empty array of body property names")
            }
        }
        var contentType: BodyDefinition.ContentType
        var mediaType: String?
        if let known = BodyDefinition.ContentType(rawValue: typeName), known != .file {
            contentType = known
        } else if !files.isEmpty, typeName.contains("/"), !typeName.contains(" ") {
            // Any other media type with a file argument: that file is the whole body.
            contentType = .file
            mediaType = typeName
        } else {
            let allowed = BodyDefinition.ContentType.allCases.filter { $0 != .file }.map(\.rawValue).joined(separator: ", ")
            problem("\(path).content_type", "unsupported content type \"\(typeName)\" (expected one of \(allowed), or any media type with \"files\" for a file body)")
            return nil
        }
        guard let schema = object(spec["schema"], "\(path).schema") else { return nil }
        let jsonAPIType = string(spec, "jsonapi_type", path, required: false)
        let jsonAPIID = string(spec, "jsonapi_id", path, required: false)
        var body = BodyDefinition(
            contentType: contentType, isRequired: bool(spec, "required", path) ?? false,
            schema: schema, jsonAPIType: jsonAPIType, jsonAPIIDProperty: jsonAPIID
        )
        body.files = files
        body.mediaType = mediaType
        body.flatten = bool(spec, "flatten", path) ?? true
        for name in files where body.properties[name]?["type"]?.stringValue != "string" {
            problem("\(path).files", "names \"\(name)\", which is not a string property of the body schema")
        }
        if !files.isEmpty && contentType != .multipart && contentType != .file {
            problem("\(path).files", "file arguments need a multipart/form-data body or a file body (another media type)")
        }
        if contentType == .multipart && !body.isFlattened {
            problem("\(path).schema", "a multipart body needs an object schema with properties")
        }
        if contentType == .file && (body.properties.count != 1 || files.count != 1) {
            problem("\(path).schema", "a file body has exactly one property, the file named in \"files\"")
        }
        if jsonAPIType != nil && !body.isFlattened {
            problem("\(path).jsonapi_type", "needs an object schema with properties to wrap")
        }
        if let jsonAPIID {
            if jsonAPIType == nil {
                problem("\(path).jsonapi_id", "needs jsonapi_type: only a JSON:API document has data.id")
            } else if body.properties[jsonAPIID] == nil {
                problem("\(path).jsonapi_id", "names \"\(jsonAPIID)\", which is not a property of the body schema")
            }
        }
        if contentType == .form && !body.isFlattened {
            problem("\(path).schema", "a form body needs an object schema with properties")
        }
        return body
    }

    private mutating func decodePagination(_ spec: JSONObject, _ path: String) -> Pagination? {
        let known = Self.knownPaginationKeys
        for key in spec.keys where !known.contains(key) { problem("\(path).\(key)", "unknown key") }
        guard let styleName = string(spec, "style", path) else { return nil }
        guard let style = Pagination.Style(rawValue: styleName) else {
            problem("\(path).style", "must be cursor, page, offset, link or none")
            return nil
        }
        var pagination = Pagination(style: style)
        pagination.cursorParameter = string(spec, "cursor_param", path, required: style == .cursor)
        if let location = string(spec, "cursor_in", path, required: false) {
            if let parsed = Pagination.CursorLocation(rawValue: location) {
                pagination.cursorLocation = parsed
            } else {
                problem("\(path).cursor_in", "must be query or body")
            }
        }
        pagination.lastRecordCursorPath = string(spec, "last_record_cursor_path", path, required: false).map(JSONPath.init)
        if pagination.lastRecordCursorPath != nil && style != .cursor {
            problem("\(path).last_record_cursor_path", "only cursor pagination takes its cursor from the last record")
        }
        pagination.nextCursorPaths =
            paths(spec, "next_cursor_path", path, required: style == .cursor && pagination.lastRecordCursorPath == nil) ?? []
        pagination.pageParameter = string(spec, "page_param", path, required: style == .page)
        if let start = spec["page_start"] {
            if let value = start.intValue, value == 0 || value == 1 {
                pagination.pageStart = Int(value)
            } else {
                problem("\(path).page_start", "must be 0 or 1")
            }
        }
        pagination.morePath = string(spec, "more_path", path, required: false).map(JSONPath.init)
        pagination.offsetParameter = string(spec, "offset_param", path, required: style == .offset)
        pagination.totalPath = string(spec, "total_path", path, required: false).map(JSONPath.init)
        pagination.limitParameter = string(spec, "limit_param", path, required: false)
        if let maximum = spec["max_limit"] {
            if let value = maximum.intValue, value > 0 {
                pagination.maximumLimit = Int(value)
            } else {
                problem("\(path).max_limit", "must be a positive integer")
            }
        }
        return pagination
    }
}
