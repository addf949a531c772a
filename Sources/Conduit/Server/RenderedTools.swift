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
            outputSchema: tool.outputSchema, annotations: tool.annotations, tags: tool.tags, revision: revision,
            operationID: tool.method.operationID)
    }

    package static func render(
        name: String, title: String, description: String, inputSchema: JSONObject, outputSchema: JSONObject?,
        annotations: ToolAnnotations, tags: [String], revision: ProtocolRevision, operationID: String? = nil
    ) -> JSONValue {
        var object: JSONObject = ["name": .string(name)]
        if revision.hasStructuredContent { object["title"] = .string(title) }
        object["description"] = .string(description)
        object["inputSchema"] = .object(SchemaSharing.shared(inputSchema))
        if revision.hasStructuredContent, let outputSchema { object["outputSchema"] = .object(SchemaSharing.shared(outputSchema)) }
        if revision.hasToolAnnotations {
            // Only what differs from the defaults a client assumes (readOnly false,
            // destructive true, idempotent false, openWorld true), and the title only
            // where the tool has no title of its own. A delete stays explicitly destructive.
            var hints: JSONObject = [:]
            if !revision.hasStructuredContent { hints["title"] = .string(annotations.title) }
            if annotations.readOnly {
                hints["readOnlyHint"] = true
            } else {
                hints["destructiveHint"] = .bool(annotations.destructive)
            }
            if annotations.idempotent { hints["idempotentHint"] = true }
            if !annotations.openWorld { hints["openWorldHint"] = false }
            object["annotations"] = .object(hints)
        }
        if revision.hasStructuredContent, !tags.isEmpty || operationID != nil {
            var meta: JSONObject = [:]
            if !tags.isEmpty { meta["conduit/tags"] = .array(tags.map { .string($0) }) }
            // The OpenAPI operation an imported tool calls, as its document names it.
            if let operationID { meta["conduit/operation_id"] = .string(operationID) }
            object["_meta"] = .object(meta)
        }
        return .object(object)
    }
}

/// Writes a schema whose large sub-schemas repeat (Gong's permission scopes, CRM
/// references) with each repeated one once, under `$defs`, and `$ref`s where it stood.
/// Only what is sent is rewritten: conduit validates arguments against the full schema.
enum SchemaSharing {
    /// Sub-schemas smaller than this stay inline: a reference would save too little.
    /// (Gong's terse permission level, 193 bytes, repeats nine times in a profile.)
    static let minimumSize = 150

    static func shared(_ schema: JSONObject) -> JSONObject {
        guard schema["$defs"] == nil else { return schema }
        var counts: [String: Int] = [:]
        func count(_ schema: JSONObject) {
            _ = schema.mappingSubschemas { sub in
                let key = JSONValue.object(sub).jsonString
                if key.utf8.count >= minimumSize { counts[key, default: 0] += 1 }
                count(sub)
                return sub
            }
        }
        count(schema)
        let repeated = counts.filter { $0.value > 1 }
        guard !repeated.isEmpty else { return schema }
        var names: [String: String] = [:]
        var definitions = JSONObject()
        func rewrite(_ schema: JSONObject) -> JSONObject {
            schema.mappingSubschemas { sub in
                let key = JSONValue.object(sub).jsonString
                guard repeated[key] != nil else { return rewrite(sub) }
                let name: String
                if let known = names[key] {
                    name = known
                } else {
                    name = "s\(names.count + 1)"
                    names[key] = name
                    definitions[name] = .object(rewrite(sub))
                }
                return ["$ref": .string("#/$defs/\(name)")]
            }
        }
        var result = rewrite(schema)
        result["$defs"] = .object(definitions)
        return result
    }
}
