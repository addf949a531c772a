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
        let rendered = JSONValue.array(configuration.catalog.visible.map { ToolRendering.render($0, revision: revision) })
        cache.withLock { $0[revision] = rendered }
        return rendered
    }

    func callResult(_ result: ToolCallResult, revision: ProtocolRevision) -> JSONValue {
        var object = JSONObject()
        if revision.isStateless { object["resultType"] = "complete" }
        object["content"] = .array([.object(["type": "text", "text": .string(result.text)])])
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
        var object: JSONObject = ["name": .string(tool.name)]
        if revision.hasStructuredContent { object["title"] = .string(tool.title) }
        object["description"] = .string(tool.description)
        object["inputSchema"] = .object(tool.inputSchema)
        if revision.hasStructuredContent, let output = tool.outputSchema { object["outputSchema"] = .object(output) }
        if revision.hasToolAnnotations {
            object["annotations"] = .object([
                "title": .string(tool.annotations.title),
                "readOnlyHint": .bool(tool.annotations.readOnly),
                "destructiveHint": .bool(tool.annotations.destructive),
                "idempotentHint": .bool(tool.annotations.idempotent),
                "openWorldHint": .bool(tool.annotations.openWorld),
            ])
        }
        if revision.hasStructuredContent, !tool.tags.isEmpty {
            object["_meta"] = .object(["conduit/tags": .array(tool.tags.map { .string($0) })])
        }
        return .object(object)
    }
}
