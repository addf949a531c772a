#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an upstream said about its rate limits, normalised whatever the header style:
/// `ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` (seconds from now) and
/// `retry-after` (seconds from now).
///
/// Read, in this order of preference: the definition's own header names, the IETF
/// `RateLimit-Limit/-Remaining/-Reset` fields, the combined `RateLimit` field
/// (`limit=100, remaining=0, reset=30` or the structured `r=0;t=30` form),
/// `X-RateLimit-*`, and `Retry-After` as seconds or an HTTP date. A reset above
/// 10^9 is read as a Unix time (above 10^12, in milliseconds) unless the definition
/// says which it is.
package struct RateLimitState: Sendable, Equatable {
    package var limit: Int?
    package var remaining: Int?
    package var reset: Int?
    package var retryAfter: Int?

    package var isEmpty: Bool { limit == nil && remaining == nil && reset == nil && retryAfter == nil }

    /// The longest the upstream asked to wait, if it said.
    package var wait: Int? {
        switch (retryAfter, reset) {
        case (let retry?, let reset?): max(retry, reset)
        case (let retry?, nil): retry
        case (nil, let reset?): remaining == 0 || remaining == nil ? reset : nil
        default: nil
        }
    }

    package var json: JSONObject {
        var object = JSONObject()
        if let limit { object["ratelimit-limit"] = .int(Int64(limit)) }
        if let remaining { object["ratelimit-remaining"] = .int(Int64(remaining)) }
        if let reset { object["ratelimit-reset"] = .int(Int64(reset)) }
        if let retryAfter { object["retry-after"] = .int(Int64(retryAfter)) }
        return object
    }

    package init(limit: Int? = nil, remaining: Int? = nil, reset: Int? = nil, retryAfter: Int? = nil) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.retryAfter = retryAfter
    }

    /// Reads `headers` (names lower-cased) as of `now`.
    package init(headers: [String: String], declared: RateLimitHeaders = RateLimitHeaders(), now: Date = Date()) {
        func first(_ names: [String]) -> String? {
            for name in names { if let value = headers[name.lowercased()] { return value } }
            return nil
        }
        let combined = headers["ratelimit"].map(Self.combinedFields) ?? [:]

        limit = first(declared.limit + ["ratelimit-limit", "x-ratelimit-limit", "x-rate-limit-limit"]).flatMap(Self.leadingInteger)
            ?? (combined["limit"] ?? combined["l"]).flatMap(Self.leadingInteger)
        remaining = first(declared.remaining + ["ratelimit-remaining", "x-ratelimit-remaining", "x-rate-limit-remaining"]).flatMap(Self.leadingInteger)
            ?? (combined["remaining"] ?? combined["r"]).flatMap(Self.leadingInteger)

        let declaredReset = first(declared.reset).flatMap { Self.resetSeconds($0, style: declared.resetStyle, now: now) }
        // A definition may name Retry-After itself as the reset header (Gong does).
        let declaredIsRetryAfter = declared.reset.contains { $0.lowercased() == "retry-after" }
        reset = (declaredIsRetryAfter ? nil : declaredReset)
            ?? headers["ratelimit-reset"].flatMap { Self.resetSeconds($0, style: .delta, now: now) }
            ?? (combined["reset"] ?? combined["t"]).flatMap { Self.resetSeconds($0, style: .delta, now: now) }
            ?? first(["x-ratelimit-reset", "x-rate-limit-reset"]).flatMap { Self.resetSeconds($0, style: nil, now: now) }
            ?? headers["x-ratelimit-reset-after"].flatMap { Self.resetSeconds($0, style: .delta, now: now) }
        retryAfter = headers["retry-after"].flatMap { Self.retryAfterSeconds($0, now: now) }
    }

    /// `Retry-After`: delay seconds, or an HTTP date (RFC 9110: IMF-fixdate, and the
    /// obsolete RFC 850 and asctime forms).
    static func retryAfterSeconds(_ text: String, now: Date) -> Int? {
        let trimmed = text.trimmed
        if let seconds = Double(trimmed), seconds.isFinite { return max(0, Int(seconds.rounded(.up))) }
        guard let date = HTTPDate.parse(trimmed) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }

    /// A reset value as seconds from now.
    static func resetSeconds(_ text: String, style: RateLimitHeaders.ResetStyle?, now: Date) -> Int? {
        let trimmed = text.trimmed
        guard let value = Double(trimmed.split(separator: ",").first.map(String.init) ?? trimmed), value.isFinite, value >= 0 else {
            return retryAfterSeconds(trimmed, now: now)
        }
        let epoch: Double?
        switch style {
        case .delta?: epoch = nil
        case .epoch?: epoch = value > 1e12 ? value / 1000 : value
        case nil: epoch = value > 1e12 ? value / 1000 : value > 1e9 ? value : nil
        }
        if let epoch { return max(0, Int((epoch - now.timeIntervalSince1970).rounded(.up))) }
        return Int(value.rounded(.up))
    }

    /// `100`, `100, 100;w=60` → 100.
    static func leadingInteger(_ text: String) -> Int? {
        let digits = text.trimmed.prefix { $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }

    /// The combined `RateLimit` field: `limit=100, remaining=0, reset=30`, or the
    /// structured form `"policy";r=0;t=30`. Keys lower-cased; the first value wins.
    static func combinedFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for piece in text.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmed.lowercased()
            let value = pair[1].trimmed(andAlso: ["\""])
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }
}
