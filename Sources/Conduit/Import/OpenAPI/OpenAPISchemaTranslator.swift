/// Turns OpenAPI schemas (2.0, 3.0, 3.1) into self-contained JSON Schema 2020-12: every
/// `$ref` inlined, recursion cut where it closes, `allOf` merged into one schema, `oneOf`
/// and `anyOf` kept, `readOnly` properties left out of inputs, and the older keywords
/// translated (`nullable`, boolean `exclusiveMinimum`, `type: file`, `example`,
/// `$recursiveRef`). Keywords JSON Schema does not define (`discriminator`, `xml`, `x-…`)
/// are dropped.
///
/// It also keeps a tool affordable: objects nested deeper than `Limits.maximumDepth` are
/// offered as open objects with a note, descriptions are trimmed, long enums become open
/// strings that name a few values, and a node budget bounds the work on documents whose
/// schemas fan out (Stripe's, fully inlined, reach hundreds of KB per operation).
struct OpenAPISchemaTranslator {
    struct Limits: Sendable {
        /// Object levels below an argument whose fields are still listed.
        var maximumDepth: Int
        /// Longest description kept on a schema.
        var descriptionLength: Int
        var keepExamples: Bool
        /// Longest enum kept; a longer one becomes a string that names its first values.
        var maximumEnum: Int
        /// Most schema objects one tool's arguments may take.
        var nodeBudget: Int
    }

    /// What translating left out or changed, for the import report.
    struct Notes {
        var depthCuts = 0
        var trimmedDescriptions = 0
        var droppedEnums = 0
        var budgetCuts = 0
        var readOnlyDropped = 0
        /// Schemas whose recursion was cut, by name.
        var recursion: [String] = []
        /// References that point nowhere, left untyped.
        var broken: [String] = []
        var mergedAllOf = 0
        var nullable = 0
        var files = 0

        mutating func merge(_ other: Notes) {
            depthCuts += other.depthCuts
            trimmedDescriptions += other.trimmedDescriptions
            droppedEnums += other.droppedEnums
            budgetCuts += other.budgetCuts
            readOnlyDropped += other.readOnlyDropped
            for name in other.recursion where !recursion.contains(name) { recursion.append(name) }
            for name in other.broken where !broken.contains(name) { broken.append(name) }
            mergedAllOf += other.mergedAllOf
            nullable += other.nullable
            files += other.files
        }
    }

    enum Mode { case input, output }

    let document: OpenAPIDocument
    let limits: Limits
    let mode: Mode
    private(set) var notes = Notes()
    private var budget: Int
    private var stack: [OpenAPILocation] = []

    init(document: OpenAPIDocument, limits: Limits, mode: Mode = .input) {
        self.document = document
        self.limits = limits
        self.mode = mode
        budget = limits.nodeBudget
    }

    /// The translated schema. `depth` is how many object levels sit above it inside its
    /// argument: 0 for an argument's own schema, -1 for a body whose properties are the arguments.
    mutating func translate(_ node: OpenAPINode, depth: Int) -> JSONObject {
        var schema = translateNode(node, depth: depth)
        if mode == .input { Self.removeKeyword("readOnly", from: &schema) }
        return schema
    }

    private static func removeKeyword(_ keyword: String, from schema: inout JSONObject) {
        schema[keyword] = nil
    }

    private mutating func translateNode(_ node: OpenAPINode, depth: Int) -> JSONObject {
        let object: JSONObject
        switch node.value {
        case .object(let members): object = members
        case .bool(false): return ["not": [:]]
        default: return [:]
        }
        if case .string(let reference)? = object["$ref"] {
            return translateReference(reference, node: node, siblings: object, depth: depth)
        }
        for key in ["$recursiveRef", "$dynamicRef"] {
            if case .string(let reference)? = object[key] {
                return recursionCut(name: reference == "#" ? "the enclosing schema" : reference, type: nil)
            }
        }
        budget -= 1
        if budget < 0 {
            notes.budgetCuts += 1
            return openSchema(object, note: "Its fields are not listed here (the schema is too large to show in full); pass the value the API documents.")
        }
        var result = JSONObject()
        if case .array(let members)? = object["allOf"] {
            notes.mergedAllOf += 1
            let element = OpenAPINode(value: .null, location: node.location)
            for (index, member) in members.enumerated() {
                var located = element
                located.value = member
                located.location.pointer += "/allOf/\(index)"
                let translated = translateNode(located, depth: depth)
                Self.overlay(&result, translated, topWins: false)
            }
            // One member's additionalProperties: false would refuse the others' fields.
            if result["additionalProperties"] == .bool(false) { result["additionalProperties"] = nil }
        }
        let own = translateOwn(object, node: node, depth: depth)
        Self.overlay(&result, own, topWins: true)
        if object["allOf"] != nil, own["additionalProperties"] == .bool(false), !result.keys.contains("properties") {
            result["additionalProperties"] = nil
        }
        if case .object(let properties)? = result["properties"], case .array(let required)? = result["required"] {
            let kept = required.filter { $0.stringValue.map { properties[$0] != nil } ?? false }
            result["required"] = kept.isEmpty ? nil : .array(Self.unique(kept))
        } else if result["properties"] == nil {
            result["required"] = nil
        }
        return result
    }

