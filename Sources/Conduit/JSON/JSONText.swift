#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A validated JSON text kept as compact bytes, with navigation that builds no values.
///
/// An upstream page mostly passes through: conduit needs the results array, a cursor and
/// perhaps a flag from it, and hands the records on untouched. Building a `JSONValue`
/// tree of a 60 KB page (thousands of strings and objects) and serialising it again costs
/// more than the rest of a call; here the bytes are checked once, made compact (so they
/// can sit in one line of JSON-RPC), and then sliced: a record is a range of bytes, and
/// only the few small values conduit reads are parsed.
///
/// Strings keep their escapes as the upstream wrote them (`\u00e9` stays six bytes) and
/// numbers their digits, so values pass through exactly.
package struct JSONText: Sendable {
    /// The compact text: no whitespace outside strings.
    package let bytes: [UInt8]
    /// The children of the root and of the root's own containers, by the container's
    /// first byte, found while validating: the paths conduit follows (results, cursors)
    /// mostly end there, so they are found without walking the bytes again.
    private let children: [Int: [JSONTextValidator.Child]]

    /// Checks `raw` against RFC 8259 (with the parser's depth limit and UTF-8 rules) and
    /// keeps a compact copy (the same array when it has no whitespace to drop).
    package init(validating raw: [UInt8]) throws(JSONParseError) {
        var (hasWhitespace, children) = try Self.validate(raw)
        var bytes = raw
        if hasWhitespace {
            // Positions move when whitespace goes: index the compact text itself.
            bytes = Self.compacted(raw)
            (hasWhitespace, children) = try Self.validate(bytes)
        }
        self.bytes = bytes
        self.children = children
    }

    private static func validate(_ bytes: [UInt8]) throws(JSONParseError) -> (Bool, [Int: [JSONTextValidator.Child]]) {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var validator = JSONTextValidator(buffer: buffer)
            try validator.validate()
            return (validator.sawWhitespace, validator.children)
        }
    }

    /// The compact encoding of a value conduit holds.
    package static func of(_ value: JSONValue) -> JSONText {
        JSONText(compact: value.jsonBytes)
    }

    private init(compact: [UInt8]) {
        bytes = compact
        children = [:]
    }

    /// The whole text.
    package var root: Range<Int> { 0..<bytes.count }

    /// `raw` without whitespace outside strings (it is known to be valid).
    private static func compacted(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        raw.withUnsafeBufferPointer { input in
            var index = 0
            while index < input.count {
                let byte = input[index]
                switch byte {
                case 0x20, 0x0A, 0x0D, 0x09:
                    index += 1
                case UInt8(ascii: "\""):
                    let end = JSONTextWalker.stringEnd(input, from: index)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<end]))
                    index = end
                default:
                    out.append(byte)
                    index += 1
                }
            }
        }
        return out
    }

    /// What kind of value starts a range.
    package enum Kind: Sendable { case object, array, string, number, literal }

    package func kind(of range: Range<Int>) -> Kind {
        switch bytes[range.lowerBound] {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): .literal
        default: .number
        }
    }

    package func isNull(_ range: Range<Int>) -> Bool {
        range.count == 4 && bytes[range.lowerBound] == UInt8(ascii: "n")
    }

    /// The members of the object at `range`, as (key range including quotes, value range).
    package func members(of range: Range<Int>) -> [(key: Range<Int>, value: Range<Int>)] {
        guard kind(of: range) == .object else { return [] }
        if let known = children[range.lowerBound] { return known.map { ($0.key, $0.value) } }
        return bytes.withUnsafeBufferPointer { buffer in
            var found: [(key: Range<Int>, value: Range<Int>)] = []
            var index = range.lowerBound + 1
            while buffer[index] != UInt8(ascii: "}") {
                let keyEnd = JSONTextWalker.stringEnd(buffer, from: index)
                let valueStart = keyEnd + 1  // past ':'
                let valueEnd = JSONTextWalker.valueEnd(buffer, from: valueStart)
                found.append((index..<keyEnd, valueStart..<valueEnd))
                index = buffer[valueEnd] == UInt8(ascii: ",") ? valueEnd + 1 : valueEnd
            }
            return found
        }
    }

    /// The elements of the array at `range`.
    package func elements(of range: Range<Int>) -> [Range<Int>] {
        guard kind(of: range) == .array else { return [] }
        if let known = children[range.lowerBound] { return known.map(\.value) }
        return bytes.withUnsafeBufferPointer { buffer in
            var found: [Range<Int>] = []
            var index = range.lowerBound + 1
            while buffer[index] != UInt8(ascii: "]") {
                let end = JSONTextWalker.valueEnd(buffer, from: index)
                found.append(index..<end)
                index = buffer[end] == UInt8(ascii: ",") ? end + 1 : end
            }
            return found
        }
    }

    /// The value of member `name` of the object at `range` (the last one, if repeated,
    /// as the tree parser keeps the last value).
    package func member(_ name: String, of range: Range<Int>) -> Range<Int>? {
        let wanted = Array(name.utf8)
        var found: Range<Int>?
        for (key, value) in members(of: range) where keyEquals(key, wanted) { found = value }
        return found
    }

    private func keyEquals(_ key: Range<Int>, _ wanted: [UInt8]) -> Bool {
        let inner = (key.lowerBound + 1)..<(key.upperBound - 1)
        if inner.count == wanted.count, bytes[inner].elementsEqual(wanted) { return true }
        // A key spelled with escapes: compare what it decodes to.
        guard bytes[inner].contains(UInt8(ascii: "\\")), case .string(let decoded)? = try? JSONValue.parse(bytes[key]) else {
            return false
        }
        return Array(decoded.utf8) == wanted
    }

    /// Every range `path` reaches from `range` (several when it maps over arrays), like
    /// `JSONPath.values(in:)` on the parsed value.
    package func ranges(_ path: JSONPath, from range: Range<Int>) -> [Range<Int>] {
        var current = [range]
        for step in path.steps {
            var next: [Range<Int>] = []
            for candidate in current {
                switch step {
                case .member(let name):
                    if let found = member(name, of: candidate) { next.append(found) }
                case .each:
                    next.append(contentsOf: elements(of: candidate))
                }
            }
            current = next
        }
        return current
    }

    /// The single non-null value `path` reaches, parsed (for small values: cursors, flags).
    package func value(_ path: JSONPath, from range: Range<Int>) -> JSONValue? {
        let found = ranges(path, from: range)
        guard found.count == 1, !isNull(found[0]) else { return nil }
        return self.value(of: found[0])
    }

    /// The value at `range`, parsed.
    package func value(of range: Range<Int>) -> JSONValue {
        (try? JSONValue.parse(bytes[range])) ?? .null
    }
}

