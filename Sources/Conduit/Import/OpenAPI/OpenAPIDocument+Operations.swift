/// One HTTP operation of a document, in one shape whatever the document's version:
/// Swagger 2.0's body and formData parameters, `consumes`, `produces` and host become
/// what OpenAPI 3 says with request bodies, media types and servers.
struct OpenAPIOperation {
    /// The path key as written (Box's keys may carry a `#fragment`).
    var path: String
    /// `GET`, `POST`, …
    var method: String
    /// The operation object (after any `$ref`), for what a later stage may need (examples).
    var node: OpenAPINode
    var operationID: String?
    var summary: String?
    var description: String?
    var tags: [String]
    var deprecated: Bool
    /// Path-level parameters merged with the operation's own (the operation's win).
    var parameters: [OpenAPIParameter]
    var body: OpenAPIBody?
    var responses: [OpenAPIResponse]
    /// The servers that apply: the operation's, else the path's, else the document's; URLs
    /// with their variables set to the defaults. Empty when the document names none.
    var servers: [String]
    /// The document's own servers, to tell whether `servers` overrides them.
    var documentServers: [String]
    /// The security requirements that apply (the operation's, else the document's): each
    /// requirement is a set of schemes used together, with their scopes.
    var security: [[(scheme: String, scopes: [String])]]

    /// `GET /widgets`, for the report.
    var label: String { "\(method) \(path)" }
}

struct OpenAPIParameter {
    enum Location: String { case path, query, header, cookie }
    var name: String
    var location: Location
    var isRequired: Bool
    var description: String?
    var deprecated: Bool
    /// The parameter's schema (Swagger 2.0's inline type, format, items… gathered into one).
    var schema: OpenAPINode?
    /// How a list or object value is written: repeated (`form`, `multi`), comma-joined
    /// (`explode: false`, `csv`, and every header and path list), `pipe`, `space`, `deepObject`.
    var style: QueryStyle
    /// A serialisation conduit sends only approximately (`matrix`, `label`, `tsv`), as plain or comma-joined values.
    var unusualStyle: String?
}

struct OpenAPIBody {
    var isRequired: Bool
    var description: String?
    /// Each media type the operation accepts, with its schema.
    var content: [OpenAPIMedia]
}

struct OpenAPIMedia {
    var mediaType: String
    var schema: OpenAPINode?
    /// The media type object itself (examples, encoding).
    var node: OpenAPINode?
    /// The document's example of this content: a 3.x `example` or first `examples` value,
    /// or a 2.0 response's `examples` entry for the media type.
    var example: JSONValue? = nil
}

struct OpenAPIResponse {
    /// `200`, `2XX`, `default`.
    var status: String
    var description: String?
    var content: [OpenAPIMedia]
    /// Header names, lower-cased.
    var headers: [String]

    var isSuccess: Bool { status.hasPrefix("2") }
}