    private mutating func translateReference(_ reference: String, node: OpenAPINode, siblings: JSONObject, depth: Int) -> JSONObject {
        guard let target = document.follow(reference, from: node.location.file) else {
            let name = reference
            if !notes.broken.contains(name) { notes.broken.append(name) }
            var untyped: JSONObject = [:]
            if let text = siblings["description"]?.stringValue { untyped["description"] = .string(trim(text)) }
            return untyped
        }
        if stack.contains(target.location) || stack.count >= 64 {
            return recursionCut(name: Self.name(of: reference), type: target.value["type"])
        }
        stack.append(target.location)
        var result = translateNode(target, depth: depth)
        stack.removeLast()
        // What sits beside a $ref (3.1 allows it; 3.0 documents write it anyway) refines it.
        var rest = siblings
        rest["$ref"] = nil
        if !rest.isEmpty {
            let own = translateOwn(rest, node: node, depth: depth)
            Self.overlay(&result, own, topWins: true)
        }
        return result
    }

    private mutating func recursionCut(name: String, type: JSONValue?) -> JSONObject {
        if !notes.recursion.contains(name) { notes.recursion.append(name) }
        var cut: JSONObject = [:]
        if let type, case .string(let text) = type, Self.types.contains(text) { cut["type"] = type }
        cut["description"] = .string("Recursive: the same shape as \(name), which encloses it; not expanded again.")
        return cut
    }

    /// `Pet` for `#/components/schemas/Pet`, `models/pet.yml` for a whole file.
    static func name(of reference: String) -> String {
        if let hash = reference.firstIndex(of: "#") {
            let pointer = reference[reference.index(after: hash)...]
            if let last = pointer.split(separator: "/").last { return String(last).replacing("~1", with: "/").replacing("~0", with: "~") }
            return String(reference[..<hash])
        }
        return reference
    }

    static let types: Set<String> = ["string", "number", "integer", "boolean", "array", "object", "null"]
    private static let numericKeywords: Set<String> = [
        "minimum", "maximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
    ]

