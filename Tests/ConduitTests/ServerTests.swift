import Foundation
import Testing

@testable import Conduit

@Suite struct LegacyHandshakeTests {
    @Test(arguments: ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
    func aSupportedVersionIsEchoed(version: String) async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{}}}"#)
        let result = try #require(await harness.response(1)?["result"])
        #expect(result["protocolVersion"] == .string(version))
        #expect(result["serverInfo"]?["name"] == "conduit-acme")
        #expect(result["instructions"]?.stringValue?.contains("Acme") == true)
        #expect(result["capabilities"]?["tools"] != nil)
    }

    @Test func anUnknownVersionGetsTheLatestHandshakeVersion() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{}}}"#)
        #expect(await harness.response(1)?["result"]?["protocolVersion"] == "2025-11-25")
    }

    @Test func requestsBeforeInitializeAreRefusedButPingIsAnswered() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        #expect(await harness.response(1)?["error"]?["code"] == -32602)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
        #expect(await harness.response(2)?["result"] == .object([:]))
    }

    @Test func aSecondInitializeIsRefused() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}"#)
        #expect(await harness.response(2)?["error"]?["code"] == -32600)
    }

    @Test func toolsAreShapedForTheNegotiatedRevision() async throws {
        let old = ServerHarness(configuration: try sampleConfiguration())
        old.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}}"#)
        old.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        let oldTool = try #require(await old.response(2)?["result"]?["tools"]?.arrayValue?.first?.objectValue)
        #expect(Set(oldTool.keys) == ["name", "description", "inputSchema"])

        let new = ServerHarness(configuration: try sampleConfiguration())
        new.send(legacyInitialize)
        new.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        let newTool = try #require(await new.response(2)?["result"]?["tools"]?.arrayValue?.first?.objectValue)
        #expect(newTool["title"] != nil && newTool["annotations"] != nil && newTool["outputSchema"] != nil)
    }

    @Test func unknownMethodsAndUnknownToolsGetTheirCodes() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"prompts/list"}"#)
        #expect(await harness.response(2)?["error"]?["code"] == -32601)
        harness.send(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope"}}"#)
        #expect(await harness.response(3)?["error"]?["code"] == -32602)
        harness.send(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":[1]}}"#)
        #expect(await harness.response(4)?["error"]?["code"] == -32602)
    }

    @Test func parseErrorsLeaveTheIdOutBeforeAnEraAndIn2025_11_25() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send("{not json")
        let reply = try #require(await harness.wait { $0["error"] != nil })
        #expect(reply.objectValue?.keys.contains("id") == false)
        #expect(reply["error"]?["code"] == -32700)
        harness.server.receive([0x22, 0xC3, 0x28, 0x22])
        #expect(await harness.wait { $0["error"]?["message"]?.stringValue?.contains("UTF-8") == true } != nil)
    }

    @Test func parseErrorsCarryANullIdInOlderRevisions() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send("{not json")
        let reply = try #require(await harness.wait { $0["error"] != nil })
        #expect(reply["id"] == .null)
    }

    @Test func notificationsAreNeverAnswered() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        harness.send(#"{"jsonrpc":"2.0","method":"unknown/notification"}"#)
        harness.send(#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        _ = await harness.response(9)
        #expect(harness.all.count == 2)
    }

    @Test func batchesWorkOnlyIn20250326() async throws {
        let batched = ServerHarness(configuration: try sampleConfiguration())
        batched.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}}"#)
        batched.send(#"[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]"#)
        let reply = try #require(await batched.wait { $0.arrayValue != nil })
        #expect(Set(reply.arrayValue!.compactMap { $0["id"] }) == [.int(2), .int(3)])

        let refused = ServerHarness(configuration: try sampleConfiguration())
        refused.send(legacyInitialize)
        refused.send(#"[{"jsonrpc":"2.0","id":2,"method":"ping"}]"#)
        #expect(await refused.wait { $0["error"]?["code"] == -32600 } != nil)
    }

    @Test func logMessagesFollowTheLevelTheClientSet() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_acme_widgets"}}"#)
        _ = await harness.response(2)
        #expect(!harness.all.contains { $0["method"] == "notifications/message" })
        harness.send(#"{"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"info"}}"#)
        harness.send(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_all_acme_widgets"}}"#)
        _ = await harness.response(4)
        #expect(await harness.wait { $0["method"] == "notifications/message" }?["params"]?["level"] == "info")
    }
}

@Suite struct StatelessEraTests {
    @Test func discoverListsVersionsCapabilitiesAndServerInfo() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(1, "server/discover"))
        let result = try #require(await harness.response(1)?["result"])
        #expect(result["resultType"] == "complete")
        #expect(result["supportedVersions"]?.arrayValue?.contains("2026-07-28") == true)
        #expect(result["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "conduit-acme")
        #expect(result["ttlMs"]?.intValue ?? -1 >= 0)
    }

    @Test func anUnsupportedVersionGetsTheVersionError() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(1, "tools/list", version: "1900-01-01"))
        let error = try #require(await harness.response(1)?["error"])
        #expect(error["code"] == -32022)
        #expect(error["data"]?["requested"] == "1900-01-01")
        #expect(error["data"]?["supported"]?.arrayValue?.contains("2026-07-28") == true)
    }

    @Test func missingClientCapabilitiesIsInvalidParams() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#)
        #expect(await harness.response(1)?["error"]?["code"] == -32602)
    }

    @Test func toolsListCarriesCachingHintsAndResultType() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(1, "tools/list"))
        let result = try #require(await harness.response(1)?["result"])
        #expect(result["resultType"] == "complete")
        #expect(result["cacheScope"] != nil && result["ttlMs"] != nil)
        #expect(result["tools"]?.arrayValue?.count == 6)
    }

    @Test func pingAndSetLevelDoNotExistHere() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(1, "ping"))
        #expect(await harness.response(1)?["error"]?["code"] == -32601)
    }

    @Test func logMessagesOnlyWhenTheRequestAsksForThem() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(1, "tools/call", params: ["name": "list_all_acme_widgets"]))
        _ = await harness.response(1)
        #expect(!harness.all.contains { $0["method"] == "notifications/message" })
        harness.send(modernRequest(2, "tools/call", params: ["name": "list_all_acme_widgets"], extraMeta: ["io.modelcontextprotocol/logLevel": "debug"]))
        _ = await harness.response(2)
        #expect(await harness.wait { $0["method"] == "notifications/message" } != nil)
    }

    @Test func subscriptionsAreAcknowledgedAndEndQuietlyWhenCancelled() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(5, "subscriptions/listen", params: ["notifications": ["toolsListChanged": true, "resourcesListChanged": true]]))
        let ack = try #require(await harness.wait { $0["method"] == "notifications/subscriptions/acknowledged" })
        #expect(ack["params"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == .int(5))
        #expect(ack["params"]?["notifications"] == ["toolsListChanged": true])
        harness.send(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}"#)
        await harness.drain(timeout: 0.1)
        #expect(!harness.all.contains { $0["id"] == .int(5) })
    }

    @Test func openSubscriptionsGetAGracefulEndAtShutdown() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(modernRequest(6, "subscriptions/listen", params: ["notifications": ["toolsListChanged": true]]))
        await harness.drain(timeout: 0.1)
        #expect(await harness.response(6)?["result"]?["_meta"]?["io.modelcontextprotocol/subscriptionId"] == .int(6))
    }
}

