/// The MCP protocol revisions conduit speaks, and what each one allows on the wire.
package enum ProtocolRevision: String, Sendable, CaseIterable, Comparable {
    case v2024_11_05 = "2024-11-05"
    case v2025_03_26 = "2025-03-26"
    case v2025_06_18 = "2025-06-18"
    case v2025_11_25 = "2025-11-25"
    case v2026_07_28 = "2026-07-28"

    /// Revisions opened with the `initialize` handshake.
    package static let handshakeRevisions: [ProtocolRevision] = [.v2024_11_05, .v2025_03_26, .v2025_06_18, .v2025_11_25]
    /// Revisions that carry version and capabilities on every request.
    package static let statelessRevisions: [ProtocolRevision] = [.v2026_07_28]
    package static let latestHandshake = ProtocolRevision.v2025_11_25

    package static var allVersionStrings: [JSONValue] { allCases.map { .string($0.rawValue) } }

    private var order: Int { Self.allCases.firstIndex(of: self)! }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.order < rhs.order }

    package var isStateless: Bool { self >= .v2026_07_28 }
    /// Tool annotations arrived in 2025-03-26.
    package var hasToolAnnotations: Bool { self >= .v2025_03_26 }
    /// `title`, `outputSchema`, `structuredContent` and `resource_link` arrived in 2025-06-18.
    package var hasStructuredContent: Bool { self >= .v2025_06_18 }
    /// The progress notification's `message` field arrived in 2025-03-26.
    package var hasProgressMessage: Bool { self >= .v2025_03_26 }
    /// JSON-RPC batches exist only in 2025-03-26.
    package var acceptsBatches: Bool { self == .v2025_03_26 }
}

/// The `_meta` keys of the stateless revision.
package enum MetaKey {
    package static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
    package static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
    package static let clientInfo = "io.modelcontextprotocol/clientInfo"
    package static let logLevel = "io.modelcontextprotocol/logLevel"
    package static let serverInfo = "io.modelcontextprotocol/serverInfo"
    package static let subscriptionID = "io.modelcontextprotocol/subscriptionId"
}

/// Syslog severities as MCP names them, least severe first.
package enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case debug, info, notice, warning, error, critical, alert, emergency

    private var order: Int { Self.allCases.firstIndex(of: self)! }
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.order < rhs.order }
}
