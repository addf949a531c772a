/// Reads tool arguments the way a model writes them, before they are checked.
///
/// Models often send a single value where the schema wants a list, a comma-separated
/// string for a parameter the vendor documents as a comma list, or a number or flag as
/// text (`"42"`, `"true"`). Refusing those costs a round trip and often a confused retry,
/// so they are read as meant — and only those: anything else is left for
/// `ArgumentValidator` to refuse with a clear message. Every reading is reported, so the
/// result can say what conduit took the arguments to mean.
package enum ArgumentReader {
    /// The arguments as read, and one sentence per reading that changed a value.
    package static func read(_ arguments: JSONObject, for tool: Tool) -> (arguments: JSONObject, notes: [String]) {
        let properties = tool.inputSchema["properties"]?.objectValue ?? [:]
        var commaLists: Set<String> = []
        for (argument, route) in tool.routes {
            if case .query(_, let style) = route, style.takesCommaText { commaLists.insert(argument) }
        }
        var read = arguments
        var notes: [String] = []
        for (name, value) in arguments {
            guard let schema = properties[name]?.objectValue else { continue }
            let converted = convert(value, schema: schema, commaList: commaLists.contains(name))
            if converted != value {
                read[name] = converted
                notes.append("read \"\(name)\": \(value.jsonString) as \(converted.jsonString)")
            }
        }
        return (read, notes)
    }

    /// `value` read against `schema`; the value itself when nothing applies.
    static func convert(_ value: JSONValue, schema: JSONObject, commaList: Bool = false) -> JSONValue {
        let types = ArgumentValidator.allowedTypes(schema)
        guard !types.isEmpty, !types.contains(where: { ArgumentValidator.matches(value, type: $0) }) else {
            return convertInside(value, schema: schema)
        }
        if types.contains("array"), case .string(let text) = value, commaList, text.contains(",") {
            // A comma list the vendor documents as one string: its items, as the schema types them.
            let items = text.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
            let itemSchema = schema["items"]?.objectValue ?? [:]
            return .array(items.map { convert(.string($0), schema: itemSchema) })
        }
        if types.contains("array"), !value.isNull {
            // One value where a list is wanted: a list of one.
            let item = convert(value, schema: schema["items"]?.objectValue ?? [:])
            return .array([item])
        }
        guard case .string(let text) = value else { return value }
        let trimmed = text.trimmed
        if types.contains("integer"), let number = Int64(trimmed) { return .int(number) }
        if types.contains("number"), let number = Int64(trimmed) { return .int(number) }
        if types.contains("number"), let number = Double(trimmed), number.isFinite { return .double(number) }
        if types.contains("boolean") {
            switch trimmed.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: break
            }
        }
        return value
    }

    /// The items of an array and the members of an object, each read against its schema.
    private static func convertInside(_ value: JSONValue, schema: JSONObject) -> JSONValue {
        switch value {
        case .array(let items):
            guard let itemSchema = schema["items"]?.objectValue else { return value }
            return .array(items.map { convert($0, schema: itemSchema) })
        case .object(var object):
            guard let properties = schema["properties"]?.objectValue else { return value }
            for (key, member) in object {
                if let memberSchema = properties[key]?.objectValue { object[key] = convert(member, schema: memberSchema) }
            }
            return .object(object)
        default:
            return value
        }
    }
}