@Suite struct ConcurrencyTests {
    @Test func aSlowCallDoesNotDelayPingOrToolsList() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":{"delay_ms":2000}}}"#)
        harness.send(#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#)
        harness.send(#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#)
        #expect(await harness.response(3, timeout: 1) != nil)
        #expect(await harness.response(4, timeout: 1) != nil)
        #expect(!harness.all.contains { $0["id"] == .int(2) })
    }

    @Test func cancellationStopsTheCallAndSuppressesItsResponse() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        // The call would take 20 s; cancelled, it ends at once. The bound is loose so a
        // busy machine cannot fail it, and still far from "ran to completion".
        harness.send(#"{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":{"delay_ms":20000}}}"#)
        try await Task.sleep(for: .milliseconds(100))
        harness.send(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow","reason":"user"}}"#)
        harness.send(#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        _ = await harness.response(9)
        let start = Date()
        await harness.drain(timeout: 25)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(!harness.all.contains { $0["id"] == "slow" })
    }

    @Test func progressIsReportedInIncreasingOrderForAProgressToken() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(legacyInitialize)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":{"delay_ms":100},"_meta":{"progressToken":"p1"}}}"#)
        _ = await harness.response(2)
        let progress = harness.all.filter { $0["method"] == "notifications/progress" }.compactMap { $0["params"]?["progress"]?.doubleValue }
        #expect(progress.count == 10)
        #expect(progress == progress.sorted() && Set(progress).count == progress.count)
        #expect(harness.all.first { $0["method"] == "notifications/progress" }?["params"]?["progressToken"] == "p1")
    }

    @Test func integerIdsAbove2To53AreEchoedExactly() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}"#)
        #expect(await harness.response(.int(9_007_199_254_740_993)) != nil)
    }
}
