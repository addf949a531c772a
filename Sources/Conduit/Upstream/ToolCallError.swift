/// Why a tool call produced no upstream result. Each case renders as an
/// `isError` tool result the model can read and act on.
package enum ToolCallError: Error, Sendable, Equatable {
    case invalidArguments([String])
    case invalidCursor
    case missingCredentials(String)
    case transport(String)
    case cancelled
    case expired
    /// A download went over `files.max_bytes` (announced by Content-Length, or counted).
    case tooLarge(limit: Int, announced: Int64?)
}
