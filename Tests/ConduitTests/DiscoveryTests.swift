import Foundation
import Testing

@testable import Conduit

/// `tool_exposure: discovery`: three meta-tools in front of the filtered catalog.
@Suite struct DiscoveryTests {
    private func settings(_ methods: [String]? = nil) -> ServerSettings {
        var settings = ServerSettings()
        settings.toolExposure = .discovery
        settings.methods = methods
        return settings
    }

    private func callResult(_ harness: ServerHarness, id: Int, _ name: String, _ arguments: JSONObject) async -> JSONValue? {
        harness.send(modernRequest(id, "tools/call", params: ["name": .string(name), "arguments": .object(arguments)]))
        return await harness.response(.int(Int64(id)))?["result"]
    }

    @Test func onlyTheThreeMetaToolsAreListed() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration(settings: settings()))
        harness.send(modernRequest(1, "tools/list"))
        let tools = try #require(await harness.response(1)?["result"]?["tools"]?.arrayValue)
        #expect(tools.compactMap { $0["name"]?.stringValue } == ["search_tools", "get_tool_schema", "call_tool"])
        // call_tool can reach a delete, so it says so; with read-only filters it would not.
        #expect(tools[2]["annotations"]?["destructiveHint"] == true)
        let readOnly = ServerHarness(configuration: try sampleConfiguration(settings: settings(["read"])))
        readOnly.send(modernRequest(1, "tools/list"))
        let narrowed = try #require(await readOnly.response(1)?["result"]?["tools"]?.arrayValue)
        // Read-only: destructiveHint is meaningless then, and left out.
        #expect(narrowed[2]["annotations"]?["readOnlyHint"] == true && narrowed[2]["annotations"]?["destructiveHint"] == nil)
    }

    @Test func searchRanksNameMatchesFirstAndAnEmptyQueryGroupsByResource() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration(settings: settings()))
        let found = try #require(await callResult(harness, id: 1, "search_tools", ["query": "gadgets"]))
        let names = found["structuredContent"]?["matches"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names?.first == "list_all_acme_gadgets")
        // Argument names are searched too: only the widget list takes "color".
        let byArgument = try #require(await callResult(harness, id: 2, "search_tools", ["query": "color"]))
        #expect(byArgument["structuredContent"]?["matches"]?.arrayValue?.first?["name"] == "list_all_acme_widgets")
        let none = try #require(await callResult(harness, id: 3, "search_tools", ["query": "zeppelin"]))
        #expect(none["structuredContent"]?["total_matches"] == 0 && none["isError"] == nil)

        let overview = try #require(await callResult(harness, id: 4, "search_tools", [:]))
        let resources = try #require(overview["structuredContent"]?["resources"]?.arrayValue)
        #expect(resources.compactMap { $0["resource"]?.stringValue } == ["widgets", "gadgets"])
        #expect(resources[1]["tools"] == ["list_all_acme_gadgets"])
    }

    @Test func searchOnlySeesWhatTheFiltersKeep() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration(settings: settings(["read"])))
        let found = try #require(await callResult(harness, id: 1, "search_tools", ["query": "delete widget"]))
        let names = found["structuredContent"]?["matches"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(!names.isEmpty && !names.contains { $0.hasPrefix("delete_") })
    }

    @Test func schemasComeForOneToFiveNamesWithSuggestionsForTypos() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration(settings: settings()))
        let good = try #require(await callResult(harness, id: 1, "get_tool_schema", ["names": ["list_all_acme_widgets"]]))
        let tool = try #require(good["structuredContent"]?["tools"]?.arrayValue?.first)
        #expect(tool["inputSchema"]?["properties"]?["color"]?["enum"] == ["red", "blue"])

        let typo = try #require(await callResult(harness, id: 2, "get_tool_schema", ["names": ["list_all_acme_widget"]]))
        #expect(typo["isError"] == true)
        #expect(typo["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("did you mean \"list_all_acme_widgets\"") == true)

        let tooMany = try #require(await callResult(harness, id: 3, "get_tool_schema", ["names": .array((1...6).map { .string("t\($0)") })]))
        #expect(tooMany["isError"] == true)
        #expect(tooMany["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("1 to 5") == true)
        let empty = try #require(await callResult(harness, id: 4, "get_tool_schema", ["names": []]))
        #expect(empty["isError"] == true)
    }

    @Test func callToolRunsTheToolThroughTheSamePathAndFilters() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration(settings: settings(["read"])))
        let ran = try #require(await callResult(harness, id: 1, "call_tool", ["name": "list_all_acme_widgets", "arguments": ["color": "red"]]))
        #expect(ran["structuredContent"]?["tool"] == "list_all_acme_widgets")
        #expect(ran["structuredContent"]?["arguments"] == ["color": "red"])

        // A tool the filters hide is as unknown as a made-up one.
        let hidden = try #require(await callResult(harness, id: 2, "call_tool", ["name": "delete_a_acme_widget_by_id", "arguments": ["id": "w1"]]))
        let madeUp = try #require(await callResult(harness, id: 3, "call_tool", ["name": "fly_acme_zeppelin"]))
        #expect(hidden["isError"] == true && madeUp["isError"] == true)
        #expect(hidden["structuredContent"]?["error"]?["type"] == "unknown_tool")
        #expect(madeUp["structuredContent"]?["error"]?["type"] == "unknown_tool")

        let badArguments = try #require(await callResult(harness, id: 4, "call_tool", ["name": "list_all_acme_widgets", "arguments": "color=red"]))
        #expect(badArguments["isError"] == true)
    }

    @Test func catalogToolsCannotBeCalledDirectlyInDiscoveryMode() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration(settings: settings()))
        harness.send(modernRequest(1, "tools/call", params: ["name": "list_all_acme_widgets", "arguments": [:]]))
        #expect(await harness.response(1)?["error"]?["code"] == -32602)
    }

    @Test func editDistanceStopsAtItsLimit() {
        #expect(DiscoveryTools.editDistance(Array("kitten".utf8), Array("sitting".utf8), limit: 5) == 3)
        #expect(DiscoveryTools.editDistance(Array("abc".utf8), Array("abcdefgh".utf8), limit: 2) == 3)
        #expect(DiscoveryTools.editDistance([], Array("ab".utf8), limit: 2) == 2)
    }
}
