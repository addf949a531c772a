#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs one vendor-neutral tool: calls the definition's own methods as its `unified`
/// mapping says (through the same request building, auth, retries and rate-limit
/// handling as any tool) and reads unified records out of their answers.
///
/// Meetings come newest first whatever order the vendor pages in: the list walks time
/// windows backwards from `start_time_to` (or now). Each window is read whole — one
/// vendor call per vendor page — sorted, and cut at `limit`; the cursor remembers where
/// the cut fell (an instant, and the ids already shown at that instant) and how wide a
/// window to try next. A window with nothing in it doubles the next one; one with far
/// more than a page narrows it, so later windows take about one vendor page each.
struct UnifiedRunner {
    let client: UpstreamClient
    let definition: IntegrationDefinition
    let tool: Tool
    let operation: UnifiedMapping.Operation
    let spec: UnifiedOperation
    let context: CallContext
    var now: Date = Date()

    /// Bounds on one page's work, so a sparse or huge account cannot hold a call forever.
    static let maximumCallsPerPage = 40
    static let firstWindow: Double = 31 * 86_400
    static let narrowestWindow: Double = 3600

    private enum Fetched {
        case answer(JSONValue)
        case empty
        case failed(ToolCallResult)
    }

    private struct Stop: Error {
        var result: ToolCallResult
    }

    func run(_ arguments: JSONObject) async -> ToolCallResult {
        do {
            switch operation {
            case .listMeetings: return try await listMeetings(arguments)
            case .listUsers: return try await listUsers(arguments)
            case .getMeeting, .getUser: return try await getOne(arguments)
            case .meetingTranscript: return try await transcript(arguments)
            }
        } catch {
            return error.result
        }
    }

    // MARK: Vendor calls

    /// One call of a definition method; its structured answer, "nothing here", or the
    /// vendor's failure as that method's own tool would report it.
    private func fetch(_ reference: MethodReference, _ arguments: JSONObject, emptyStatuses: [Int] = []) async -> Fetched {
        guard let vendor = client.methodTool(reference) else {
            return .failed(.failure("The unified mapping names \(reference), which this definition does not have.", details: ["type": "invalid_definition"]))
        }
        let result = await client.fetch(vendor, arguments: arguments, context: context)
        if result.isError {
            let status = result.structured["error"]?["status"]?.intValue.map(Int.init)
            if let status, emptyStatuses.contains(status) { return .empty }
            return .failed(result)
        }
        return .answer(.object(result.structured))
    }

    private func answer(_ reference: MethodReference, _ arguments: JSONObject, emptyStatuses: [Int] = []) async throws(Stop) -> JSONValue? {
        switch await fetch(reference, arguments, emptyStatuses: emptyStatuses) {
        case .answer(let value): return value
        case .empty: return nil
        case .failed(let result): throw Stop(result: result)
        }
    }

    /// The fixed arguments with every `"{id}"` replaced by the id.
    private static func substitute(_ value: JSONValue, id: String?) -> JSONValue {
        switch value {
        case .string("{id}"): return id.map(JSONValue.string) ?? .null
        case .array(let items): return .array(items.map { substitute($0, id: id) })
        case .object(let object):
            var out = JSONObject()
            for (key, member) in object { out[key] = substitute(member, id: id) }
            return .object(out)
        default: return value
        }
    }

