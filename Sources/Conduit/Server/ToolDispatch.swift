#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs tool calls; the server's only way to reach the outside world, so tests can
/// substitute it.
package protocol ToolInvoker: Sendable {
    func call(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult
}

extension UpstreamClient: ToolInvoker {}

/// What a tool call by name means and how it runs, the same for an MCP client's
/// `tools/call` and for `conduit call`:
/// - a tool the account's filters hide does not exist;
/// - in discovery mode only the three meta-tools can be called, and every other tool
///   is reached through `call_tool`;
/// - once `server.expires_at` has passed, a call answers "expired" and reaches nothing.
package struct ToolDispatch: Sendable {
    package let configuration: ServerConfiguration
    private let invoker: ToolInvoker
    private let discovery: DiscoveryTools
    private let now: @Sendable () -> Date

    package init(configuration: ServerConfiguration, invoker: ToolInvoker, now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.invoker = invoker
        self.now = now
        discovery = DiscoveryTools(catalog: configuration.catalog)
    }

    /// The work a call names, or nil when no such tool exists for this client.
    package func resolve(_ name: String, arguments: JSONObject, revision: ProtocolRevision) -> DiscoveryTools.Outcome? {
        switch configuration.account.settings.toolExposure {
        case .all:
            return configuration.catalog.tool(named: name).map { .run($0, arguments) }
        case .discovery:
            return discovery.handle(name: name, arguments: arguments, revision: revision)
        }
    }

    /// Runs resolved work: the tool call upstream, or a meta-tool's ready answer.
    package func run(_ work: DiscoveryTools.Outcome, context: CallContext) async -> ToolCallResult {
        if let expiresAt = configuration.account.settings.expiresAt, now() >= expiresAt {
            return .failure(.expired, integration: configuration.definition.title)
        }
        switch work {
        case .answered(let answer): return answer
        case .run(let tool, let arguments): return await invoker.call(tool, arguments: arguments, context: context)
        }
    }

    /// True for a tool that exists but, in discovery mode, is reached only through `call_tool`.
    package func isReachedThroughCallTool(_ name: String) -> Bool {
        configuration.account.settings.toolExposure == .discovery && configuration.catalog.tool(named: name) != nil
    }

    /// Why a name did not resolve, in a sentence that says what to do instead.
    package func unknownToolMessage(_ name: String) -> String {
        if isReachedThroughCallTool(name) {
            return "Unknown tool: \(name). tool_exposure is \"discovery\": call it through \(DiscoveryTools.callName) with {\"name\": \"\(name)\", \"arguments\": {…}}"
        }
        return "Unknown tool: \(name)"
    }
}
