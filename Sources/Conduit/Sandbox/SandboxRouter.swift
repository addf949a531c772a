#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One routed request: the raw request plus the values of the route's `{placeholders}`.
package struct SandboxCall: Sendable {
    package var request: SandboxRequest
    package var parameters: [String: String]

    package var method: String { request.method }

    /// A path placeholder's value (percent-decoded).
    package func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// The first value of a query parameter.
    package func query(_ name: String) -> String? { request.query.first { $0.name == name }?.value }

    /// Every value of a repeated query parameter, with comma-joined values split.
    package func queryList(_ name: String) -> [String] {
        request.query.filter { $0.name == name }.flatMap { $0.value.split(separator: ",").map(String.init) }
    }

    /// A query parameter read as `true`/`false`; nil when absent or anything else.
    package func queryFlag(_ name: String) -> Bool? {
        switch query(name) {
        case "true"?: true
        case "false"?: false
        default: nil
        }
    }

    package func queryInt(_ name: String) -> Int? { query(name).flatMap { Int($0) } }

    /// The body parsed as JSON; nil when empty or not JSON.
    package var json: JSONValue? {
        request.body.isEmpty ? nil : try? JSONValue.parse(request.body)
    }

    /// The body as an object, `{}` when there is none.
    package var jsonObject: JSONObject { json?.objectValue ?? [:] }

    /// `data.attributes` of a JSON:API document.
    package var jsonAPIAttributes: JSONObject? { json?["data"]?["attributes"]?.objectValue }

    package var text: String { String(decoding: request.body, as: UTF8.self) }

    /// The media type of the request body, without parameters.
    package var contentType: String {
        (request.header("Content-Type") ?? "").split(separator: ";").first.map { $0.trimmed.lowercased() } ?? ""
    }
}

/// A small declarative router: `METHOD /path/{placeholder}` → handler over the vendor's state.
///
/// When several routes match, the one with more literal segments wins, so
/// `/conversations/live` beats `/conversations/{id}`. A path that matches with
/// another method is reported as such (405) rather than as unknown (404).
package struct SandboxRouter<State>: Sendable {
    package typealias Handler = @Sendable (inout State, SandboxCall) -> SandboxResponse

    private enum Segment: Sendable {
        case literal(String)
        case placeholder(String)
    }

    private struct Route: Sendable {
        var method: String
        var segments: [Segment]
        var handler: Handler
        var literalCount: Int {
            segments.reduce(0) { count, segment in
                if case .literal = segment { return count + 1 }
                return count
            }
        }
    }

    package enum Match {
        case found(Handler, SandboxCall)
        case wrongMethod(allowed: [String])
        case notFound
    }

    private var routes: [Route] = []

    package init() {}

    /// Adds a route; `pattern` is a path with `{name}` placeholders, each a whole segment.
    package mutating func on(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let segments = Self.split(pattern).map { part -> Segment in
            part.hasPrefix("{") && part.hasSuffix("}") ? .placeholder(String(part.dropFirst().dropLast())) : .literal(part)
        }
        routes.append(Route(method: method, segments: segments, handler: handler))
    }

    private static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    package func match(_ request: SandboxRequest) -> Match {
        let parts = Self.split(request.path).map { $0.percentDecoded ?? $0 }
        var best: (route: Route, parameters: [String: String])?
        var allowed: [String] = []
        for route in routes where route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var matches = true
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let text): if text != part { matches = false }
                case .placeholder(let name): parameters[name] = part
                }
                if !matches { break }
            }
            guard matches else { continue }
            guard route.method == request.method else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if best == nil || route.literalCount > best!.route.literalCount { best = (route, parameters) }
        }
        if let best { return .found(best.route.handler, SandboxCall(request: request, parameters: best.parameters)) }
        return allowed.isEmpty ? .notFound : .wrongMethod(allowed: allowed)
    }
}

/// An ordered in-memory table of JSON records keyed by one string field: the
/// sandbox's generic store behind list, get, create, update and delete.
package struct SandboxTable: Sendable {
    package let key: String
    package private(set) var rows: [JSONObject]

    package init(key: String, rows: [JSONObject] = []) {
        self.key = key
        self.rows = rows
    }

    package var count: Int { rows.count }

    private func index(of id: String) -> Int? {
        rows.firstIndex { Self.text($0[key]) == id }
    }

    /// Ids are compared as text, so numeric ids match their string form in paths.
    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        default: nil
        }
    }

    package func find(_ id: String) -> JSONObject? { index(of: id).map { rows[$0] } }

    package func contains(_ id: String) -> Bool { index(of: id) != nil }

    package mutating func insert(_ row: JSONObject) {
        rows.append(row)
    }

    /// Merges `changes` into the record (a JSON null removes a field); nil when absent.
    @discardableResult
    package mutating func update(_ id: String, with changes: JSONObject) -> JSONObject? {
        guard let index = index(of: id) else { return nil }
        for (field, value) in changes {
            rows[index][field] = value.isNull ? nil : value
        }
        return rows[index]
    }

    /// Replaces the whole record; nil when absent.
    @discardableResult
    package mutating func replace(_ id: String, with row: JSONObject) -> JSONObject? {
        guard let index = index(of: id) else { return nil }
        rows[index] = row
        return row
    }

    @discardableResult
    package mutating func remove(_ id: String) -> JSONObject? {
        guard let index = index(of: id) else { return nil }
        return rows.remove(at: index)
    }
}

/// Deterministic choices for sample data, so every sandbox run has the same records.
package struct SandboxDice: Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    }

    /// The next value of a xorshift64* sequence.
    package mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    package mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    package mutating func pick<T>(_ options: [T]) -> T { options[int(0...options.count - 1)] }

    package mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }

    /// `count` uppercase hex digits.
    package mutating func hex(_ count: Int, uppercase: Bool = true) -> String {
        let digits = Array(uppercase ? "0123456789ABCDEF" : "0123456789abcdef")
        return String((0..<count).map { _ in digits[int(0...15)] })
    }

    /// A random-looking UUID (version 4 layout).
    package mutating func uuid() -> String {
        let a = hex(8, uppercase: false), b = hex(4, uppercase: false), c = "4" + hex(3, uppercase: false)
        let d = pick(["8", "9", "a", "b"]) + hex(3, uppercase: false), e = hex(12, uppercase: false)
        return "\(a)-\(b)-\(c)-\(d)-\(e)"
    }

    /// A decimal id of `count` digits with no leading zero, like Gong's.
    package mutating func digits(_ count: Int) -> String {
        String(int(1...9)) + String((1..<count).map { _ in Character(String(int(0...9))) })
    }
}

/// ISO 8601 text for sample timestamps, and its parse.
package enum SandboxTime {
    package static func iso(_ date: Date, offset: Int = 0) -> String {
        Timestamp.format(date, offsetSeconds: offset)
    }

    package static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = parseTimestamp(text) { return date }
        // Plain dates (YYYY-MM-DD), as Gong's stats filters take.
        return Timestamp.parseDate(text)
    }

    /// A fixed instant from calendar fields, in UTC.
    package static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Date {
        Timestamp.utc(year, month, day, hour, minute)
    }
}
