import Foundation
import Testing

@testable import Conduit

/// Every rate-limit header style normalises to the same four fields.
@Suite struct RateLimitTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func ietfFieldsAreReadAsDeltas() {
        let state = RateLimitState(headers: ["ratelimit-limit": "100", "ratelimit-remaining": "0", "ratelimit-reset": "30"], now: now)
        #expect(state == RateLimitState(limit: 100, remaining: 0, reset: 30))
        #expect(state.wait == 30)
    }

    @Test func xRateLimitResetAsEpochSecondsOrMillisecondsOrDelta() {
        let epoch = RateLimitState(headers: ["x-ratelimit-limit": "60", "x-ratelimit-remaining": "5", "x-ratelimit-reset": "1800000042"], now: now)
        #expect(epoch == RateLimitState(limit: 60, remaining: 5, reset: 42))
        let millis = RateLimitState(headers: ["x-ratelimit-reset": "1800000010000"], now: now)
        #expect(millis.reset == 10)
        let delta = RateLimitState(headers: ["x-ratelimit-reset": "15"], now: now)
        #expect(delta.reset == 15)
        // A reset in the past is "now", never negative.
        #expect(RateLimitState(headers: ["x-ratelimit-reset": "1700000000"], now: now).reset == 0)
    }

    @Test func retryAfterAsSecondsOrHTTPDate() {
        #expect(RateLimitState(headers: ["retry-after": "7"], now: now).retryAfter == 7)
        let date = RateLimitState(headers: ["retry-after": "Fri, 15 Jan 2027 08:00:20 GMT"], now: Date(timeIntervalSince1970: 1_800_000_000))
        // 1800000000 is 2027-01-15T08:00:00Z.
        #expect(date.retryAfter == 20)
        #expect(date.wait == 20)
        #expect(RateLimitState(headers: ["retry-after": "soon"], now: now).retryAfter == nil)
    }

    @Test func theCombinedFieldInBothSpellings() {
        let named = RateLimitState(headers: ["ratelimit": "limit=100, remaining=3, reset=12"], now: now)
        #expect(named == RateLimitState(limit: 100, remaining: 3, reset: 12))
        let structured = RateLimitState(headers: ["ratelimit": "\"default\";r=0;t=9"], now: now)
        #expect(structured.remaining == 0 && structured.reset == 9)
    }

    @Test func aDefinitionCanNameItsOwnHeadersAndResetStyle() {
        var declared = RateLimitHeaders()
        declared.limit = ["X-Quota-Max"]
        declared.remaining = ["X-Quota-Left"]
        declared.reset = ["X-Quota-Reset"]
        declared.resetStyle = .epoch
        let state = RateLimitState(headers: ["x-quota-max": "10", "x-quota-left": "1", "x-quota-reset": "1800000005"], declared: declared, now: now)
        #expect(state == RateLimitState(limit: 10, remaining: 1, reset: 5))
        #expect(state.json == ["ratelimit-limit": 10, "ratelimit-remaining": 1, "ratelimit-reset": 5])
    }

    @Test func nothingKnownIsNothingReported() {
        let state = RateLimitState(headers: ["content-type": "application/json"], now: now)
        #expect(state.isEmpty && state.json.isEmpty && state.wait == nil)
    }
}

/// A 429 says when to come back in every spelling, whichever one the vendor used.
@Suite struct RateLimitResultTests {
    private func rateLimited(_ headers: [String: String]) throws -> ToolCallResult {
        let loaded = try sampleLoaded()
        let tool = try #require(loaded.tools.first { $0.name == "list_all_acme_widgets" })
        let interpreter = ResponseInterpreter(definition: loaded.definition, tool: tool, store: FileStore(settings: FileSettings()))
        return interpreter.interpret(
            HTTPResponse(status: 429, headers: headers, body: Array(#"{"message": "slow down"}"#.utf8)), position: nil, limit: nil)
    }

    @Test func onlyRateLimitHeadersAlsoGiveRetryAfter() throws {
        let result = try rateLimited(["ratelimit-limit": "100", "ratelimit-remaining": "0", "ratelimit-reset": "30"])
        #expect(result.isError)
        #expect(result.structured["retry_after_seconds"] == 30)
        let limits = result.structured["error"]?["rate_limit"]
        #expect(limits?["retry-after"] == 30 && limits?["ratelimit-reset"] == 30 && limits?["ratelimit-remaining"] == 0)
        #expect(result.structured["error"]?["type"] == "rate_limited")
    }

    @Test func onlyRetryAfterAlsoGivesTheReset() throws {
        let result = try rateLimited(["retry-after": "12"])
        #expect(result.structured["retry_after_seconds"] == 12)
        let limits = result.structured["error"]?["rate_limit"]
        #expect(limits?["retry-after"] == 12 && limits?["ratelimit-reset"] == 12)
        #expect(result.text.contains("wait 12 s"))
    }

    @Test func noFigureMeansNoInventedOne() throws {
        let result = try rateLimited([:])
        #expect(result.structured["retry_after_seconds"] == nil)
        #expect(result.text.contains("did not say how long to wait"))
    }
}
