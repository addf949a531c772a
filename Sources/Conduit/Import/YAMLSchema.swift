/// How scalars become values: the YAML 1.2 core schema, which OpenAPI 3.x documents are
/// written against.
///
/// - `null`, `Null`, `NULL`, `~` and the empty scalar are null.
/// - `true`/`True`/`TRUE`/`false`/`False`/`FALSE` are booleans, and nothing else is:
///   YAML 1.1's `yes`, `no`, `on`, `off` stay strings (think of a country code `NO`).
/// - `[-+]?[0-9]+`, `0o[0-7]+` and `0x[0-9a-fA-F]+` are integers. One that does not fit in
///   64 bits becomes a double, as `JSONValue.parse` does with big JSON numbers. YAML 1.1's
///   `0777` octal, `1_000` and sexagesimal `1:30` forms stay strings (`0777` is decimal 777).
/// - `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` is a double.
/// - `.inf`, `-.Inf`, `.nan` and friends are floats to YAML but JSON cannot hold them, so
///   they stay the string as written; so does a float literal too large for a double.
/// - Everything else, timestamps included, is a string.
enum YAMLCoreSchema {
    /// The value of an untagged plain scalar.
    static func resolve(plain text: String) -> JSONValue {
        var storage = text
        return storage.withUTF8 { bytes in
            guard let first = bytes.first else { return .null }
            switch first {
            case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
                return isNull(bytes) ? .null : .string(text)
            case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
                if let bool = bool(bytes) { return .bool(bool) }
                return .string(text)
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return number(bytes, text: text) ?? .string(text)
            default:
                return .string(text)
            }
        }
    }

    /// The value of a scalar tagged `!!int`, or nil when the text is not a core-schema integer.
    static func integer(_ text: String) -> JSONValue? {
        var storage = text
        return storage.withUTF8 { bytes in integer(bytes, text: text) }
    }

    /// The value of a scalar tagged `!!float`: a float or an integer literal, as a double.
    static func float(_ text: String) -> JSONValue? {
        var storage = text
        return storage.withUTF8 { bytes -> JSONValue? in
            if let value = integer(bytes, text: text) {
                switch value {
                case .int(let int): return .double(Double(int))
                case .double: return value
                default: return .string(text)  // too large for a double
                }
            }
            if isInfinityOrNaN(bytes) { return .string(text) }
            return floatingPoint(bytes, text: text)
        }
    }

    /// The value of a scalar tagged `!!bool`, or nil.
    static func bool(_ text: String) -> Bool? {
        var storage = text
        return storage.withUTF8 { bool($0) }
    }

    /// The text a scalar key becomes in a JSON object: `200` → "200", `true` → "true",
    /// `~` → "null", `1.5` → "1.5" (the shortest text that reads back as the same double).
    static func keyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): double.description
        case .bool(let bool): bool ? "true" : "false"
        case .null: "null"
        case .array, .object: nil
        }
    }

    // MARK: - Byte-level matchers

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let start = literal.utf8Start
        for offset in 0..<bytes.count where bytes[offset] != start[offset] { return false }
        return true
    }

    private static func isNull(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.isEmpty || equals(bytes, "~") || equals(bytes, "null") || equals(bytes, "Null") || equals(bytes, "NULL")
    }

    private static func bool(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        if equals(bytes, "true") || equals(bytes, "True") || equals(bytes, "TRUE") { return true }
        if equals(bytes, "false") || equals(bytes, "False") || equals(bytes, "FALSE") { return false }
        return nil
    }

    private static func isInfinityOrNaN(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var body = bytes
        if let first = body.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            body = UnsafeBufferPointer(rebasing: body.dropFirst())
            return equals(body, ".inf") || equals(body, ".Inf") || equals(body, ".INF")
        }
        return equals(body, ".inf") || equals(body, ".Inf") || equals(body, ".INF") || equals(body, ".nan")
            || equals(body, ".NaN") || equals(body, ".NAN")
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, text: String) -> JSONValue? {
        if let value = integer(bytes, text: text) { return value }
        if isInfinityOrNaN(bytes) { return .string(text) }
        return floatingPoint(bytes, text: text)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`.
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>, text: String) -> JSONValue? {
        guard !bytes.isEmpty else { return nil }
        if bytes.count > 2 && bytes[0] == UInt8(ascii: "0") {
            if bytes[1] == UInt8(ascii: "x") { return radix(bytes, bitsPerDigit: 4) }
            if bytes[1] == UInt8(ascii: "o") { return radix(bytes, bitsPerDigit: 3) }
        }
        var position = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            position = 1
        }
        guard position < bytes.count else { return nil }
        var magnitude: UInt64 = 0
        var overflow = false
        for index in position..<bytes.count {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            if !overflow {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                overflow = o1 || o2
                magnitude = sum
            }
        }
        if !overflow {
            if negative {
                if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if magnitude <= UInt64(Int64.max) {
                return .int(Int64(magnitude))
            }
        }
        // Beyond 64 bits: the nearest double, as for a big JSON number.
        guard let double = Double(text), double.isFinite else { return .string(text) }
        return .double(double)
    }

    /// A `0x` or `0o` integer (no sign in the core schema). Beyond 64 bits the value is
    /// rounded to the nearest double from its leading 64 bits plus a sticky bit for the rest,
    /// which is exactly how a correctly rounded conversion behaves.
    private static func radix(_ bytes: UnsafeBufferPointer<UInt8>, bitsPerDigit: Int) -> JSONValue? {
        var value: UInt64 = 0
        var extraBits = 0
        var sticky = false
        for index in 2..<bytes.count {
            let byte = bytes[index]
            let digit: UInt64
            if bitsPerDigit == 3 {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") else { return nil }
                digit = UInt64(byte - UInt8(ascii: "0"))
            } else {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
            }
            for bit in stride(from: bitsPerDigit - 1, through: 0, by: -1) {
                let next = (digit >> UInt64(bit)) & 1
                if value >> 63 == 0 {
                    value = value << 1 | next
                } else {
                    extraBits += 1
                    if next == 1 { sticky = true }
                }
            }
        }
        if extraBits == 0 && value <= UInt64(Int64.max) { return .int(Int64(value)) }
        if sticky { value |= 1 }
        let double = Double(value) * pow2(extraBits)
        return double.isFinite ? .double(double) : .string(String(decoding: bytes, as: UTF8.self))
    }

    private static func pow2(_ exponent: Int) -> Double {
        exponent > 1100 ? .infinity : Double(sign: .plus, exponent: exponent, significand: 1)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func floatingPoint(_ bytes: UnsafeBufferPointer<UInt8>, text: String) -> JSONValue? {
        var position = 0
        let count = bytes.count
        if position < count && (bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")) {
            position += 1
        }
        var integerDigits = 0
        while position < count && isDigit(bytes[position]) {
            position += 1
            integerDigits += 1
        }
        var fractionDigits = 0
        if position < count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < count && isDigit(bytes[position]) {
                position += 1
                fractionDigits += 1
            }
            if integerDigits == 0 && fractionDigits == 0 { return nil }
        } else if integerDigits == 0 {
            return nil
        }
        if position < count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < count && (bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")) {
                position += 1
            }
            var exponentDigits = 0
            while position < count && isDigit(bytes[position]) {
                position += 1
                exponentDigits += 1
            }
            if exponentDigits == 0 { return nil }
        }
        guard position == count else { return nil }
        guard let double = Double(text) else { return nil }
        return double.isFinite ? .double(double) : .string(text)
    }
}