    /// The keywords written on this schema object itself (not its allOf members).
    private mutating func translateOwn(_ object: JSONObject, node: OpenAPINode, depth: Int) -> JSONObject {
        var out = JSONObject()
        let hasFields = object["properties"] != nil || object["additionalProperties"]?.objectValue != nil
        if hasFields && depth >= limits.maximumDepth {
            notes.depthCuts += 1
            return openSchema(object, note: "Its fields are not listed here; pass an object as the API documents it.")
        }
        var nullable = object["nullable"] == true || object["x-nullable"] == true
        for (key, value) in object {
            switch key {
            case "type":
                switch value {
                case .string("file"):
                    notes.files += 1
                    out["type"] = "string"
                case .string(let type) where Self.types.contains(type):
                    out["type"] = value
                case .array(let list):
                    let kept = Self.unique(list.filter { $0.stringValue.map(Self.types.contains) ?? false })
                    if kept.count == 1 { out["type"] = kept[0] } else if !kept.isEmpty { out["type"] = .array(kept) }
                default:
                    break
                }
            case "properties":
                // The map itself may be a $ref (DigitalOcean keeps shared property sets in files).
                let map = OpenAPINode(value: value, location: OpenAPILocation(file: node.location.file, pointer: node.location.pointer + "/properties"))
                guard let resolved = document.resolve(map), case .object = resolved.value else { continue }
                var translated = JSONObject()
                for (name, child) in resolved.members {
                    var schema = translateNode(child, depth: depth + 1)
                    if mode == .input {
                        if schema["readOnly"] == true {
                            notes.readOnlyDropped += 1
                            continue
                        }
                        schema["readOnly"] = nil
                        schema["writeOnly"] = nil
                    }
                    translated[name] = .object(schema)
                }
                out["properties"] = .object(translated)
            case "required":
                if case .array(let names) = value { out["required"] = .array(names.filter { $0.stringValue != nil }) }
            case "items":
                let child = OpenAPINode(value: value, location: OpenAPILocation(file: node.location.file, pointer: node.location.pointer + "/items"))
                if case .array(let tuple) = value {
                    out["prefixItems"] = .array(tuple.enumerated().map { index, member in
                        .object(translateNode(OpenAPINode(value: member, location: OpenAPILocation(file: node.location.file, pointer: child.location.pointer + "/\(index)")), depth: depth))
                    })
                } else if case .object = value {
                    out["items"] = .object(removingInputMarkers(translateNode(child, depth: depth)))
                }
            case "additionalProperties":
                switch value {
                case .bool: out[key] = value
                case .object:
                    let child = OpenAPINode(value: value, location: OpenAPILocation(file: node.location.file, pointer: node.location.pointer + "/additionalProperties"))
                    out[key] = .object(removingInputMarkers(translateNode(child, depth: depth + 1)))
                default: break
                }
            case "oneOf", "anyOf":
                guard case .array(let members) = value else { continue }
                var alternatives: [JSONValue] = []
                for (index, member) in members.enumerated() {
                    let child = OpenAPINode(value: member, location: OpenAPILocation(file: node.location.file, pointer: node.location.pointer + "/\(key)/\(index)"))
                    let translated = JSONValue.object(removingInputMarkers(translateNode(child, depth: depth)))
                    if !alternatives.contains(translated) { alternatives.append(translated) }
                }
                // An alternative with no constraint at all accepts everything: the choice says nothing.
                if alternatives.contains(.object([:])) { continue }
                if alternatives.count == 1, case .object(let only) = alternatives[0] {
                    Self.overlay(&out, only, topWins: false)
                } else if !alternatives.isEmpty {
                    out[key] = .array(alternatives)
                }
            case "not":
                if case .object = value {
                    let child = OpenAPINode(value: value, location: OpenAPILocation(file: node.location.file, pointer: node.location.pointer + "/not"))
                    out[key] = .object(translateNode(child, depth: depth))
                }
            case "enum":
                guard case .array(var options) = value, !options.isEmpty else { continue }
                options = Self.unique(options)
                if options.count > limits.maximumEnum {
                    notes.droppedEnums += 1
                    let named = options.prefix(8).map { $0.stringValue ?? $0.jsonString }.joined(separator: ", ")
                    out["x-conduit-enum-note"] = .string("One of \(options.count) values, such as \(named).")
                } else {
                    out["enum"] = .array(options)
                }
            case "const", "default", "format", "pattern", "uniqueItems", "deprecated", "contentMediaType", "contentEncoding":
                out[key] = value
            case "readOnly", "writeOnly":
                if value == true { out[key] = value }
            case "exclusiveMinimum", "exclusiveMaximum":
                switch value {
                case .bool(true):
                    let bound = key == "exclusiveMinimum" ? "minimum" : "maximum"
                    if let limit = object[bound], limit.doubleValue != nil { out[key] = limit }
                case .int, .double: out[key] = value
                default: break
                }
            case "description":
                if case .string(let text) = value, !text.allSatisfy(\.isWhitespace) { out[key] = .string(trim(text)) }
            case "title":
                if object["description"] == nil, case .string(let text) = value, !text.allSatisfy(\.isWhitespace) { out["description"] = .string(trim(text)) }
            case "example":
                if limits.keepExamples, value.jsonString.utf8.count <= 160 { out["examples"] = .array([value]) }
            case "examples":
                if limits.keepExamples, case .array = value, value.jsonString.utf8.count <= 240 { out["examples"] = value }
            case "x-nullable", "nullable":
                break
            default:
                if Self.numericKeywords.contains(key), value.doubleValue != nil { out[key] = value }
            }
        }
        // A bound that moved into exclusiveMinimum/Maximum is not also inclusive.
        if object["exclusiveMinimum"] == true, out["exclusiveMinimum"] != nil { out["minimum"] = nil }
        if object["exclusiveMaximum"] == true, out["exclusiveMaximum"] != nil { out["maximum"] = nil }
        if out["type"] == nil, out["properties"] != nil { out["type"] = "object" }
        if out["type"] == nil, out["items"] != nil { out["type"] = "array" }
        // A string whose enum lists numbers (Zoom's `login_type: [0, 1, 99]`): the values are
        // what a model copies, so they take the declared type.
        if out["type"] == "string", case .array(let options)? = out["enum"], options.contains(where: { $0.intValue != nil || $0.doubleValue != nil }) {
            out["enum"] = .array(options.map { $0.stringValue == nil && !$0.isNull ? .string($0.jsonString) : $0 })
        }
        if nullable, out["type"] != nil {
            notes.nullable += 1
            switch out["type"] {
            case .string(let type)? where type != "null": out["type"] = [.string(type), "null"]
            case .array(let list)? where !list.contains("null"): out["type"] = .array(list + ["null"])
            default: break
            }
            if case .array(let options)? = out["enum"], !options.contains(.null) { out["enum"] = .array(options + [.null]) }
            nullable = false
        }
        if let note = out["x-conduit-enum-note"]?.stringValue {
            out["x-conduit-enum-note"] = nil
            let said = out["description"]?.stringValue.map { $0 + " " } ?? ""
            out["description"] = .string(said + note)
        }
        return out
    }

