/// Why a tool call produced no upstream result. Each case renders as an
/// `isError` tool result the model can read and act on.
package enum ToolCallError: Error, Sendable, Equatable {
    case invalidArguments([String])
    case invalidCursor
    case missingCredentials(String)
    /// The HTTP exchange failed (see `TransportError.Code` for which way).
    case transport(TransportError)
    /// The credentials were refused, or no usable token came back for them.
    case authentication(String)
    case cancelled
    case expired

    /// A transport failure as a tool call failure: a cancelled transfer is a cancelled call.
    package init(_ error: TransportError) {
        self = error.code == .cancelled ? .cancelled : .transport(error)
    }
}
