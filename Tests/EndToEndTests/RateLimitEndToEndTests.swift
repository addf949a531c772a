import Conduit
import Foundation
import Synchronization
import Testing

/// Rate limits through the built binary: every header style a vendor may use comes
/// back normalised in `structuredContent.error.rate_limit`, a 429 is never retried
/// unless the account opts in, and the opt-in `retry` policy waits as asked.
@Suite(.serialized) struct RateLimitEndToEndTests {
    static let meBody: JSONValue = ["data": ["type": "user", "id": "u-1", "attributes": ["name": "Ana"]]]

    /// One header style, with the headers made when the request arrives (dates and
    /// epoch resets are relative to then) and the normalised fields expected back.
    struct Style: Sendable, CustomTestStringConvertible {
        var name: String
        var headers: @Sendable (Date) -> [(String, String)]
        var limit: Int64? = nil
        var remaining: Int64? = nil
        /// Accepted `ratelimit-reset` values.
        var reset: ClosedRange<Int64>? = nil
        /// Accepted `retry-after` values.
        var retryAfter: ClosedRange<Int64>? = nil
        var testDescription: String { name }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static let styles: [Style] = [
        Style(name: "Retry-After seconds", headers: { _ in [("Retry-After", "7")] }, retryAfter: 7...7),
        Style(name: "Retry-After HTTP date", headers: { now in [("Retry-After", httpDate(now.addingTimeInterval(10)))] }, retryAfter: 9...11),
        Style(
            name: "X-RateLimit with an epoch reset",
            headers: { now in
                [("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", String(Int(now.timeIntervalSince1970) + 30))]
            },
            limit: 100, remaining: 0, reset: 28...31),
        Style(
            name: "IETF RateLimit-* fields", headers: { _ in [("RateLimit-Limit", "60"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", "12")] },
            limit: 60, remaining: 0, reset: 12...12),
        Style(name: "combined RateLimit field", headers: { _ in [("RateLimit", "limit=100, remaining=0, reset=5")] }, limit: 100, remaining: 0, reset: 5...5),
    ]

    /// A Chorus fake whose `GET /api/v1/users/me` (list_all_chorus_me) is `answer(n, now)`
    /// for the n-th request (from 1); the arrival times are recorded.
    final class Limited: Sendable {
        private final class Arrivals: Sendable {
            let times = Mutex<[Date]>([])
        }
        let server: LoopbackHTTPServer
        private let arrivals: Arrivals
        var arrivalTimes: [Date] { arrivals.times.withLock { $0 } }
        var meRequests: [RecordedRequest] { server.requests.filter { $0.path == "/api/v1/users/me" } }

        init(_ answer: @escaping @Sendable (Int, Date) -> FakeResponse) throws {
            let arrivals = Arrivals()
            self.arrivals = arrivals
            server = try LoopbackHTTPServer { request in
                guard request.path == "/api/v1/users/me", request.header("Authorization") == FakeChorus.token else { return FakeChorus.handle(request) }
                let now = Date()
                let count = arrivals.times.withLock { list -> Int in
                    list.append(now)
                    return list.count
                }
                return answer(count, now)
            }
        }

        func stop() { server.stop() }
    }

    static func tooMany(_ headers: [(String, String)], status: Int = 429) -> FakeResponse {
        .json(["errors": [["status": .string(String(status)), "title": "Too Many Requests", "detail": "Slow down"]]], status: status, headers: headers)
    }

    private func session(_ fake: Limited, name: String, retry: JSONObject? = nil) throws -> VendorSession {
        var account: JSONObject = [
            "integration": "chorus", "base_url": .string(fake.server.baseURL), "credentials": ["api_token": "${CHORUS_TOKEN}"],
        ]
        if let retry { account["retry"] = .object(retry) }
        let path = TemporaryFiles.folder + "/ratelimit-account-\(UUID().uuidString).json"
        try JSONValue.object(account).jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return try VendorSession(account: path, environment: ["CHORUS_TOKEN": FakeChorus.token], name: name)
    }

    // MARK: 10. Header styles, no retry policy

    @Test(arguments: styles)
    func a429IsAnErrorWithNormalisedLimitsAndIsNotRetried(style: Style) throws {
        let fake = try Limited { _, now in Self.tooMany(style.headers(now)) }
        defer { fake.stop() }
        let conduit = try session(fake, name: "ratelimit-\(style.name)")

        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(result.isError)
        let error = try #require(result.structured?["error"])
        #expect(error["status"] == 429)
        #expect(error["type"] == "rate_limited")
        #expect(error["upstream_message"]?.stringValue?.contains("Slow down") == true)
        let limits = try #require(error["rate_limit"]?.objectValue, "no rate_limit in \(error.jsonString)")
        if let limit = style.limit { #expect(limits["ratelimit-limit"] == .int(limit), "\(limits)") }
        if let remaining = style.remaining { #expect(limits["ratelimit-remaining"] == .int(remaining), "\(limits)") }
        if let reset = style.reset {
            let value = try #require(limits["ratelimit-reset"]?.intValue, "\(limits)")
            #expect(reset.contains(value), "ratelimit-reset \(value), expected \(reset)")
        } else {
            // Said only as Retry-After: the reset is filled in from it.
            #expect(limits["ratelimit-reset"] != nil && limits["ratelimit-reset"] == limits["retry-after"], "\(limits)")
        }
        if let retryAfter = style.retryAfter {
            let value = try #require(limits["retry-after"]?.intValue, "\(limits)")
            #expect(retryAfter.contains(value), "retry-after \(value), expected \(retryAfter)")
            #expect(result.message.contains("wait \(value) s"), "\(result.message)")
        } else {
            // Said only as a reset: Retry-After is filled in from it.
            #expect(limits["retry-after"] != nil && limits["retry-after"] == limits["ratelimit-reset"], "\(limits)")
        }
        if style.retryAfter == nil, let reset = limits["ratelimit-reset"]?.intValue {
            #expect(result.message.contains("wait \(reset) s"), "\(result.message)")
        }
        // The figure an agent needs, where it can read it.
        let longest = max(limits["retry-after"]?.intValue ?? 0, limits["ratelimit-reset"]?.intValue ?? 0)
        #expect(result.structured?["retry_after_seconds"]?.intValue == longest, "\(result.structured ?? [:])")

        // Never silently retried: exactly one request, even a moment later.
        usleep(300_000)
        #expect(fake.meRequests.count == 1, "the fake saw \(fake.meRequests.count) requests")
    }

    // MARK: 11. The opt-in retry policy

    @Test func withARetryPolicyA429IsWaitedOutAndRetried() throws {
        let fake = try Limited { count, _ in count == 1 ? Self.tooMany([("Retry-After", "1")]) : .json(Self.meBody) }
        defer { fake.stop() }
        let conduit = try session(fake, name: "ratelimit-retry", retry: ["max_attempts": 3, "max_wait_seconds": 5])

        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(result.structured?["result"]?.arrayValue?.first?["id"] == "u-1")
        let times = fake.arrivalTimes
        try #require(times.count == 2, "requests: \(times.count)")
        let gap = times[1].timeIntervalSince(times[0])
        #expect(gap >= 0.9 && gap < 3, "the retry came \(gap) s after the 429")
        let retries = try #require(result.structured?["conduit_retries"]?.arrayValue, "\(result.text.prefix(400))")
        #expect(retries.count == 1)
        #expect(retries.first?["status"] == 429)
        #expect(retries.first?["waited_seconds"]?.doubleValue == 1)
        #expect(result.text.contains("waited") && result.text.contains("429"), "\(result.text.prefix(300))")
    }

    @Test func aWaitLongerThanMaxWaitIsReturnedAtOnce() throws {
        let fake = try Limited { _, _ in Self.tooMany([("Retry-After", "60")]) }
        defer { fake.stop() }
        let conduit = try session(fake, name: "ratelimit-too-long", retry: ["max_attempts": 3, "max_wait_seconds": 5])

        let started = Date()
        let result = try #require(conduit.call("list_all_chorus_me"))
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.isError)
        #expect(result.structured?["error"]?["rate_limit"]?["retry-after"] == 60)
        #expect(result.message.contains("60 s"), "\(result.message)")
        #expect(elapsed < 2, "took \(elapsed) s")
        usleep(200_000)
        #expect(fake.meRequests.count == 1)
    }

    @Test func a503IsRetriedToo() throws {
        let fake = try Limited { count, _ in
            count == 1
                ? .json(["errors": [["status": "503", "title": "Service Unavailable", "detail": "Maintenance"]]], status: 503, headers: [("Retry-After", "1")])
                : .json(Self.meBody)
        }
        defer { fake.stop() }
        let conduit = try session(fake, name: "ratelimit-503", retry: ["max_attempts": 2, "max_wait_seconds": 5])

        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(fake.meRequests.count == 2)
        #expect(result.structured?["conduit_retries"]?.arrayValue?.first?["status"] == 503)
    }

    @Test func whenAttemptsRunOutTheLast429IsReturnedWithTheRetriesItWaited() throws {
        let fake = try Limited { _, _ in Self.tooMany([("RateLimit", "limit=10, remaining=0, reset=1")]) }
        defer { fake.stop() }
        let conduit = try session(fake, name: "ratelimit-exhausted", retry: ["max_attempts": 2, "max_wait_seconds": 5])

        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(result.isError)
        #expect(fake.meRequests.count == 2, "requests: \(fake.meRequests.count)")
        let error = try #require(result.structured?["error"])
        #expect(error["status"] == 429)
        #expect(error["retries"]?.arrayValue?.count == 1, "\(error.jsonString)")
        #expect(result.text.contains("waited"))
    }

    @Test func aSuccessCarriesNoRetryNote() throws {
        let fake = try Limited { _, _ in .json(Self.meBody, headers: [("RateLimit-Limit", "100"), ("RateLimit-Remaining", "99"), ("RateLimit-Reset", "60")]) }
        defer { fake.stop() }
        let conduit = try session(fake, name: "ratelimit-ok", retry: ["max_attempts": 3, "max_wait_seconds": 5])
        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(!result.isError)
        #expect(result.structured?["conduit_retries"] == nil)
        #expect(fake.meRequests.count == 1)
    }
}
