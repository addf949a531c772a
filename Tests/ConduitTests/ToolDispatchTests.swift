import Foundation
import Synchronization
import Testing

@testable import Conduit

/// Records which tools reached the outside world.
private final class CountingInvoker: ToolInvoker {
    let called = Mutex<[String]>([])

    func call(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult {
        called.withLock { $0.append(tool.name) }
        return ToolCallResult(structured: ["tool": .string(tool.name)])
    }
}

/// The one dispatch `tools/call` and `conduit call` share: filters, exposure mode and
/// expiry decide what a name means before anything is sent.
@Suite struct ToolDispatchTests {
    @Test func aToolTheFiltersHideDoesNotResolve() throws {
        var settings = ServerSettings()
        settings.methods = ["get"]
        let dispatch = ToolDispatch(configuration: try sampleConfiguration(settings: settings), invoker: CountingInvoker())
        #expect(dispatch.resolve("get_single_acme_widget_by_id", arguments: [:], revision: .v2026_07_28) != nil)
        #expect(dispatch.resolve("list_all_acme_widgets", arguments: [:], revision: .v2026_07_28) == nil)
        #expect(dispatch.unknownToolMessage("list_all_acme_widgets") == "Unknown tool: list_all_acme_widgets")
    }

    @Test func discoveryModeReachesToolsOnlyThroughCallTool() async throws {
        var settings = ServerSettings()
        settings.toolExposure = .discovery
        let invoker = CountingInvoker()
        let dispatch = ToolDispatch(configuration: try sampleConfiguration(settings: settings), invoker: invoker)
        #expect(dispatch.resolve("list_all_acme_widgets", arguments: [:], revision: .v2026_07_28) == nil)
        #expect(dispatch.isReachedThroughCallTool("list_all_acme_widgets"))
        #expect(dispatch.unknownToolMessage("list_all_acme_widgets").contains("call_tool"))
        #expect(!dispatch.isReachedThroughCallTool("no_such_tool"))

        let work = try #require(
            dispatch.resolve("call_tool", arguments: ["name": "list_all_acme_widgets", "arguments": .object([:])], revision: .v2026_07_28))
        let result = await dispatch.run(work, context: CallContext())
        #expect(!result.isError, "\(result.text)")
        #expect(invoker.called.withLock { $0 } == ["list_all_acme_widgets"])
    }

    @Test func anExpiredServerAnswersExpiredAndReachesNothing() async throws {
        var settings = ServerSettings()
        settings.expiresAt = Date(timeIntervalSince1970: 1_000)
        let invoker = CountingInvoker()
        let dispatch = ToolDispatch(
            configuration: try sampleConfiguration(settings: settings), invoker: invoker, now: { Date(timeIntervalSince1970: 1_001) })
        let work = try #require(dispatch.resolve("list_all_acme_widgets", arguments: [:], revision: .v2026_07_28))
        let result = await dispatch.run(work, context: CallContext())
        #expect(result.isError)
        #expect(result.structured["error"]?["type"]?.stringValue == "expired")
        #expect(invoker.called.withLock { $0 }.isEmpty)

        let before = ToolDispatch(
            configuration: try sampleConfiguration(settings: settings), invoker: invoker, now: { Date(timeIntervalSince1970: 999) })
        #expect(!(await before.run(work, context: CallContext())).isError)
        #expect(invoker.called.withLock { $0 } == ["list_all_acme_widgets"])
    }

    @Test func theAuthSchemeIsChosenOnceWithTheConfiguration() throws {
        let configuration = try sampleConfiguration()
        guard case .success(.header(let name, _)) = configuration.auth else {
            Issue.record("expected the header scheme, got \(configuration.auth)")
            return
        }
        #expect(name == "Authorization")
        let loaded = try sampleLoaded()
        let bare = ServerConfiguration(
            definition: loaded.definition, account: Account(integration: "acme", credentials: [:], source: "a.json"),
            catalog: configuration.catalog)
        guard case .failure(let error) = bare.auth else {
            Issue.record("no credentials, yet a scheme was chosen")
            return
        }
        #expect(error.description.contains("token"))
    }
}
