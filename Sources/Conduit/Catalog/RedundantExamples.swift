/// A schema's `example` is left out of a tool's schema when its description already
/// shows that value ("… (ISO 8601, e.g. 2025-03-01T00:00:00Z)" beside the example
/// `"2025-03-01T00:00:00Z"`): the model reads the value once, in the prose that
/// explains it. Examples the description does not show are kept.
enum RedundantExamples {
    /// `schema` and every schema inside it without the examples their descriptions show.
    static func removed(from schema: JSONObject) -> JSONObject {
        var out = schema.mappingSubschemas(removed(from:))
        if let description = out["description"]?.stringValue, let example = out["example"], shows(description, example) {
            out["example"] = nil
        }
        return out
    }

    /// Whether `description` holds the example's value as a whole token: a string as
    /// written, a number or boolean as JSON writes it, and an array when it holds each
    /// of its (scalar) items. "5" is not shown by "15 minutes", nor "name" by "rename".
    static func shows(_ description: String, _ example: JSONValue) -> Bool {
        switch example {
        case .string(let text): return holdsToken(description, text)
        case .int, .double, .bool: return holdsToken(description, example.jsonString)
        case .array(let items):
            return !items.isEmpty && items.allSatisfy { item in
                if case .array = item { return false }
                if case .object = item { return false }
                return shows(description, item)
            }
        case .null, .object: return false
        }
    }

    private static func holdsToken(_ text: String, _ token: String) -> Bool {
        let haystack = Array(text.unicodeScalars)
        let needle = Array(token.unicodeScalars)
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        func isWordScalar(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) }
        // Only a side of the token that is itself a word character needs a boundary there.
        let checkBefore = isWordScalar(needle[0])
        let checkAfter = isWordScalar(needle[needle.count - 1])
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            let end = start + needle.count
            if checkBefore, start > 0, isWordScalar(haystack[start - 1]) { continue }
            if checkAfter, end < haystack.count, isWordScalar(haystack[end]) { continue }
            return true
        }
        return false
    }
}
