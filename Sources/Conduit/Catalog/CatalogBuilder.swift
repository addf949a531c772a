/// Turns an integration definition into its tools: names per the platform
/// convention, the documentation gate, input schemas, annotations and tags.
package struct CatalogBuilder {
    /// Said of every file argument.
    static let localPathNote =
        "Local file path (absolute, or relative to where conduit runs) inside server.files.upload_roots (default: conduit's download folder, so a downloaded file can be sent on)."

    /// What real clients accept as a tool name.
    package static let maximumNameLength = 64

    /// The tool name of a method, shortened deterministically past 64 characters.
    package static func toolName(integration: String, resource: ResourceDefinition, method: MethodDefinition) -> String {
        let full: String
        switch method.kind {
        case .list: full = "list_all_\(integration)_\(resource.name)"
        case .get: full = "get_single_\(integration)_\(resource.singular)_by_id"
        case .create: full = "create_a_\(integration)_\(resource.singular)"
        case .update: full = "update_a_\(integration)_\(resource.singular)_by_id"
        case .delete: full = "delete_a_\(integration)_\(resource.singular)_by_id"
        case .custom: full = "\(integration)_\(resource.name)_\(method.name)"
        }
        return shortened(full)
    }

    /// Names over the limit keep a readable prefix and gain a hash of the full name,
    /// so distinct long names stay distinct and the same name always shortens the same way.
    package static func shortened(_ name: String) -> String {
        guard name.utf8.count > maximumNameLength else { return name }
        let digest = SHA256.hexDigest(Array(name.utf8)).prefix(8)
        return String(name.prefix(maximumNameLength - 9)) + "_" + digest
    }

    /// Methods left out by the documentation gate, as `resource.method`.
    package private(set) var undocumented: [String] = []
    package private(set) var tools: [Tool] = []

    /// Builds every tool; throws when two tools would share a name.
    package init(definition: IntegrationDefinition, source: String) throws(DefinitionError) {
        var problems: [DefinitionProblem] = []
        var owners: [String: String] = [:]
        for resource in definition.resources {
            for method in resource.methods {
                let location = "resources.\(resource.name).methods.\(method.name)"
                guard let documentation = method.description, !documentation.allSatisfy(\.isWhitespace) else {
                    undocumented.append("\(resource.name).\(method.name)")
                    continue
                }
                let tool = Self.makeTool(definition: definition, resource: resource, method: method, documentation: documentation)
                if let owner = owners[tool.name] {
                    problems.append(DefinitionProblem(path: location, message: "tool name \(tool.name) is already taken by \(owner)"))
                    continue
                }
                owners[tool.name] = location
                tools.append(tool)
            }
        }
        // The vendor-neutral tools the definition's `unified` mapping declares.
        for tool in UnifiedTools.tools(for: definition) {
            if let owner = owners[tool.name] {
                problems.append(DefinitionProblem(path: "unified", message: "tool name \(tool.name) is already taken by \(owner)"))
                continue
            }
            owners[tool.name] = "unified"
            tools.append(tool)
        }
        if !problems.isEmpty { throw DefinitionError(source: source, problems: problems) }
    }

    static func makeTool(
        definition: IntegrationDefinition, resource: ResourceDefinition, method: MethodDefinition, documentation: String
    ) -> Tool {
        let name = toolName(integration: definition.name, resource: resource, method: method)
        var properties = JSONObject()
        var required: [String] = []
        var routes: [(String, ArgumentRoute)] = []
        var defaults: [(String, JSONValue)] = []
        let pathPlaceholders = placeholders(in: method.path)
        let renameSingleIdentifier = [.get, .update, .delete].contains(method.kind) && pathPlaceholders.count == 1
        let owned = method.pagination?.ownedParameters ?? []

        for parameter in method.parameters {
            if method.pages && owned.contains(parameter.name) { continue }
            var argument = parameter.argument
            if parameter.location == .path && renameSingleIdentifier { argument = "id" }
            var schema = parameter.schema
            if let text = parameter.description, schema["description"] == nil { schema["description"] = .string(text) }
            properties[argument] = .object(schema)
            if parameter.isRequired { required.append(argument) }
            switch parameter.location {
            case .path: routes.append((argument, .path(parameter.name)))
            case .query: routes.append((argument, .query(parameter.name, style: parameter.style)))
            case .header: routes.append((argument, .header(parameter.name)))
            }
            if parameter.sendDefault, let value = parameter.schema["default"] { defaults.append((argument, value)) }
        }

        if let body = method.body {
            if body.isFlattened {
                let cursorInBody = method.pagination?.cursorLocation == .body ? method.pagination?.cursorParameter : nil
                for (property, schema) in body.properties where property != cursorInBody {
                    var schema = schema
                    if body.files.contains(property), case .object(var object) = schema {
                        // What a model must pass, and where conduit will take it from.
                        let said = object["description"]?.stringValue.map { $0 + " " } ?? ""
                        object["description"] = .string(said + Self.localPathNote)
                        schema = .object(object)
                    }
                    properties[property] = schema
                    routes.append((property, .bodyProperty(property)))
                }
                if body.isRequired {
                    required.append(contentsOf: body.requiredProperties.filter { properties[$0] != nil && !required.contains($0) })
                }
            } else {
                var schema = body.schema
                if schema["description"] == nil { schema["description"] = .string("The request body, sent as \(body.contentType.rawValue).") }
                properties["body"] = .object(schema)
                routes.append(("body", .body))
                if body.isRequired { required.append("body") }
            }
        }

        var text = documentation
        if !(method.body?.files.isEmpty ?? true) {
            text += "\n\nStreams a local file from disk, reporting progress."
        }
        if method.pages {
            let maximum = method.pagination?.maximumLimit.map { " (at most \($0))" } ?? ""
            properties["limit"] = .object([
                "type": "integer", "minimum": 1,
                "description": .string("Page size\(maximum)."),
            ])
            properties["next_cursor"] = .object([
                "type": "string",
                "description": "The previous page's next_cursor, exactly as received.",
            ])
            routes.append(("limit", .limit))
            routes.append(("next_cursor", .nextCursor))
            // The paging contract is told once, in the server's instructions; each list
            // tool keeps the one rule a model must not miss, in next_cursor's description.
        }
        if method.pages || method.kind == .get, !method.binaryResponse, properties["response_fields"] == nil {
            properties["response_fields"] = .object([
                "type": "array", "items": ["type": "string"],
                "description": "Fields to keep per record (dotted paths, \"a.b\").",
            ])
            routes.append(("response_fields", .responseFields))
        }
        if !method.scopes.isEmpty {
            text += "\n\nRequired scope\(method.scopes.count == 1 ? "" : "s"): \(method.scopes.joined(separator: ", "))."
        }
        if let note = method.asyncNote {
            text += "\n\nAsynchronous: success means accepted, not done. \(note)"
        }
        if method.binaryResponse {
            text += "\n\nThe file is saved locally; the result gives its path, MIME type, size and SHA-256, not the bytes."
            if properties["range"] == nil {
                properties["range"] = .object([
                    "type": "string", "pattern": "^bytes=[0-9]*-[0-9]*$",
                    "description": "Download only this byte range, as an HTTP Range value: \"bytes=0-1048575\" (the first MiB), \"bytes=1048576-\" (the rest from there). The result (HTTP 206) holds that part and says which range it is.",
                ])
                routes.append(("range", .header("Range")))
            }
        }

        var inputSchema = RedundantExamples.removed(from: ["type": "object", "properties": .object(properties)])
        if !required.isEmpty { inputSchema["required"] = .array(required.map { .string($0) }) }
        inputSchema["additionalProperties"] = false

        var outputSchema = method.outputSchema.map(RedundantExamples.removed(from:))
        if method.pages && outputSchema == nil {
            outputSchema = [
                "type": "object",
                "properties": [
                    "result": ["type": "array"],
                    "next_cursor": ["type": ["string", "null"], "description": "null on the last page"],
                ],
                "required": ["result", "next_cursor"],
            ]
        }

        let readOnly = method.readOnly ?? (method.kind == .list || method.kind == .get)
        let title = method.summary ?? defaultTitle(definition: definition, resource: resource, method: method)
        let annotations = ToolAnnotations(
            title: title,
            readOnly: readOnly,
            destructive: !readOnly && (method.destructive ?? (method.kind == .delete)),
            idempotent: method.idempotent ?? ["GET", "PUT", "DELETE"].contains(method.http),
            openWorld: true
        )
        var tags: [String] = resource.tags
        for tag in method.tags where !tags.contains(tag) { tags.append(tag) }

        return Tool(
            name: name, title: title, description: text, inputSchema: inputSchema, outputSchema: outputSchema,
            annotations: annotations, tags: tags, resource: resource, method: method,
            routes: routes, defaults: defaults
        )
    }

    private static func defaultTitle(definition: IntegrationDefinition, resource: ResourceDefinition, method: MethodDefinition) -> String {
        let plural = resource.name.replacingUnderscores
        let singular = resource.singular.replacingUnderscores
        switch method.kind {
        case .list: return "List \(definition.title) \(plural)"
        case .get: return "Get a \(definition.title) \(singular)"
        case .create: return "Create a \(definition.title) \(singular)"
        case .update: return "Update a \(definition.title) \(singular)"
        case .delete: return "Delete a \(definition.title) \(singular)"
        case .custom: return "\(definition.title) \(plural): \(method.name.replacingUnderscores)"
        }
    }
}

extension String {
    fileprivate var replacingUnderscores: String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
