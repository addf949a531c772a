import Testing

@testable import Conduit

/// How a failed call reads: a transport failure says which way it failed, in the
/// error and at the top of the structured content.
@Suite struct ToolCallFailureTests {
    @Test(arguments: TransportError.Code.allCases.filter { $0 != .cancelled })
    func aTransportFailureNamesItsCode(code: TransportError.Code) {
        let result = ToolCallResult.failure(ToolCallError(TransportError(code, "something about 127.0.0.1:9")), integration: "Gong")
        #expect(result.isError)
        #expect(result.text == "The call to the Gong API failed: something about 127.0.0.1:9.\n" + #"{"type":"\#(code.rawValue)"}"#)
        #expect(result.structured["type"] == .string(code.rawValue))
        #expect(result.structured["error"]?["type"] == .string(code.rawValue))
        #expect(result.structured["error"]?["message"] == "The call to the Gong API failed: something about 127.0.0.1:9.")
    }

    @Test func theSizeCapAndCancellingKeepTheirOwnResults() {
        let capped = ToolCallResult.failure(ToolCallError(.tooLarge(limit: 100, announced: 1000)), integration: "Gong")
        #expect(capped.structured["error"]?["type"] == "too_large" && capped.structured["error"]?["max_bytes"] == 100)
        #expect(capped.text.hasPrefix("The Gong response is larger than the download size cap of 100 bytes (1000 bytes announced)"))
        #expect(ToolCallError(.cancelled) == .cancelled)
        let cancelled = ToolCallResult.failure(ToolCallError(.cancelled), integration: "Gong")
        #expect(cancelled.structured["error"]?["type"] == "cancelled")
    }

    @Test func aRefusedTokenRequestIsAnAuthenticationFailure() {
        let result = ToolCallResult.failure(.authentication("the token endpoint answered HTTP 401; check client_id and client_secret"), integration: "Gong")
        #expect(result.structured["error"]?["type"] == "auth_failed")
        #expect(result.text.hasPrefix("The call to the Gong API failed: the token endpoint answered HTTP 401"))
    }
}