extension OpenAPIDocument {
    static let httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Every operation under `paths`, in document order. Path items and operations may
    /// themselves be `$ref`s (DigitalOcean writes every operation as one).
    func operations() -> [OpenAPIOperation] {
        let root = self.root
        let documentServers = servers(root)
        let documentSecurity = security(root["security"])
        var found: [OpenAPIOperation] = []
        guard let pathsNode = root["paths"].flatMap(resolve) else { return [] }
        for (path, rawItem) in pathsNode.members where path.hasPrefix("/") {
            guard let item = resolve(rawItem) else { continue }
            let pathServers = version == .swagger2 ? [] : servers(item, inherited: documentServers)
            let shared = item["parameters"].flatMap(resolve)?.elements ?? []
            for (key, rawOperation) in item.members where Self.httpMethods.contains(key) {
                guard let operation = resolve(rawOperation), case .object = operation.value else { continue }
                var parameters: [OpenAPIParameter] = []
                var bodyParameter: (OpenAPINode, Bool, String?)?
                var formFields: [OpenAPIParameter] = []
                for raw in shared + (operation["parameters"].flatMap(resolve)?.elements ?? []) {
                    guard let parameter = resolve(raw), let name = parameter["name"]?.string, let place = parameter["in"]?.string else {
                        continue
                    }
                    switch place {
                    case "body":
                        bodyParameter = (parameter["schema"] ?? parameter, parameter.value["required"] == true, parameter["description"]?.string)
                    case "formData":
                        if let read = readParameter(parameter, name: name, location: .query) {
                            formFields.removeAll { $0.name == name }
                            formFields.append(read)
                        }
                    default:
                        guard let location = OpenAPIParameter.Location(rawValue: place), let read = readParameter(parameter, name: name, location: location) else { continue }
                        // An operation's parameter replaces a path-level one of the same name and place.
                        parameters.removeAll { $0.name == name && $0.location == location }
                        parameters.append(read)
                    }
                }
                var body: OpenAPIBody?
                if version == .swagger2 {
                    let consumes = operation["consumes"]?.value.arrayValue?.compactMap(\.stringValue) ?? root["consumes"]?.value.arrayValue?.compactMap(\.stringValue) ?? []
                    if let (schema, required, description) = bodyParameter {
                        let types = consumes.filter { !$0.contains("form") }
                        body = OpenAPIBody(
                            isRequired: required, description: description,
                            content: (types.isEmpty ? ["application/json"] : types).map { OpenAPIMedia(mediaType: $0, schema: schema, node: nil) })
                    } else if !formFields.isEmpty {
                        body = formBody(formFields, consumes: consumes, at: operation.location)
                    }
                } else if let requestBody = operation["requestBody"].flatMap(resolve) {
                    body = OpenAPIBody(
                        isRequired: requestBody.value["required"] == true, description: requestBody["description"]?.string,
                        content: media(requestBody["content"]))
                }
                let produces = operation["produces"]?.value.arrayValue?.compactMap(\.stringValue) ?? root["produces"]?.value.arrayValue?.compactMap(\.stringValue) ?? []
                var responses: [OpenAPIResponse] = []
                for (status, raw) in operation["responses"].flatMap(resolve)?.members ?? [] {
                    guard let response = resolve(raw) else {
                        responses.append(OpenAPIResponse(status: status, description: nil, content: [], headers: []))
                        continue
                    }
                    var content: [OpenAPIMedia]
                    if version == .swagger2 {
                        if let schema = response["schema"] {
                            let types = produces.isEmpty ? ["application/json"] : produces
                            let isFile = resolve(schema)?.value["type"] == "file"
                            let examples = response["examples"].flatMap(resolve)
                            content = types.map {
                                OpenAPIMedia(mediaType: isFile && $0.contains("json") ? "application/octet-stream" : $0, schema: schema, node: nil,
                                             example: examples?[$0]?.value ?? examples?.members.first?.node.value)
                            }
                        } else {
                            content = []
                        }
                    } else {
                        content = media(response["content"])
                    }
                    let headers = (response["headers"].flatMap(resolve)?.members ?? []).map { $0.key.lowercased() }
                    responses.append(OpenAPIResponse(status: status.uppercased(), description: response["description"]?.string, content: content, headers: headers))
                }
                var operationServers = pathServers
                if version != .swagger2, operation["servers"] != nil { operationServers = servers(operation, inherited: pathServers) }
                var requirements = documentSecurity
                if let own = operation["security"] { requirements = security(own) }
                found.append(
                    OpenAPIOperation(
                        path: path, method: key.uppercased(), node: operation,
                        operationID: operation["operationId"]?.string.flatMap { $0.isEmpty ? nil : $0 },
                        summary: Self.text(operation["summary"]?.string), description: Self.text(operation["description"]?.string),
                        tags: operation["tags"]?.value.arrayValue?.compactMap(\.stringValue) ?? [],
                        deprecated: operation.value["deprecated"] == true,
                        parameters: parameters, body: body, responses: responses,
                        servers: version == .swagger2 ? documentServers : (operationServers.isEmpty ? documentServers : operationServers),
                        documentServers: documentServers, security: requirements))
            }
        }
        return found
    }

    /// Text that says something, or nil.
    static func text(_ value: String?) -> String? {
        guard let value, !value.allSatisfy(\.isWhitespace) else { return nil }
        return withoutLinkTargets(value.trimmed)
    }

