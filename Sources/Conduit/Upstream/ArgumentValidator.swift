#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks tool arguments against a tool's input schema before any request is made.
///
/// It covers what models get wrong in practice: unknown keys, missing required
/// arguments, wrong JSON types (recursively through arrays and objects) and values
/// outside an enum. Each problem names the argument and what was expected.
package enum ArgumentValidator {
    package static func problems(in arguments: JSONObject, schema: JSONObject) -> [String] {
        var problems: [String] = []
        let properties = schema["properties"]?.objectValue ?? [:]
        for key in arguments.keys where properties[key] == nil {
            let known = properties.keys.sorted().joined(separator: ", ")
            problems.append("unknown argument \"\(key)\" (this tool takes: \(known.isEmpty ? "no arguments" : known))")
        }
        for case .string(let name) in schema["required"]?.arrayValue ?? [] where arguments[name] == nil || arguments[name]!.isNull {
            problems.append("missing required argument \"\(name)\"")
        }
        for (key, value) in arguments {
            guard let propertySchema = properties[key]?.objectValue else { continue }
            check(value, against: propertySchema, at: key, into: &problems)
        }
        return problems
    }

    /// What is wrong with one value against a schema (types, enums, bounds, required
    /// fields, patterns), each problem naming `path`.
    package static func problems(of value: JSONValue, schema: JSONObject, at path: String) -> [String] {
        var problems: [String] = []
        check(value, against: schema, at: path, into: &problems)
        return problems
    }

    private static func check(_ value: JSONValue, against schema: JSONObject, at path: String, into problems: inout [String]) {
        let allowed = allowedTypes(schema)
        if !allowed.isEmpty && !allowed.contains(where: { matches(value, type: $0) }) {
            let expected = allowed.joined(separator: " or ")
            problems.append("argument \"\(path)\" must be \(article(expected)) \(expected), not \(value.typeName == "integer" || value.typeName == "number" ? "a number" : "\(article(value.typeName)) \(value.typeName)")")
            return
        }
        if let options = schema["enum"]?.arrayValue, !options.isEmpty, !options.contains(value) {
            let listed = options.map(\.jsonString).joined(separator: ", ")
            problems.append("argument \"\(path)\" must be one of \(listed), not \(value.jsonString)")
            return
        }
        if let minimum = schema["minimum"]?.doubleValue, let number = value.doubleValue, number < minimum {
            problems.append("argument \"\(path)\" must be at least \(JSONValue.double(minimum).jsonString)")
        }
        if let maximum = schema["maximum"]?.doubleValue, let number = value.doubleValue, number > maximum {
            problems.append("argument \"\(path)\" must be at most \(JSONValue.double(maximum).jsonString)")
        }
        switch value {
        case .array(let elements):
            if let itemSchema = schema["items"]?.objectValue {
                for (index, element) in elements.enumerated() {
                    check(element, against: itemSchema, at: "\(path)[\(index)]", into: &problems)
                }
            }
        case .object(let object):
            problems.append(contentsOf: objectProblems(object, schema: schema, path: path))
        case .string(let text):
            if let pattern = schema["pattern"]?.stringValue, let expression = try? Regex(pattern), (try? expression.firstMatch(in: text)) == nil {
                let example = schema["example"].map { ", e.g. \($0.jsonString)" } ?? ""
                problems.append("argument \"\(path)\" must match the pattern \(pattern)\(example), not \(value.jsonString)")
            }
        default:
            break
        }
    }

    private static func objectProblems(_ object: JSONObject, schema: JSONObject, path: String) -> [String] {
        guard let properties = schema["properties"]?.objectValue else { return [] }
        var problems: [String] = []
        if schema["additionalProperties"] == .bool(false) {
            for key in object.keys where properties[key] == nil {
                problems.append("argument \"\(path)\" has unknown field \"\(key)\"")
            }
        }
        for case .string(let name) in schema["required"]?.arrayValue ?? [] where object[name] == nil {
            problems.append("argument \"\(path)\" is missing required field \"\(name)\"")
        }
        for (key, value) in object {
            guard let propertySchema = properties[key]?.objectValue else { continue }
            check(value, against: propertySchema, at: "\(path).\(key)", into: &problems)
        }
        return problems
    }

    static func allowedTypes(_ schema: JSONObject) -> [String] {
        switch schema["type"] {
        case .string(let type)?: return [type]
        case .array(let types)?: return types.compactMap(\.stringValue)
        default: return []
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("null", .null): true
        case ("integer", .int): true
        case ("integer", .double(let d)): d.rounded() == d
        case ("number", .int), ("number", .double): true
        default: false
        }
    }

    private static func article(_ word: String) -> String {
        guard let first = word.first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}