    /// An object offered without its fields, with its type, description and a note.
    private mutating func openSchema(_ object: JSONObject, note: String) -> JSONObject {
        var open: JSONObject = [:]
        if case .string(let type)? = object["type"], Self.types.contains(type) {
            open["type"] = .string(type)
        } else if object["properties"] != nil {
            open["type"] = "object"
        }
        if object["nullable"] == true, let type = open["type"] { open["type"] = [type, "null"] }
        let said = (object["description"]?.stringValue ?? object["title"]?.stringValue).map { trim($0) + " " } ?? ""
        open["description"] = .string(said + note)
        if object["readOnly"] == true { open["readOnly"] = true }
        return open
    }

    private func removingInputMarkers(_ schema: JSONObject) -> JSONObject {
        guard mode == .input else { return schema }
        var copy = schema
        copy["readOnly"] = nil
        copy["writeOnly"] = nil
        return copy
    }

    /// Counts a description trimmed outside the translator (a tool's or a parameter's own).
    mutating func countTrimmed() {
        notes.trimmedDescriptions += 1
    }

    /// Text at most `limits.descriptionLength` characters long, cut after a sentence or word.
    mutating func trim(_ text: String) -> String {
        let trimmed = OpenAPIDocument.withoutLinkTargets(text.trimmed)
        guard trimmed.count > limits.descriptionLength else { return trimmed }
        notes.trimmedDescriptions += 1
        return Self.trim(trimmed, to: limits.descriptionLength)
    }

    static func trim(_ text: String, to length: Int) -> String {
        guard text.count > length else { return text }
        let head = String(text.prefix(max(length - 1, 1)))
        if let sentence = head.ranges(of: ". ").last, head.distance(from: head.startIndex, to: sentence.lowerBound) > length / 2 {
            return String(head[..<sentence.lowerBound]) + ". …"
        }
        if let space = head.lastIndex(where: \.isWhitespace), head.distance(from: head.startIndex, to: space) > length / 2 {
            return String(head[..<space]) + " …"
        }
        return head + "…"
    }

    private static func unique(_ values: [JSONValue]) -> [JSONValue] {
        var seen: Set<JSONValue> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// Merges `top` into `base`: properties member by member, `required` as a union, and
    /// for every other keyword `top`'s value when `topWins`, else the one already there.
    static func overlay(_ base: inout JSONObject, _ top: JSONObject, topWins: Bool) {
        for (key, value) in top {
            switch key {
            case "properties":
                guard case .object(let added) = value else { continue }
                var merged = base["properties"]?.objectValue ?? [:]
                for (name, schema) in added {
                    if case .object(var existing)? = merged[name], case .object(let incoming) = schema {
                        overlay(&existing, incoming, topWins: topWins)
                        merged[name] = .object(existing)
                    } else if merged[name] == nil || topWins {
                        merged[name] = schema
                    }
                }
                base["properties"] = .object(merged)
            case "required":
                let existing = base["required"]?.arrayValue ?? []
                base["required"] = .array(unique(existing + (value.arrayValue ?? [])))
            case "type":
                if base["type"] == nil || topWins && base["type"] != value {
                    // A member that says nothing about type must not erase another's "object".
                    base["type"] = value
                }
            default:
                if base[key] == nil || topWins { base[key] = value }
            }
        }
    }
}
