#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads unified records out of vendor answers with a definition's `MappingExpression`s.
struct RecordMapper {
    /// A join's records, and when it has a key, the same records by key.
    struct JoinData {
        var records: [JSONValue] = []
        var byKey: [String: JSONValue] = [:]

        init(records: [JSONValue], key: JSONPath?) {
            self.records = records
            if let key {
                for record in records {
                    if let value = key.value(in: record), let text = Self.keyText(value), byKey[text] == nil { byKey[text] = record }
                }
            }
        }

        static func keyText(_ value: JSONValue) -> String? {
            switch value {
            case .string(let text): text
            case .int(let number): String(number)
            case .double(let number) where number == number.rounded(): String(Int64(number))
            default: nil
            }
        }
    }

    var joins: [String: JoinData] = [:]
    /// The id the tool was given (`$id`).
    var id: String?

    /// Every leaf record of `levels` in `root`, each with the records enclosing it: the
    /// chain runs from the answer itself to the leaf, which comes last.
    static func records(in root: JSONValue, levels: [JSONPath]) -> [[JSONValue]] {
        var chains: [[JSONValue]] = [[root]]
        for level in levels {
            var next: [[JSONValue]] = []
            for chain in chains {
                for found in level.values(in: chain[chain.count - 1]) {
                    switch found {
                    case .array(let items): next += items.filter { !$0.isNull }.map { chain + [$0] }
                    case .null: break
                    default: next.append(chain + [found])
                    }
                }
            }
            chains = next
        }
        return chains
    }

    /// The unified record for one leaf: every field of `names`, null where unmapped.
    func record(_ chain: [JSONValue], fields: [(name: String, expression: MappingExpression)], names: [String]) -> JSONObject {
        var object = JSONObject()
        for name in names {
            let expression = fields.first { $0.name == name }?.expression
            object[name] = expression.map { evaluate($0, chain) } ?? .null
        }
        return object
    }

    func evaluate(_ expression: MappingExpression, _ chain: [JSONValue]) -> JSONValue {
        switch expression {
        case .id:
            return id.map(JSONValue.string) ?? .null
        case .value(let value):
            return value
        case .path(let up, let join, let path):
            let base: JSONValue?
            if let join {
                base = joins[join]?.records.first
            } else {
                base = chain.count > up ? chain[chain.count - 1 - up] : nil
            }
            guard let base else { return .null }
            return path.steps.isEmpty ? base : (path.value(in: base) ?? .null)
        case .sum(let parts):
            var total = 0.0
            var allIntegers = true
            for part in parts {
                let value = evaluate(part, chain)
                if case .int = value {} else { allIntegers = false }
                guard let number = Self.number(value) else { return .null }
                total += number
            }
            return allIntegers && total == total.rounded() && abs(total) < 9e15 ? .int(Int64(total)) : .double(Self.milli(total))
        case .first(let options):
            for option in options {
                let value = evaluate(option, chain)
                if !value.isNull { return value }
            }
            return .null
        case .concat(let parts, let separator):
            let texts = parts.compactMap { part -> String? in
                switch evaluate(part, chain) {
                case .string(let text) where !text.isEmpty: text
                case .int(let number): String(number)
                default: nil
                }
            }
            return texts.isEmpty ? .null : .string(texts.joined(separator: separator))
        case .equals(let left, let right):
            let a = evaluate(left, chain)
            let b = evaluate(right, chain)
            guard !a.isNull, !b.isNull else { return false }
            return .bool(JoinData.keyText(a).map { $0 == JoinData.keyText(b) } ?? (a == b))
        case .each(let path, let item):
            guard let current = chain.last else { return .null }
            let found = path.steps.isEmpty ? current : path.value(in: current)
            guard case .array(let elements)? = found else { return found == nil ? .null : .array([]) }
            return .array(elements.map { evaluate(item, chain + [$0]) }.filter { !$0.isNull })
        case .object(let members):
            var object = JSONObject()
            for (name, member) in members { object[name] = evaluate(member, chain) }
            return .object(object)
        case .lookup(let join, let key, let item):
            guard let table = joins[join], let wanted = JoinData.keyText(evaluate(key, chain)), let found = table.byKey[wanted] else {
                return .null
            }
            return evaluate(item, chain + [found])
        case .modified(let inner, let modifiers):
            return apply(modifiers, to: inner, chain)
        }
    }

    private func apply(_ modifiers: MappingModifiers, to inner: MappingExpression, _ chain: [JSONValue]) -> JSONValue {
        if let when = modifiers.when, !Self.truthy(evaluate(when, chain)) { return .null }
        if let unless = modifiers.unless, Self.truthy(evaluate(unless, chain)) { return .null }
        var value = evaluate(inner, chain)
        if let map = modifiers.map, !value.isNull {
            value = JoinData.keyText(value).flatMap { map[$0] } ?? modifiers.other
        }
        if modifiers.milliseconds, let number = Self.number(value) { value = .double(Self.milli(number / 1000)) }
        if modifiers.whole, let number = Self.number(value) { value = .int(Int64(number.rounded())) }
        if let time = modifiers.time { value = Self.instant(value, as: time) }
        if modifiers.text, let text = JoinData.keyText(value) { value = .string(text) }
        return value
    }

    /// Rounded to thousandths, so sums of vendor decimals read as written (9.1, not 9.100000000000001).
    static func milli(_ number: Double) -> Double {
        abs(number) < 1e12 ? (number * 1000).rounded() / 1000 : number
    }

    static func truthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .string(let text): !text.isEmpty
        case .int(let number): number != 0
        case .double(let number): number != 0
        case .array(let items): !items.isEmpty
        case .object: true
        }
    }

    /// A number, or an ISO 8601 instant as Unix seconds (so `sum` can add a duration to a start).
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        case .string(let text): Timestamp.parse(text)?.timeIntervalSince1970 ?? Double(text)
        default: nil
        }
    }

    /// An ISO 8601 UTC instant (whole seconds) from Unix seconds, milliseconds or any ISO text.
    static func instant(_ value: JSONValue, as input: MappingModifiers.TimeInput) -> JSONValue {
        let seconds: Double?
        switch (input, value) {
        case (_, .string(let text)): seconds = Timestamp.parse(text)?.timeIntervalSince1970
        case (.epochMilliseconds, _): seconds = number(value).map { $0 / 1000 }
        case (.epochSeconds, _), (.iso, _): seconds = number(value)
        }
        guard let seconds, seconds.isFinite else { return .null }
        return .string(Timestamp.format(Date(timeIntervalSince1970: seconds)))
    }
}