    /// Markdown links read as their text: `[scope](https://docs…)` becomes `scope`. A model
    /// calls the API, not its documentation site, and GitHub's descriptions spend a sixth
    /// of their bytes on such addresses.
    static func withoutLinkTargets(_ text: String) -> String {
        guard text.contains("](") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(where: { $0 == "]" || $0 == "[" || $0 == "\n" }), rest[close] == "]",
                rest[rest.index(after: close)...].hasPrefix("("),
                let end = rest[close...].firstIndex(where: { $0 == ")" || $0 == " " || $0 == "\n" }), rest[end] == ")"
            else {
                out.append("[")
                rest = rest[afterOpen...]
                continue
            }
            let target = rest[rest.index(close, offsetBy: 2)..<end]
            guard target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("/") || target.hasPrefix("#") else {
                out.append("[")
                rest = rest[afterOpen...]
                continue
            }
            out += rest[afterOpen..<close]
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    private func media(_ node: OpenAPINode?) -> [OpenAPIMedia] {
        guard let content = node.flatMap(resolve) else { return [] }
        return content.members.map { type, raw in
            let media = resolve(raw)
            var example = media?["example"]?.value
            if example == nil, let first = media?["examples"].flatMap(resolve)?.members.first?.node {
                example = resolve(first)?["value"]?.value
            }
            return OpenAPIMedia(mediaType: type.lowercased(), schema: media?["schema"], node: media, example: example)
        }
    }

    /// A parameter in one shape: 3.x `schema` (or `content`), or 2.0's inline keywords.
    private func readParameter(_ node: OpenAPINode, name: String, location: OpenAPIParameter.Location) -> OpenAPIParameter? {
        var schema = node["schema"]
        var written = QueryStyle.form
        var unusual: String?
        if version == .swagger2 {
            // The schema keywords sit on the parameter itself.
            var object = JSONObject()
            for key in ["type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                        "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "multipleOf"] {
                if let value = node.value[key] { object[key] = value }
            }
            schema = OpenAPINode(value: .object(object), location: node.location)
            if node.value["type"] == "array" {
                let format = node["collectionFormat"]?.string ?? "csv"
                switch format {
                case "multi" where location == .query: written = .form
                case "pipes" where location == .query: written = .pipe
                case "ssv" where location == .query: written = .space
                default:
                    written = .comma
                    if !["csv", "multi", "pipes", "ssv"].contains(format) { unusual = "collectionFormat \(format)" }
                }
            }
        } else {
            if schema == nil, let first = node["content"].flatMap(resolve)?.members.first {
                schema = resolve(first.node)?["schema"]
            }
            let style = node["style"]?.string
            let explode = node.value["explode"]?.boolValue ?? (style == nil || style == "form")
            if location == .query || location == .cookie {
                switch style ?? "form" {
                case "form": written = explode ? .form : .comma
                // Delimited styles join only when not exploded; exploded, they repeat like form.
                case "pipeDelimited": written = explode ? .form : .pipe
                case "spaceDelimited": written = explode ? .form : .space
                case "deepObject": written = .deepObject
                default: unusual = "style \(style ?? "")"
                }
            } else if location == .header || location == .path {
                // simple style: arrays are comma lists.
                written = .comma
                if let style, style != "simple" { unusual = "style \(style)" }
            }
        }
        return OpenAPIParameter(
            name: name, location: location, isRequired: location == .path || node.value["required"] == true,
            description: Self.text(node["description"]?.string), deprecated: node.value["deprecated"] == true,
            schema: schema, style: written, unusualStyle: unusual)
    }

    /// Swagger 2.0 `formData` parameters as one object body: multipart when a field is a
    /// file or the operation consumes multipart, a form otherwise.
    private func formBody(_ fields: [OpenAPIParameter], consumes: [String], at location: OpenAPILocation) -> OpenAPIBody {
        var properties = JSONObject()
        var required: [JSONValue] = []
        var hasFile = false
        for field in fields {
            var schema = field.schema?.value.objectValue ?? [:]
            if schema["type"] == "file" {
                hasFile = true
                schema["type"] = "string"
                schema["format"] = "binary"
            }
            if let text = field.description { schema["description"] = .string(text) }
            properties[field.name] = .object(schema)
            if field.isRequired { required.append(.string(field.name)) }
        }
        var schema: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required) }
        let multipart = hasFile || consumes.contains { $0.hasPrefix("multipart/form-data") }
        let type = multipart ? "multipart/form-data" : "application/x-www-form-urlencoded"
        return OpenAPIBody(
            isRequired: !required.isEmpty, description: nil,
            content: [OpenAPIMedia(mediaType: type, schema: OpenAPINode(value: .object(schema), location: location), node: nil)])
    }

    /// The server URLs of a 3.x object (`servers`), variables set to their defaults, or
    /// Swagger 2.0's `schemes`, `host` and `basePath`. `inherited` when it has none.
    func servers(_ node: OpenAPINode, inherited: [String] = []) -> [String] {
        if version == .swagger2 {
            guard let host = node["host"]?.string else {
                return node["basePath"]?.string.map { [$0] } ?? []
            }
            let schemes = node["schemes"]?.value.arrayValue?.compactMap(\.stringValue) ?? ["https"]
            let scheme = schemes.contains("https") ? "https" : (schemes.first ?? "https")
            return ["\(scheme)://\(host)\(node["basePath"]?.string ?? "")"]
        }
        guard let list = node["servers"].flatMap(resolve)?.elements, !list.isEmpty else { return inherited }
        return list.compactMap { raw in
            guard let server = resolve(raw), var url = server["url"]?.string else { return nil }
            for (name, variable) in server["variables"].flatMap(resolve)?.members ?? [] {
                if let value = variable.value["default"].map(RequestBuilder.wireText) { url = url.replacing("{\(name)}", with: value) }
            }
            return url
        }
    }

    private func security(_ node: OpenAPINode?) -> [[(scheme: String, scopes: [String])]] {
        guard let node = node.flatMap(resolve) else { return [] }
        return node.elements.compactMap { requirement in
            resolve(requirement)?.members.map { ($0.key, $0.node.value.arrayValue?.compactMap(\.stringValue) ?? []) }
        }
    }
}