/// Finds where values end in text already known to be valid and compact.
enum JSONTextWalker {
    /// The index just past the string that starts (with its quote) at `start`.
    static func stringEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let base = buffer.baseAddress!
        var index = start + 1
        while true {
            // memchr finds the next quote many bytes at a time; it closes the string unless
            // an odd run of backslashes escapes it.
            let hit = memchr(base + index, Int32(UInt8(ascii: "\"")), buffer.count - index)!
            let quote = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - 1 - backslashes > start, buffer[quote - 1 - backslashes] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote + 1 }
            index = quote + 1
        }
    }

    /// The index just past the value that starts at `start`.
    static func valueEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        switch buffer[start] {
        case UInt8(ascii: "\""):
            return stringEnd(buffer, from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while true {
                let byte = buffer[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index = stringEnd(buffer, from: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
        default:
            // A number or a literal: up to the next delimiter.
            var index = start + 1
            while index < buffer.count {
                switch buffer[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): return index
                default: index += 1
                }
            }
            return index
        }
    }
}

/// Checks a JSON text without building values: the grammar, the depth limit, string
/// contents (no raw controls, valid escapes, well-formed UTF-8), and whether any
/// whitespace would have to go to make it compact.
struct JSONTextValidator: ~Copyable {
    /// A member (with its key, quotes included) or an element (with an empty key range).
    struct Child: Sendable {
        var key: Range<Int>
        var value: Range<Int>
    }

    let buffer: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    var sawWhitespace = false
    /// Bytes above 0x7F were seen in strings: the whole text gets a UTF-8 check.
    var sawNonASCII = false
    /// The children of containers at depth 0 and 1, by the container's first byte.
    var children: [Int: [Child]] = [:]
    /// Containers this deep or deeper are checked but not indexed.
    static let indexedDepth = 2

    init(buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func validate() throws(JSONParseError) {
        skipWhitespace()
        try value()
        skipWhitespace()
        if index != buffer.count { throw fail(.trailingData) }
        if sawNonASCII && !UTF8Validation.isValid(buffer) {
            index = 0
            throw fail(.invalidUTF8)
        }
    }

    private func fail(_ reason: JSONParseError.Reason) -> JSONParseError {
        JSONParseError(reason: reason, offset: index)
    }

    private mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x0A, 0x0D, 0x09:
                sawWhitespace = true
                index += 1
            default:
                return
            }
        }
    }

    private mutating func value() throws(JSONParseError) {
        guard index < buffer.count else { throw fail(.unexpectedEnd) }
        switch buffer[index] {
        case UInt8(ascii: "{"): try container(close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try container(close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail(.unexpectedByte(buffer[index]))
        }
    }

    private mutating func literal(_ text: StaticString) throws(JSONParseError) {
        let count = text.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw fail(.unexpectedEnd) }
        for offset in 0..<count where buffer[index + offset] != text.utf8Start[offset] {
            index += offset
            throw fail(.unexpectedByte(buffer[index]))
        }
        index += count
    }

    private mutating func container(close: UInt8, keyed: Bool) throws(JSONParseError) {
        let start = index
        let indexed = depth < Self.indexedDepth
        var found: [Child] = []
        depth += 1
        if depth > JSONValue.maximumDepth { throw fail(.tooDeep(limit: JSONValue.maximumDepth)) }
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < buffer.count, buffer[index] == close {
            index += 1
            if indexed { children[start] = [] }
            return
        }
        while true {
            skipWhitespace()
            var key = index..<index
            if keyed {
                guard index < buffer.count else { throw fail(.unexpectedEnd) }
                guard buffer[index] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(buffer[index])) }
                try string()
                key = key.lowerBound..<index
                skipWhitespace()
                guard index < buffer.count else { throw fail(.unexpectedEnd) }
                guard buffer[index] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(buffer[index])) }
                index += 1
                skipWhitespace()
            }
            let valueStart = index
            try value()
            if indexed { found.append(Child(key: key, value: valueStart..<index)) }
            skipWhitespace()
            guard index < buffer.count else { throw fail(.unexpectedEnd) }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
            } else if buffer[index] == close {
                index += 1
                if indexed { children[start] = found }
                return
            } else {
                throw fail(.unexpectedByte(buffer[index]))
            }
        }
    }

    private mutating func string() throws(JSONParseError) {
        index += 1
        while true {
            index = Self.nextSpecial(buffer, from: index, sawHighBit: &sawNonASCII)
            guard index < buffer.count else { throw fail(.unexpectedEnd) }
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte < 0x20 { throw fail(.unexpectedByte(byte)) }
            // A backslash.
            index += 1
            guard index < buffer.count else { throw fail(.unexpectedEnd) }
            switch buffer[index] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                index += 1
            case UInt8(ascii: "u"):
                try unicodeEscape()
            default:
                throw fail(.invalidEscape)
            }
        }
    }

    /// The first index at or after `start` holding a quote, a backslash or a control
    /// byte (`buffer.count` if none), eight bytes at a time; notes any byte above 0x7F.
    private static func nextSpecial(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, sawHighBit: inout Bool) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawPointer(buffer.baseAddress!)
        var index = start
        var high: UInt64 = 0
        while index + 8 <= buffer.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // A byte is zero in `x` exactly where the lowest flagged byte of this expression is.
            let quotes = word ^ 0x2222_2222_2222_2222
            let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
            let mask = ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (word &- 0x2020_2020_2020_2020) & ~word) & highs
            if mask != 0 {
                let found = index + mask.trailingZeroBitCount >> 3
                // High bits before the hit only (bytes after it may belong to other values).
                let before = found - index
                if before > 0 { high |= word & (highs >> UInt64((8 - before) * 8)) }
                if high != 0 { sawHighBit = true }
                return found
            }
            high |= word & highs
            index += 8
        }
        if high != 0 { sawHighBit = true }
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return index }
            if byte >= 0x80 { sawHighBit = true }
            index += 1
        }
        return index
    }

    /// `\uXXXX` (index at the `u`): a high surrogate must be followed by a low one.
    private mutating func unicodeEscape() throws(JSONParseError) {
        let first = try hex4()
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u") else {
                throw fail(.invalidEscape)
            }
            index += 1
            let second = try hex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw fail(.invalidEscape) }
        } else if (0xDC00...0xDFFF).contains(first) {
            throw fail(.invalidEscape)
        }
    }

    /// Reads `uXXXX` starting at the `u`.
    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        index += 1
        guard index + 4 <= buffer.count else { throw fail(.unexpectedEnd) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexDigitValue(buffer[index]) else { throw fail(.invalidEscape) }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func number() throws(JSONParseError) {
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        guard index < buffer.count else { throw fail(.unexpectedEnd) }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(buffer[index]) {
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        } else {
            throw fail(.invalidNumber)
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            index += 1
            guard index < buffer.count, isDigit(buffer[index]) else { throw fail(.invalidNumber) }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < buffer.count, isDigit(buffer[index]) else { throw fail(.invalidNumber) }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
