/// Where one tool argument goes in the upstream request.
package enum ArgumentRoute: Sendable, Equatable {
    case path(String)
    case query(String, style: QueryStyle)
    case header(String)
    /// One property of a flattened body object.
    case bodyProperty(String)
    /// The whole body (a root array, a text body).
    case body
    /// conduit's own list arguments.
    case limit
    case nextCursor
    /// `response_fields`: what of each record the result keeps (never sent upstream).
    case responseFields
}

/// Hints clients show to users and models; see MCP `ToolAnnotations`.
package struct ToolAnnotations: Sendable, Equatable {
    package var title: String
    package var readOnly: Bool
    package var destructive: Bool
    package var idempotent: Bool
    package var openWorld: Bool
}

/// One MCP tool generated from one documented method of a definition.
package struct Tool: Sendable {
    package var name: String
    package var title: String
    package var description: String
    package var inputSchema: JSONObject
    package var outputSchema: JSONObject?
    package var annotations: ToolAnnotations
    package var tags: [String]
    package var resource: ResourceDefinition
    package var method: MethodDefinition
    /// Argument name → route, in schema order.
    package var routes: [(argument: String, route: ArgumentRoute)]
    /// Parameters sent even when absent, with their schema default.
    package var defaults: [(argument: String, value: JSONValue)]
    /// A vendor-neutral tool (see `UnifiedTools`), run from the definition's `unified` mapping.
    package var unified: UnifiedMapping.Operation? = nil

    package var kind: MethodKind { method.kind }

    package func route(for argument: String) -> ArgumentRoute? {
        routes.first { $0.argument == argument }?.route
    }
}
