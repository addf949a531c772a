/// `response_fields`: keeps only the named fields of each record, so an agent that needs
/// three fields of a hundred records does not pay for the rest.
///
/// A field is a dotted path from the record (`"participants.email"`). Where a step meets
/// an array, the rest of the path applies to each element; fields keep the record's
/// order; a path the record lacks is simply absent.
package struct FieldSelection: Sendable, Equatable {
    private indirect enum Node: Sendable, Equatable {
        case whole
        case some([String: Node])
    }

    private let root: [String: Node]

    /// Nil for no selection. Entries may also be comma lists (`"id,title"`).
    package init?(_ fields: [String]) {
        var root: [String: Node] = [:]
        for entry in fields {
            for field in entry.split(separator: ",") {
                let steps = field.split(separator: ".").map { String($0).trimmed }.filter { !$0.isEmpty }
                if !steps.isEmpty { Self.insert(steps[...], into: &root) }
            }
        }
        guard !root.isEmpty else { return nil }
        self.root = root
    }

    private static func insert(_ steps: ArraySlice<String>, into tree: inout [String: Node]) {
        guard let first = steps.first else { return }
        if steps.count == 1 {
            tree[first] = .whole
            return
        }
        if case .whole? = tree[first] { return }
        var children: [String: Node] = [:]
        if case .some(let existing)? = tree[first] { children = existing }
        insert(steps.dropFirst(), into: &children)
        tree[first] = .some(children)
    }

    /// `record` with only the selected fields.
    package func apply(to record: JSONValue) -> JSONValue {
        Self.keep(root, in: record)
    }

    private static func keep(_ tree: [String: Node], in value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept = JSONObject()
            for (key, member) in object {
                switch tree[key] {
                case .whole?: kept[key] = member
                case .some(let children)?: kept[key] = keep(children, in: member)
                case nil: break
                }
            }
            return .object(kept)
        case .array(let items):
            return .array(items.map { keep(tree, in: $0) })
        default:
            // A path that goes on past a plain value selects nothing below it.
            return value
        }
    }

    /// A list body with each record narrowed: the records are at the first of
    /// `resultsPaths` that the body has (an empty path, or none given, is the body itself).
    package func applyToRecords(in body: JSONValue, at resultsPaths: [JSONPath]) -> JSONValue {
        guard !resultsPaths.isEmpty else { return applyToEach(body) }
        for path in resultsPaths {
            if path.steps.isEmpty { return applyToEach(body) }
            if let found = path.value(in: body), !found.isNull {
                return Self.mapping(body, path.steps[...]) { applyToEach($0) }
            }
        }
        return body
    }

    /// Each element of an array, or a lone record itself.
    private func applyToEach(_ value: JSONValue) -> JSONValue {
        if case .array(let items) = value { return .array(items.map(apply(to:))) }
        return apply(to: value)
    }

    private static func mapping(_ value: JSONValue, _ steps: ArraySlice<JSONPath.Step>, _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard let step = steps.first else { return transform(value) }
        switch (step, value) {
        case (.member(let name), .object(var object)):
            guard let member = object[name] else { return value }
            object[name] = mapping(member, steps.dropFirst(), transform)
            return .object(object)
        case (.each, .array(let items)):
            return .array(items.map { mapping($0, steps.dropFirst(), transform) })
        default:
            return value
        }
    }
}
