/// A JSON value: the open data type for arguments, schemas and upstream bodies.
///
/// Integers that fit in 64 bits stay integers (`.int`) so that ids such as
/// 2^60 round-trip exactly; every other number is a `.double`. Objects keep
/// their keys in insertion order, so output is deterministic.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An insertion-ordered JSON object.
///
/// Members live in one array in the order their keys were first set (the order they
/// appear in parsed input), so iterating and writing an object touch no hash table.
/// Lookups scan that array while the object is small — most API objects are — and go
/// through an index built on demand once it holds more than `indexThreshold` members.
/// Equality and hashing ignore member order, as JSON's object semantics do.
package struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    package typealias Element = (key: String, value: JSONValue)

    private var entries: [Element] = []
    /// Key → position in `entries`, kept only for objects above `indexThreshold` members.
    private var index: [String: Int]?

    /// Below this many members a linear scan beats hashing the key.
    static let indexThreshold = 32

    package init() {}

    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    package init(_ pairs: [(String, JSONValue)]) {
        entries.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Capacity for `count` members (the parser knows roughly how many it will add).
    package mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    package var count: Int { entries.count }
    package var isEmpty: Bool { entries.isEmpty }
    /// The keys in order.
    package var keys: [String] { entries.map(\.key) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        for position in entries.indices where entries[position].key == key { return position }
        return nil
    }

    private mutating func rebuildIndex() {
        guard entries.count > Self.indexThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: entries.count)
        for (position, entry) in entries.enumerated() { built[entry.key] = position }
        index = built
    }

    package subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let position = position(of: key) {
                if let newValue {
                    entries[position].value = newValue
                } else {
                    entries.remove(at: position)
                    if index != nil { rebuildIndex() }
                }
            } else if let newValue {
                entries.append((key, newValue))
                if index != nil {
                    index![key] = entries.count - 1
                } else if entries.count > Self.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    package func makeIterator() -> IndexingIterator<[Element]> {
        entries.makeIterator()
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.entries {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }

    package func hash(into hasher: inout Hasher) {
        // Order-independent: a sum of each member's own hash.
        var sum = 0
        for (key, value) in entries {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            sum &+= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    package init(nilLiteral: ()) { self = .null }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int64) { self = .int(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { ($0.0, $0.1) }))
    }
}

extension JSONValue {
    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    package var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as an integer, accepting doubles with no fractional part.
    package var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    package var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    package var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    package var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member lookup on objects; nil for anything else.
    package subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The JSON type name, as JSON Schema spells it.
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