    private static func set(_ value: JSONValue, at path: [String], in object: inout JSONObject) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var inner = object[first]?.objectValue ?? [:]
        set(value, at: Array(path.dropFirst()), in: &inner)
        object[first] = .object(inner)
    }

    private func mapper(id: String?, answer: JSONValue?) async throws(Stop) -> RecordMapper {
        var mapper = RecordMapper(id: id)
        for join in spec.joins {
            var source: JSONValue?
            if let call = join.call {
                let arguments = Self.substitute(.object(join.arguments), id: id).objectValue ?? [:]
                switch await fetch(call, arguments, emptyStatuses: [404]) {
                case .answer(let value): source = value
                case .empty: source = nil
                case .failed(let result):
                    if !join.optional { throw Stop(result: result) }
                    context.log(.info, "unified \(tool.name): optional \(join.name) call failed; its fields are null")
                }
            } else {
                source = answer
            }
            let records = source.map { RecordMapper.records(in: $0, levels: join.records).compactMap(\.last) } ?? []
            mapper.joins[join.name] = .init(records: records, key: join.key)
        }
        return mapper
    }

    // MARK: Shaping records

    private var fieldNames: [String] { UnifiedMappingDecoder.fields(for: operation) }

    /// A unified record in the contract's order, `source` built from the mapped id and
    /// `source_url`, the vendor object added on request, narrowed to `response_fields`.
    private func shape(_ chain: [JSONValue], mapper: RecordMapper, arguments: JSONObject) -> JSONObject {
        var fields = mapper.record(chain, fields: spec.fields, names: fieldNames)
        if case .array(let attendees)? = fields["attendees"] {
            fields["attendees"] = .array(attendees.map(Self.attendee))
        }
        if operation != .meetingTranscript {
            let source: JSONObject = ["integration": .string(definition.name), "id": fields["id"] ?? .null, "url": fields["source_url"] ?? .null]
            fields["source_url"] = nil
            fields["source"] = .object(source)
        } else if fields["speaker_type"]?.isNull ?? true {
            fields["speaker_type"] = "unknown"
        }
        if arguments["include_remote_data"] == true, let leaf = chain.last { fields["remote_data"] = leaf }
        return fields
    }

    private static let attendeeFields = ["id", "name", "email", "is_host", "type", "company"]

    private static func attendee(_ value: JSONValue) -> JSONValue {
        guard case .object(let given) = value else { return value }
        var out = JSONObject()
        for name in attendeeFields { out[name] = given[name] ?? .null }
        return .object(out)
    }

    private func narrowed(_ record: JSONObject, _ arguments: JSONObject) -> JSONValue {
        guard case .array(let fields)? = arguments["response_fields"], let selection = FieldSelection(fields.compactMap(\.stringValue)) else {
            return .object(record)
        }
        return selection.apply(to: .object(record))
    }

    private func limitArgument(_ arguments: JSONObject) -> Int {
        min(max(Int(arguments["limit"]?.intValue ?? Int64(UnifiedTools.defaultLimit)), 1), UnifiedTools.maximumLimit)
    }

    private func invalid(_ problem: String) -> Stop {
        Stop(result: .failure(.invalidArguments([problem]), integration: definition.title))
    }

    private func cursor(_ arguments: JSONObject) throws(Stop) -> JSONObject? {
        guard case .string(let text)? = arguments["next_cursor"], !text.isEmpty else { return nil }
        guard let decoded = ListCursor.decode(text, tool: tool.name), case .object(let state)? = decoded.vendorCursor else {
            throw Stop(result: .failure(.invalidCursor, integration: definition.title))
        }
        return state
    }

    private func encode(_ state: JSONObject) -> String {
        ListCursor(vendorCursor: .object(state)).encode(tool: tool.name)
    }

    /// `{"result": [...], "next_cursor": ...}`, cut to what fits inline: the records shown
    /// are a prefix, and `resume` makes the cursor for the first one not shown.
    private func page(_ records: [JSONValue], more: String?, resume: (Int) -> String?) -> ToolCallResult {
        let budget = client.store.settings.inlineLimitBytes - ResponseInterpreter.listEnvelopeAllowance
        // Each record measured once; the array adds a comma between records.
        var used = 0
        var fitting = 0
        for record in records {
            used += record.jsonBytes.count + (fitting > 0 ? 1 : 0)
            if used > budget && fitting > 0 { break }
            fitting += 1
        }
        let next = fitting < records.count ? resume(fitting) : more
        return ToolCallResult(structured: ["result": .array(Array(records.prefix(fitting))), "next_cursor": next.map(JSONValue.string) ?? .null])
    }

    // MARK: Meetings list

    private struct Meeting {
        var start: Double
        var id: String
        var record: JSONObject
    }

    private func listMeetings(_ arguments: JSONObject) async throws(Stop) -> ToolCallResult {
        guard let window = spec.window else { throw invalid("the definition's meetings.list has no window") }
        let limit = limitArgument(arguments)
        func instant(_ name: String) throws(Stop) -> Double? {
            guard let text = arguments[name]?.stringValue else { return nil }
            guard let date = Timestamp.parse(text) ?? Timestamp.parseDate(text) else {
                throw invalid("\(name) must be an ISO 8601 date-time such as 2025-03-01T00:00:00Z, not \"\(text)\"")
            }
            return date.timeIntervalSince1970
        }
        let attendee = arguments["attendee_email"]?.stringValue?.lowercased()
        let host = arguments["user_id"].flatMap(RecordMapper.JoinData.keyText)

        // Where the walk stands: everything after `end` was shown; at `end` itself either
        // everything (`inclusive` false) or only the ids in `shownAtEnd`.
        var end: Double
        var inclusive = false
        var shownAtEnd: Set<String> = []
        var width = Self.firstWindow
        let floor: Double
        if let state = try cursor(arguments) {
            guard let e = state["e"]?.doubleValue, let f = state["f"]?.doubleValue, let w = state["w"]?.doubleValue, w > 0 else {
                throw Stop(result: .failure(.invalidCursor, integration: definition.title))
            }
            end = e
            floor = f
            width = w
            inclusive = state["i"] == true
            shownAtEnd = Set((state["x"]?.arrayValue ?? []).compactMap(\.stringValue))
        } else {
            end = try instant("start_time_to") ?? now.timeIntervalSince1970.rounded(.up) + 1
            floor = try instant("start_time_from") ?? end - Double(window.lookbackDays) * 86_400
        }

        var fixed = Self.substitute(.object(spec.arguments), id: nil).objectValue ?? [:]
        for (name, filter) in spec.filters {
            guard let value = arguments[name], !value.isNull else { continue }
            Self.set(filter.asArray ? .array([value]) : value, at: filter.argument, in: &fixed)
        }

        var collected: [Meeting] = []
        var calls = 0
        let (startEnd, startInclusive, startShown) = (end, inclusive, shownAtEnd)
        while collected.count < limit, end > floor {
            let from = max(floor, end - width)
            var windowArguments = fixed
            Self.set(.string(Timestamp.format(Date(timeIntervalSince1970: from.rounded(.down)))), at: window.from, in: &windowArguments)
            // Vendors differ on whether `to` is inclusive; one second more, and the local
            // check below keeps exactly [from, end].
            Self.set(.string(Timestamp.format(Date(timeIntervalSince1970: end.rounded(.down) + 1))), at: window.to, in: &windowArguments)

            var found: [Meeting] = []
            var vendorCursor: String?
            var complete = false
            let callsBefore = calls
            while calls < Self.maximumCallsPerPage {
                var request = windowArguments
                if let vendorCursor { request["next_cursor"] = .string(vendorCursor) }
                calls += 1
                guard let answer = try await answer(spec.call, request, emptyStatuses: spec.emptyStatuses) else {
                    complete = true
                    break
                }
                let mapper = RecordMapper()
                for chain in RecordMapper.records(in: answer, levels: spec.records) {
                    let record = shape(chain, mapper: mapper, arguments: arguments)
                    // A meeting without a start cannot be placed in time; say so rather than hide it.
                    guard let start = record["start_time"]?.stringValue.flatMap(Timestamp.parse)?.timeIntervalSince1970,
                        let id = record["id"].flatMap(RecordMapper.JoinData.keyText)
                    else {
                        context.log(.warning, "\(tool.name): a \(definition.title) record without an id or start time was left out")
                        continue
                    }
                    guard start >= from, start < end || (inclusive && start == end && !shownAtEnd.contains(id)) else { continue }
                    if let attendee, !Self.attendees(record).contains(where: { $0["email"]?.stringValue?.lowercased() == attendee }) { continue }
                    if let host, !Self.attendees(record).contains(where: { $0["is_host"] == true && $0["id"].flatMap(RecordMapper.JoinData.keyText) == host }) {
                        continue
                    }
                    found.append(Meeting(start: start, id: id, record: record))
                }
                vendorCursor = answer["next_cursor"]?.stringValue
                if vendorCursor == nil {
                    complete = true
                    break
                }
            }
            if !complete {
                // The page's call budget ran out inside this window: stop before it, and
                // (if the window itself was too big for a page) try a narrower one next time.
                if callsBefore == 0 { width = max(Self.narrowestWindow, width / 4) }
                break
            }
            found.sort { ($0.start, $0.id) > ($1.start, $1.id) }
            var seen = Set(found.map(\.id))
            if seen.count < found.count {
                // The same meeting on two vendor pages (records moved while paging): once.
                seen = []
                found = found.filter { seen.insert($0.id).inserted }
            }
            let room = limit - collected.count
            if found.count > room {
                collected += found.prefix(room)
                let last = found[room - 1]
                if last.start != end { shownAtEnd = [] }
                end = last.start
                inclusive = true
                for meeting in found.prefix(room) where meeting.start == end { shownAtEnd.insert(meeting.id) }
                // Aim the next window at about one page of what is left here.
                width = max(Self.narrowestWindow, min(width, (end - from) * Double(limit) / Double(found.count - room) + 1))
                break
            }
            collected += found
            end = from
            inclusive = false
            shownAtEnd = []
            if found.isEmpty {
                width *= 2
            } else if found.count > limit * 2 {
                width = max(Self.narrowestWindow, width * Double(limit) / Double(found.count))
            }
        }

        let exhausted = end <= floor
        func state(end: Double, inclusive: Bool, shown: Set<String>) -> String {
            encode([
                "e": .double(end), "i": .bool(inclusive), "x": .array(shown.sorted().map(JSONValue.string)), "w": .double(width), "f": .double(floor),
            ])
        }
        let records = collected.map { narrowed($0.record, arguments) }
        return page(records, more: exhausted ? nil : state(end: end, inclusive: inclusive, shown: shownAtEnd)) { count in
            // Cut for size after `count` records: resume right after the last one shown.
            let last = collected[count - 1]
            let shown = Set(collected.prefix(count).filter { $0.start == last.start }.map(\.id))
            return state(end: last.start, inclusive: true, shown: shown.union(last.start == startEnd && startInclusive ? startShown : []))
        }
    }

    private static func attendees(_ record: JSONObject) -> [JSONValue] {
        record["attendees"]?.arrayValue ?? []
    }

    // MARK: Users list

    private func listUsers(_ arguments: JSONObject) async throws(Stop) -> ToolCallResult {
        let limit = limitArgument(arguments)
        var vendorCursor: String?
        var skip = 0
        if let state = try cursor(arguments) {
            vendorCursor = state["c"]?.stringValue
            skip = Int(state["s"]?.intValue ?? 0)
        }
        // Each record with the vendor position it came from, so a cut anywhere resumes exactly.
        var collected: [(record: JSONValue, cursor: String?, index: Int)] = []
        var next: JSONObject?
        var calls = 0
        while true {
            var request = Self.substitute(.object(spec.arguments), id: nil).objectValue ?? [:]
            if let vendorCursor { request["next_cursor"] = .string(vendorCursor) }
            calls += 1
            guard let answer = try await answer(spec.call, request, emptyStatuses: spec.emptyStatuses) else { break }
            let mapper = RecordMapper()
            let records = RecordMapper.records(in: answer, levels: spec.records).map { narrowed(shape($0, mapper: mapper, arguments: arguments), arguments) }
            let room = limit - collected.count
            for (index, record) in records.enumerated().dropFirst(skip).prefix(room) {
                collected.append((record, vendorCursor, index))
            }
            if records.count - skip > room {
                next = ["c": vendorCursor.map(JSONValue.string) ?? .null, "s": .int(Int64(skip + room))]
                break
            }
            skip = 0
            guard let following = answer["next_cursor"]?.stringValue else { break }
            vendorCursor = following
            if collected.count >= limit || calls >= Self.maximumCallsPerPage {
                next = ["c": .string(following), "s": 0]
                break
            }
        }
        return page(collected.map(\.record), more: next.map(encode)) { count in
            let first = collected[count]
            return encode(["c": first.cursor.map(JSONValue.string) ?? .null, "s": .int(Int64(first.index))])
        }
    }

    // MARK: One record

    private func getOne(_ arguments: JSONObject) async throws(Stop) -> ToolCallResult {
        guard let id = arguments["id"].flatMap(RecordMapper.JoinData.keyText), !id.isEmpty else { throw invalid("id is required") }
        let noun = operation == .getUser ? "user" : "meeting"
        let request = Self.substitute(.object(spec.arguments), id: id).objectValue ?? [:]
        var vendorCursor: String?
        var calls = 0
        repeat {
            var paged = request
            if let vendorCursor { paged["next_cursor"] = .string(vendorCursor) }
            calls += 1
            guard let answer = try await answer(spec.call, paged, emptyStatuses: spec.emptyStatuses) else { break }
            var chains = RecordMapper.records(in: answer, levels: spec.records)
            if let find = spec.find {
                chains = chains.filter { $0.last.flatMap(find.value(in:)).flatMap(RecordMapper.JoinData.keyText) == id }
            }
            if let chain = chains.first {
                let mapper = try await mapper(id: id, answer: answer)
                let record = narrowed(shape(chain, mapper: mapper, arguments: arguments), arguments)
                return OversizedResult.fit(ToolCallResult(structured: record.objectValue ?? [:]), store: client.store, title: definition.title)
            }
            vendorCursor = spec.find == nil ? nil : answer["next_cursor"]?.stringValue
        } while vendorCursor != nil && calls < Self.maximumCallsPerPage
        return .failure(
            "\(definition.title) has no \(noun) with id \(id) that this account can see.",
            details: ["type": "not_found", "id": .string(id)])
    }

    // MARK: Transcript

    private func transcript(_ arguments: JSONObject) async throws(Stop) -> ToolCallResult {
        guard let id = arguments["id"].flatMap(RecordMapper.JoinData.keyText), !id.isEmpty else { throw invalid("id is required") }
        let request = Self.substitute(.object(spec.arguments), id: id).objectValue ?? [:]
        guard let answer = try await answer(spec.call, request, emptyStatuses: spec.emptyStatuses) else {
            return .failure("\(definition.title) has no transcript for meeting \(id).", details: ["type": "not_found", "id": .string(id)])
        }
        let mapper = try await mapper(id: id, answer: answer)
        let segments = RecordMapper.records(in: answer, levels: spec.records).map { JSONValue.object(shape($0, mapper: mapper, arguments: arguments)) }
        let result = ToolCallResult(structured: [
            "meeting_id": .string(id), "segments": .array(segments),
            "source": ["integration": .string(definition.name), "id": .string(id)],
        ])
        return OversizedResult.fit(result, store: client.store, title: definition.title)
    }
}
