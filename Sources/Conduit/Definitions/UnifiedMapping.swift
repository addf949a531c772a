/// How a definition's own methods answer conduit's vendor-neutral meeting and user
/// tools: which method each unified tool calls, with which fixed arguments, where the
/// records sit in the answer, and how each unified field is read from them. Data, not
/// code: a user-written definition declares it the same way (Docs/definition-format.md).
package struct UnifiedMapping: Sendable {
    /// The five unified tools, by the key the definition declares them under.
    package enum Operation: String, Sendable, CaseIterable {
        case listMeetings = "meetings.list"
        case getMeeting = "meetings.get"
        case meetingTranscript = "meetings.transcript"
        case listUsers = "users.list"
        case getUser = "users.get"
    }

    package var operations: [Operation: UnifiedOperation]
}

/// One unified tool's recipe.
package struct UnifiedOperation: Sendable {
    /// The definition's own method this tool calls (`resource.method`).
    package var call: MethodReference
    /// Fixed arguments for that method's tool; a string `"{id}"` anywhere becomes the
    /// id the unified tool was given.
    package var arguments: JSONObject
    /// Where the records sit, one path per level of nesting (`["callTranscripts",
    /// "transcript", "sentences"]`): each level's elements are the next level's roots,
    /// and an expression reaches the enclosing levels with `^.`.
    package var records: [JSONPath]
    /// Vendor statuses that mean "nothing here" for a list (Gong answers 404 for an
    /// empty date window).
    package var emptyStatuses: [Int]
    /// meetings.list: the method arguments that receive the time window.
    package var window: TimeWindow?
    /// Unified filters the vendor applies itself, by unified argument name.
    package var filters: [String: PushedFilter]
    /// users.get through a list: the record field that must equal the id.
    package var find: JSONPath?
    /// Second calls (or parts of the same answer) that fields may read.
    package var joins: [UnifiedJoin]
    /// Unified field → how to read it from one record. A field not listed is null.
    package var fields: [(name: String, expression: MappingExpression)]
    /// Said in the tool's description after conduit's own text (vendor caveats).
    package var note: String?
    package var examples: [MethodExample]

    package struct TimeWindow: Sendable {
        /// Argument paths (`filter.fromDateTime`) that receive the window's ends as ISO 8601.
        package var from: [String]
        package var to: [String]
        /// How far back a walk without `start_time_from` goes.
        package var lookbackDays: Int
    }

    package struct PushedFilter: Sendable {
        package var argument: [String]
        /// Sent as a one-element array (Gong's `primaryUserIds`) rather than the value.
        package var asArray: Bool
    }
}

/// A method of the same definition, by resource and method name.
package struct MethodReference: Sendable, Equatable, CustomStringConvertible {
    package var resource: String
    package var method: String
    package var description: String { "\(resource).\(method)" }
}

/// A second source of values for a record's fields.
package struct UnifiedJoin: Sendable {
    package var name: String
    /// The method to call; nil reads `records` from the operation's own answer.
    package var call: MethodReference?
    package var arguments: JSONObject
    package var records: [JSONPath]
    /// Makes the join a table looked up by this field (`lookup`); without it, `$name.`
    /// paths read its first record.
    package var key: JSONPath?
    /// A failed call leaves the join empty (its fields null) instead of failing the tool.
    package var optional: Bool
}

/// How one unified field is read. Paths are relative to the current record; `^.` is the
/// enclosing record (`^^.` the one above), `$join.` a join's record, `$id` the id given.
package indirect enum MappingExpression: Sendable {
    case path(up: Int, join: String?, JSONPath)
    case id
    case value(JSONValue)
    case sum([MappingExpression])
    case first([MappingExpression])
    case concat([MappingExpression], separator: String)
    case equals(MappingExpression, MappingExpression)
    /// Maps each element of an array: `item` is read with the element as the record.
    case each(JSONPath, item: MappingExpression)
    case object([(String, MappingExpression)])
    /// The record of a keyed join whose key equals `key`; `item` is read from it.
    case lookup(join: String, key: MappingExpression, item: MappingExpression)
    case modified(MappingExpression, MappingModifiers)
}

