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

    /// The JSON-RPC response to a tools/call, spliced from bytes the result already
    /// holds: its structured JSON goes out as `structuredContent` and, escaped, as the
    /// text block, so a page is serialised once and scanned for secrets once.
    func callResponse(_ result: ToolCallResult, id: RequestID, revision: ProtocolRevision) -> EncodedMessage {
        let text = result.textBytes
        let structured = revision.hasStructuredContent ? result.structuredJSON : []
        let escapedText = text.withUnsafeBufferPointer(JSONWriter.escapedLength)
        var writer = JSONWriter(reserving: escapedText + structured.count + 512)
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.writeRedacted(id.json)
        writer.writeRaw(",\"result\":{")
        if revision.isStateless { writer.writeRaw("\"resultType\":\"complete\",") }
        writer.writeRaw("\"content\":[{\"type\":\"text\",\"text\":")
        text.withUnsafeBufferPointer { writer.writeEscaped($0, escapedLength: escapedText) }
        writer.writeRaw("}")
        // resource_link exists from 2025-06-18; before that the text carries the same facts.
        if let link = result.link, revision.hasStructuredContent {
            writer.writeRaw(",")
            writer.writeRedacted(link.json)
        }
        writer.writeRaw("]")
        if revision.hasStructuredContent {
            writer.writeRaw(",\"structuredContent\":")
            writer.bytes.append(contentsOf: structured)
        }
        if result.isError { writer.writeRaw(",\"isError\":true") }
        if revision.isStateless {
            writer.writeRaw(",\"_meta\":")
            writer.write(.object([MetaKey.serverInfo: configuration.serverInfo(revision)]))
        }
        writer.writeRaw("}}\n")
        return EncodedMessage(line: writer.bytes, redacted: true)
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
