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