/// Conversions applied to an expression's value, in this order: `when`/`unless`, `map`,
/// `unit`, `whole`, `time`, `text`.
package struct MappingModifiers: Sendable {
    package enum TimeInput: String, Sendable { case epochSeconds = "epoch_seconds", epochMilliseconds = "epoch_ms", iso }
    package var when: MappingExpression?
    package var unless: MappingExpression?
    package var map: JSONObject?
    package var other: JSONValue = .null
    package var milliseconds = false
    package var whole = false
    package var time: TimeInput?
    package var text = false
}

/// Reads and checks a definition's `unified` object.
struct UnifiedMappingDecoder {
    private(set) var problems: [DefinitionProblem] = []
    let resources: [ResourceDefinition]

    /// The unified fields each kind of record has, in the order results give them.
    static let meetingFields = [
        "id", "title", "start_time", "end_time", "duration", "status", "type", "meeting_url", "audio_recording_url",
        "video_recording_url", "topics", "attendees", "created_at", "updated_at", "source_url",
    ]
    static let segmentFields = ["speaker_id", "speaker_name", "speaker_email", "speaker_type", "start_time", "end_time", "text"]
    static let userFields = ["id", "name", "email", "title", "active", "created_at", "source_url"]

    static func fields(for operation: UnifiedMapping.Operation) -> [String] {
        switch operation {
        case .listMeetings, .getMeeting: meetingFields
        case .meetingTranscript: segmentFields
        case .listUsers, .getUser: userFields
        }
    }

    private static let operationKeys: Set<String> = [
        "$comment", "call", "arguments", "records", "empty_statuses", "window", "filters", "find", "joins", "fields", "note", "examples",
    ]
    private static let filterNames: Set<String> = ["user_id", "attendee_email"]
    private static let modifierKeys: Set<String> = ["when", "unless", "map", "other", "unit", "whole", "time", "text"]
    private static let operatorKeys: Set<String> = ["path", "value", "sum", "first", "concat", "equals", "each", "object", "lookup"]

    private mutating func problem(_ path: String, _ message: String) {
        problems.append(DefinitionProblem(path: path, message: message))
    }

    mutating func decode(_ value: JSONValue) -> UnifiedMapping? {
        guard case .object(let root) = value else {
            problem("unified", "must be an object with meetings and/or users")
            return nil
        }
        var operations: [UnifiedMapping.Operation: UnifiedOperation] = [:]
        for (group, groupValue) in root {
            guard ["meetings", "users"].contains(group) else {
                if group != "$comment" { problem("unified.\(group)", "unknown key (expected meetings, users)") }
                continue
            }
            guard case .object(let members) = groupValue else {
                problem("unified.\(group)", "must be an object")
                continue
            }
            for (name, spec) in members {
                let path = "unified.\(group).\(name)"
                guard let operation = UnifiedMapping.Operation(rawValue: "\(group).\(name)") else {
                    let allowed = UnifiedMapping.Operation.allCases.map(\.rawValue).filter { $0.hasPrefix(group + ".") }
                    problem(path, "unknown operation (expected \(allowed.map { $0.split(separator: ".")[1] }.joined(separator: ", ")))")
                    continue
                }
                if let decoded = decodeOperation(operation, spec, path, earlier: operations) { operations[operation] = decoded }
            }
        }
        // A transcript names its meeting, and a meeting list is read one meeting at a time.
        if operations[.meetingTranscript] != nil || operations[.getMeeting] != nil, operations[.listMeetings] == nil {
            problem("unified.meetings", "declares get or transcript without list")
        }
        return UnifiedMapping(operations: operations)
    }

    private mutating func reference(_ value: JSONValue?, _ path: String) -> MethodReference? {
        guard let text = value?.stringValue else {
            problem(path, "must be a string \"resource.method\"")
            return nil
        }
        let parts = text.split(separator: ".").map(String.init)
        guard parts.count == 2 else {
            problem(path, "must be \"resource.method\", not \"\(text)\"")
            return nil
        }
        guard let resource = resources.first(where: { $0.name == parts[0] }),
            resource.methods.contains(where: { $0.name == parts[1] })
        else {
            problem(path, "names no method of this definition: \(text)")
            return nil
        }
        return MethodReference(resource: parts[0], method: parts[1])
    }

