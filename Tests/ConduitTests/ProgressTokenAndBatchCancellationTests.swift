import Foundation
import Testing

@testable import Conduit

/// `_meta.progressToken` is a string or an integer (MCP schema: ProgressToken); a token
/// of another type must never reach `notifications/progress`.
@Suite struct ProgressTokenTests {
    private func progressNotifications(token: String, revision: String = "2025-06-18") async throws -> (answered: Bool, progress: [JSONValue]) {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(revision)","capabilities":{}}}"#)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":{"delay_ms":50},"_meta":{"progressToken":\#(token)}}}"#)
        let answer = await harness.response(2)
        return (answer?["result"] != nil, harness.all.filter { $0["method"] == "notifications/progress" })
    }

    @Test(arguments: [#"{"a":1}"#, "1.5", "null", "true", "false", "[1]", "[]"])
    func aTokenOfAnotherTypeIsTreatedAsAbsent(token: String) async throws {
        let outcome = try await progressNotifications(token: token)
        #expect(outcome.answered, "the call itself must still be answered")
        let echoed = outcome.progress.first?["params"]?["progressToken"]
        #expect(outcome.progress.count == 0, "progress notifications sent for token \(token), echoing \(echoed?.jsonString ?? "nothing")")
    }

    @Test(arguments: [(#""p-1""#, JSONValue.string("p-1")), ("7", .int(7)), ("-3", .int(-3)), ("9007199254740993", .int(9_007_199_254_740_993))])
    func stringAndIntegerTokensAreEchoedExactly(token: String, expected: JSONValue) async throws {
        let outcome = try await progressNotifications(token: token)
        #expect(outcome.answered)
        #expect(outcome.progress.count == 10)
        #expect(outcome.progress.allSatisfy { $0["params"]?["progressToken"] == expected })
    }

    @Test func theStatelessEraIgnoresABadTokenToo() async throws {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(
            modernRequest(
                2, "tools/call", params: ["name": "list_all_acme_widgets", "arguments": ["delay_ms": 50]],
                extraMeta: ["progressToken": ["nested": true]]))
        #expect(await harness.response(2)?["result"] != nil)
        #expect(!harness.all.contains { $0["method"] == "notifications/progress" })
    }
}

/// Cancelling one request of a 2025-03-26 batch: that request goes unanswered (as a
/// cancelled single request does), the others are still answered, as one array.
@Suite struct BatchCancellationTests {
    private func batchHarness() throws -> ServerHarness {
        let harness = ServerHarness(configuration: try sampleConfiguration())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}}"#)
        return harness
    }

    private static let slowCall = #"{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":{"delay_ms":20000}}}"#
    private static let cancelSlow = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow","reason":"user"}}"#

    @Test func cancellingOneRequestStillAnswersTheOthersAsOneArray() async throws {
        let harness = try batchHarness()
        harness.send(
            #"[{"jsonrpc":"2.0","id":2,"method":"ping"},\#(Self.slowCall),{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_all_acme_widgets","arguments":{"delay_ms":100}}}]"#)
        try await Task.sleep(for: .milliseconds(100))
        harness.send(Self.cancelSlow)
        let batch = try #require(await harness.wait(timeout: 10) { $0.arrayValue != nil }, "the batch was never answered")
        let ids = batch.arrayValue!.compactMap { $0["id"] }
        #expect(Set(ids) == [.int(2), .int(3)] && ids.count == 2)
        #expect(batch.arrayValue!.allSatisfy { $0["result"] != nil })

        // Nothing more comes for the cancelled call, as for a cancelled single request.
        harness.send(#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        _ = await harness.response(9)
        await harness.drain(timeout: 5)
        #expect(!harness.all.contains { $0["id"] == "slow" })
        #expect(!harness.all.contains { $0.arrayValue?.contains { $0["id"] == "slow" } == true })
        #expect(harness.all.filter { $0.arrayValue != nil }.count == 1)
    }

    @Test func theBatchIsWrittenWithoutWaitingForTheCancelledCallToWindDown() async throws {
        // An invoker that ignores cancellation: the batch must not wait for it.
        let harness = ServerHarness(configuration: try sampleConfiguration(), invoker: StubbornInvoker())
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}}"#)
        harness.send(#"[{"jsonrpc":"2.0","id":2,"method":"ping"},\#(Self.slowCall)]"#)
        try await Task.sleep(for: .milliseconds(50))
        harness.send(Self.cancelSlow)
        let batch = try #require(await harness.wait(timeout: 1.5) { $0.arrayValue != nil }, "the batch waited for the cancelled call")
        #expect(batch.arrayValue!.compactMap { $0["id"] } == [.int(2)])
    }

    @Test func aCancelInsideTheSameBatchSettlesTheCall() async throws {
        let harness = try batchHarness()
        harness.send(#"[{"jsonrpc":"2.0","id":2,"method":"ping"},\#(Self.slowCall),\#(Self.cancelSlow)]"#)
        let batch = try #require(await harness.wait(timeout: 10) { $0.arrayValue != nil }, "the batch was never answered")
        #expect(batch.arrayValue!.compactMap { $0["id"] } == [.int(2)])
    }

    @Test func aBatchWhoseOnlyRequestIsCancelledWritesNothing() async throws {
        let harness = try batchHarness()
        harness.send(#"[\#(Self.slowCall),{"jsonrpc":"2.0","method":"notifications/initialized"}]"#)
        try await Task.sleep(for: .milliseconds(100))
        harness.send(Self.cancelSlow)
        harness.send(#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        #expect(await harness.response(9) != nil)
        await harness.drain(timeout: 5)
        #expect(!harness.all.contains { $0.arrayValue != nil || $0["id"] == "slow" })
    }

    @Test func aCallGivenUpAtShutdownStillLetsItsBatchBeWritten() async throws {
        let harness = try batchHarness()
        harness.send(#"[{"jsonrpc":"2.0","id":2,"method":"ping"},\#(Self.slowCall)]"#)
        try await Task.sleep(for: .milliseconds(50))
        await harness.drain(timeout: 0.2)
        let batch = try #require(harness.all.first { $0.arrayValue != nil }, "the batch was lost at shutdown")
        #expect(batch.arrayValue!.compactMap { $0["id"] } == [.int(2)])
    }

    @Test func aSingleCancelledRequestStillGetsNoResponse() async throws {
        let harness = try batchHarness()
        harness.send(Self.slowCall)
        try await Task.sleep(for: .milliseconds(50))
        harness.send(Self.cancelSlow)
        harness.send(#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        _ = await harness.response(9)
        await harness.drain(timeout: 5)
        #expect(!harness.all.contains { $0["id"] == "slow" })
    }
}

/// Takes three seconds whatever happens, cancellation included (without holding a thread).
private struct StubbornInvoker: ToolInvoker {
    func call(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + 3) { continuation.resume() }
        }
        return ToolCallResult(structured: ["tool": .string(tool.name)])
    }
}
