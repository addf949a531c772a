import Synchronization

/// Shapes tools and call results for each protocol revision. Tool lists are
/// rendered once per revision and reused.
final class RenderedTools: Sendable {
    private let configuration: ServerConfiguration
    private let cache = Mutex<[ProtocolRevision: JSONValue]>([:])

    init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    func tools(for revision: ProtocolRevision) -> JSONValue {
        if let cached = cache.withLock({ $0[revision] }) { return cached }
        let rendered: JSONValue
        switch configuration.account.settings.toolExposure {
        case .all: rendered = .array(configuration.catalog.visible.map { ToolRendering.render($0, revision: revision) })
        case .discovery: rendered = .array(DiscoveryTools(catalog: configuration.catalog).render(revision: revision))
        }
        cache.withLock { $0[revision] = rendered }
        return rendered
    }

    func callResult(_ result: ToolCallResult, revision: ProtocolRevision) -> JSONValue {
        var object = JSONObject()
        if revision.isStateless { object["resultType"] = "complete" }
        var content: [JSONValue] = [.object(["type": "text", "text": .string(result.text)])]
        // resource_link exists from 2025-06-18; before that the text carries the same facts.
        if let link = result.link, revision.hasStructuredContent { content.append(link.json) }
        object["content"] = .array(content)
        if revision.hasStructuredContent { object["structuredContent"] = .object(result.structured) }
        if result.isError { object["isError"] = true }
        if revision.isStateless {
            object["_meta"] = .object([MetaKey.serverInfo: configuration.serverInfo(revision)])
        }
        return .object(object)
    }
}

/// The wire form of one tool in a given revision: only the fields that revision defines.
package enum ToolRendering {
    package static func render(_ tool: Tool, revision: ProtocolRevision) -> JSONValue {
        render(
            name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema,
            outputSchema: tool.outputSchema, annotations: tool.annotations, tags: tool.tags, revision: revision)
    }

    package static func render(
        name: String, title: String, description: String, inputSchema: JSONObject, outputSchema: JSONObject?,
        annotations: ToolAnnotations, tags: [String], revision: ProtocolRevision
    ) -> JSONValue {
        var object: JSONObject = ["name": .string(name)]
        if revision.hasStructuredContent { object["title"] = .string(title) }
        object["description"] = .string(description)
        object["inputSchema"] = .object(inputSchema)
        if revision.hasStructuredContent, let outputSchema { object["outputSchema"] = .object(outputSchema) }
        if revision.hasToolAnnotations {
            object["annotations"] = .object([
                "title": .string(annotations.title),
                "readOnlyHint": .bool(annotations.readOnly),
                "destructiveHint": .bool(annotations.destructive),
                "idempotentHint": .bool(annotations.idempotent),
                "openWorldHint": .bool(annotations.openWorld),
            ])
        }
        if revision.hasStructuredContent, !tags.isEmpty {
            object["_meta"] = .object(["conduit/tags": .array(tags.map { .string($0) })])
        }
        return .object(object)
    }
}
