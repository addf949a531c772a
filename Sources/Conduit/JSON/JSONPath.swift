/// A dotted path into a JSON value, as definitions write them: `records.cursor`,
/// `data`, `errors[].detail` (`[]` maps over an array). The empty path is the value itself.
package struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    package enum Step: Sendable, Hashable {
        case member(String)
        case each
    }

    package let steps: [Step]
    package let description: String

    package init(_ text: String) {
        description = text
        var steps: [Step] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: true) {
            var name = Substring(part)
            var eachCount = 0
            while name.hasSuffix("[]") {
                name = name.dropLast(2)
                eachCount += 1
            }
            if !name.isEmpty { steps.append(.member(String(name))) }
            steps.append(contentsOf: repeatElement(.each, count: eachCount))
        }
        self.steps = steps
    }

    /// Every value the path reaches (several when it maps over arrays).
    package func values(in root: JSONValue) -> [JSONValue] {
        var current = [root]
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .member(let name):
                    if let member = value[name] { next.append(member) }
                case .each:
                    if let elements = value.arrayValue { next.append(contentsOf: elements) }
                }
            }
            current = next
        }
        return current
    }

    /// The single value the path reaches, if it reaches exactly one that is not null.
    package func value(in root: JSONValue) -> JSONValue? {
        let found = values(in: root)
        guard found.count == 1, !found[0].isNull else { return nil }
        return found[0]
    }
}