    private mutating func levels(_ value: JSONValue?, _ path: String) -> [JSONPath] {
        switch value {
        case nil: return [JSONPath("")]
        case .string(let text)?: return [JSONPath(text)]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }):
            return items.compactMap(\.stringValue).map(JSONPath.init)
        default:
            problem(path, "must be a path or a non-empty array of paths")
            return [JSONPath("")]
        }
    }

    private mutating func decodeOperation(
        _ operation: UnifiedMapping.Operation, _ value: JSONValue, _ path: String, earlier: [UnifiedMapping.Operation: UnifiedOperation]
    ) -> UnifiedOperation? {
        guard case .object(let spec) = value else {
            problem(path, "must be an object")
            return nil
        }
        for key in spec.keys where !Self.operationKeys.contains(key) { problem("\(path).\(key)", "unknown key") }
        let call = reference(spec["call"], "\(path).call")
        var arguments = JSONObject()
        if let given = spec["arguments"] {
            if case .object(let object) = given { arguments = object } else { problem("\(path).arguments", "must be an object") }
        }
        var operationValue = UnifiedOperation(
            call: call ?? MethodReference(resource: "", method: ""), arguments: arguments,
            records: levels(spec["records"], "\(path).records"), emptyStatuses: [], window: nil, filters: [:], find: nil, joins: [],
            fields: [], note: spec["note"]?.stringValue, examples: [])
        if let statuses = spec["empty_statuses"] {
            let numbers = statuses.arrayValue?.compactMap(\.intValue).map(Int.init) ?? []
            if numbers.count != statuses.arrayValue?.count ?? -1 { problem("\(path).empty_statuses", "must be an array of HTTP statuses") }
            operationValue.emptyStatuses = numbers
        }
        if let window = spec["window"] {
            if operation != .listMeetings { problem("\(path).window", "only meetings.list takes a time window") }
            if case .object(let object) = window, let from = object["from"]?.stringValue, let to = object["to"]?.stringValue {
                let days = object["lookback_days"]?.intValue.map(Int.init) ?? 3650
                if days < 1 { problem("\(path).window.lookback_days", "must be at least 1") }
                operationValue.window = .init(from: from.split(separator: ".").map(String.init), to: to.split(separator: ".").map(String.init), lookbackDays: max(days, 1))
            } else {
                problem("\(path).window", "must be {\"from\": argument path, \"to\": argument path}")
            }
        } else if operation == .listMeetings {
            problem("\(path).window", "missing: meetings.list walks time windows, newest first")
        }
        if let filters = spec["filters"] {
            if operation != .listMeetings { problem("\(path).filters", "only meetings.list takes filters") }
            for (name, target) in filters.objectValue ?? [:] {
                guard Self.filterNames.contains(name) else {
                    problem("\(path).filters.\(name)", "unknown filter (expected \(Self.filterNames.sorted().joined(separator: ", ")))")
                    continue
                }
                guard let argument = target["argument"]?.stringValue else {
                    problem("\(path).filters.\(name)", "must be {\"argument\": path, \"as_array\": bool}")
                    continue
                }
                operationValue.filters[name] = .init(argument: argument.split(separator: ".").map(String.init), asArray: target["as_array"]?.boolValue ?? false)
            }
        }
        if let find = spec["find"] {
            if operation != .getUser && operation != .getMeeting { problem("\(path).find", "only get operations find a record in a list") }
            if let text = find.stringValue { operationValue.find = JSONPath(text) } else { problem("\(path).find", "must be a path") }
        }
        if let joins = spec["joins"] {
            guard case .object(let object) = joins else {
                problem("\(path).joins", "must be an object of named joins")
                return nil
            }
            for (name, joinValue) in object {
                if let join = decodeJoin(name, joinValue, "\(path).joins.\(name)") { operationValue.joins.append(join) }
            }
        }
        let allowed = Self.fields(for: operation)
        if case .object(let fields)? = spec["fields"] {
            // `"$include": "meetings.list"` starts from another operation's fields (declared
            // before this one, reading the same kind of record); the fields given here add to
            // them or replace them.
            if let included = fields["$include"] {
                if let name = included.stringValue, let other = UnifiedMapping.Operation(rawValue: name),
                    Self.fields(for: other) == allowed, let source = earlier[other]
                {
                    operationValue.fields = source.fields.filter { field in fields[field.name] == nil }
                } else {
                    problem("\(path).fields.$include", "must name an operation declared before this one with the same fields (e.g. \"meetings.list\")")
                }
            }
            for (name, expression) in fields where name != "$include" {
                guard allowed.contains(name) else {
                    problem("\(path).fields.\(name)", "unknown field (expected \(allowed.joined(separator: ", ")))")
                    continue
                }
                if let decoded = self.expression(expression, "\(path).fields.\(name)", joins: operationValue.joins) {
                    operationValue.fields.append((name, decoded))
                }
            }
            if !operationValue.fields.contains(where: { $0.name == "id" }) && operation != .meetingTranscript { problem("\(path).fields", "must map id") }
        } else {
            problem("\(path).fields", "missing: an object of unified field → expression")
        }
        if let examples = spec["examples"] {
            for (index, example) in (examples.arrayValue ?? []).enumerated() {
                guard let arguments = example["arguments"]?.objectValue else {
                    problem("\(path).examples[\(index)]", "must be {\"arguments\": {...}, \"description\": \"...\"}")
                    continue
                }
                operationValue.examples.append(MethodExample(arguments: arguments, description: example["description"]?.stringValue))
            }
        }
        return call == nil ? nil : operationValue
    }

    private mutating func decodeJoin(_ name: String, _ value: JSONValue, _ path: String) -> UnifiedJoin? {
        guard case .object(let spec) = value else {
            problem(path, "must be an object")
            return nil
        }
        for key in spec.keys where !["call", "arguments", "records", "key", "optional"].contains(key) { problem("\(path).\(key)", "unknown key") }
        var call: MethodReference?
        if spec["call"] != nil {
            call = reference(spec["call"], "\(path).call")
            if call == nil { return nil }
        }
        return UnifiedJoin(
            name: name, call: call, arguments: spec["arguments"]?.objectValue ?? [:], records: levels(spec["records"], "\(path).records"),
            key: spec["key"]?.stringValue.map(JSONPath.init), optional: spec["optional"]?.boolValue ?? false)
    }

    private mutating func path(_ text: String, _ location: String, joins: [UnifiedJoin]) -> MappingExpression {
        if text == "$id" { return .id }
        var rest = Substring(text)
        var up = 0
        while rest.hasPrefix("^") {
            up += 1
            rest = rest.dropFirst()
        }
        if up > 0 {
            guard rest.isEmpty || rest.hasPrefix(".") else {
                problem(location, "\"\(text)\": ^ must be followed by . or end the path")
                return .value(.null)
            }
            return .path(up: up, join: nil, JSONPath(String(rest.dropFirst())))
        }
        if rest.hasPrefix("$") {
            let name = rest.dropFirst().prefix { $0 != "." }
            guard joins.contains(where: { $0.name == name }) else {
                problem(location, "\"\(text)\" names no join of this operation")
                return .value(.null)
            }
            return .path(up: 0, join: String(name), JSONPath(String(rest.dropFirst(name.count + 1).drop { $0 == "." })))
        }
        return .path(up: 0, join: nil, JSONPath(text))
    }

    private mutating func list(_ value: JSONValue?, _ location: String, joins: [UnifiedJoin]) -> [MappingExpression] {
        guard let items = value?.arrayValue, !items.isEmpty else {
            problem(location, "must be a non-empty array of expressions")
            return []
        }
        return items.enumerated().compactMap { expression($0.element, "\(location)[\($0.offset)]", joins: joins) }
    }

    mutating func expression(_ value: JSONValue, _ location: String, joins: [UnifiedJoin]) -> MappingExpression? {
        if let text = value.stringValue { return path(text, location, joins: joins) }
        guard case .object(let spec) = value else {
            problem(location, "must be a path string or an expression object")
            return nil
        }
        let operators = spec.keys.filter(Self.operatorKeys.contains)
        for key in spec.keys where !Self.operatorKeys.contains(key) && !Self.modifierKeys.contains(key) && key != "separator" && key != "item"
            && key != "key" && key != "fields"
        {
            problem("\(location).\(key)", "unknown key")
        }
        guard operators.count == 1 || (operators.isEmpty && spec["fields"] != nil) else {
            problem(location, "needs exactly one of \(Self.operatorKeys.sorted().joined(separator: ", "))")
            return nil
        }
        let base: MappingExpression
        switch operators.first ?? "object" {
        case "path":
            guard let text = spec["path"]?.stringValue else {
                problem("\(location).path", "must be a string")
                return nil
            }
            base = path(text, "\(location).path", joins: joins)
        case "value":
            base = .value(spec["value"] ?? .null)
        case "sum":
            base = .sum(list(spec["sum"], "\(location).sum", joins: joins))
        case "first":
            base = .first(list(spec["first"], "\(location).first", joins: joins))
        case "concat":
            base = .concat(list(spec["concat"], "\(location).concat", joins: joins), separator: spec["separator"]?.stringValue ?? "")
        case "equals":
            let sides = list(spec["equals"], "\(location).equals", joins: joins)
            guard sides.count == 2 else {
                problem("\(location).equals", "must hold two expressions")
                return nil
            }
            base = .equals(sides[0], sides[1])
        case "each":
            guard let text = spec["each"]?.stringValue else {
                problem("\(location).each", "must be a path")
                return nil
            }
            let item: MappingExpression?
            if let fields = spec["fields"] {
                item = object(fields, "\(location).fields", joins: joins)
            } else if let given = spec["item"] {
                item = expression(given, "\(location).item", joins: joins)
            } else {
                problem(location, "each needs item or fields")
                item = nil
            }
            guard let item else { return nil }
            base = .each(JSONPath(text), item: item)
        case "lookup":
            guard let name = spec["lookup"]?.stringValue, let join = joins.first(where: { $0.name == name }) else {
                problem("\(location).lookup", "must name a join of this operation")
                return nil
            }
            if join.key == nil { problem("\(location).lookup", "join \(name) has no key to look up by") }
            guard let key = spec["key"].flatMap({ expression($0, "\(location).key", joins: joins) }),
                let item = spec["item"].flatMap({ expression($0, "\(location).item", joins: joins) })
            else {
                problem(location, "lookup needs key and item")
                return nil
            }
            base = .lookup(join: name, key: key, item: item)
        default:  // "object", or fields alone
            guard let made = object(spec["object"] ?? spec["fields"] ?? .null, location, joins: joins) else { return nil }
            base = made
        }
        var modifiers = MappingModifiers()
        var modified = false
        if let when = spec["when"] {
            modifiers.when = expression(when, "\(location).when", joins: joins)
            modified = true
        }
        if let unless = spec["unless"] {
            modifiers.unless = expression(unless, "\(location).unless", joins: joins)
            modified = true
        }
        if let map = spec["map"] {
            if let object = map.objectValue { modifiers.map = object } else { problem("\(location).map", "must be an object") }
            modifiers.other = spec["other"] ?? .null
            modified = true
        }
        if let unit = spec["unit"] {
            if unit != "ms" && unit != "s" { problem("\(location).unit", "must be \"ms\" or \"s\"") }
            modifiers.milliseconds = unit == "ms"
            modified = true
        }
        if spec["whole"] == true {
            modifiers.whole = true
            modified = true
        }
        if let time = spec["time"] {
            modifiers.time = time.stringValue.flatMap(MappingModifiers.TimeInput.init(rawValue:))
            if modifiers.time == nil { problem("\(location).time", "must be epoch_seconds, epoch_ms or iso") }
            modified = true
        }
        if spec["text"] == true {
            modifiers.text = true
            modified = true
        }
        return modified ? .modified(base, modifiers) : base
    }

    private mutating func object(_ value: JSONValue, _ location: String, joins: [UnifiedJoin]) -> MappingExpression? {
        guard case .object(let fields) = value else {
            problem(location, "must be an object of field → expression")
            return nil
        }
        var members: [(String, MappingExpression)] = []
        for (name, field) in fields {
            if let decoded = expression(field, "\(location).\(name)", joins: joins) { members.append((name, decoded)) }
        }
        return .object(members)
    }
}
