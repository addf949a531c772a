/// Serialises `JSONValue` to compact or indented UTF-8 JSON.
///
/// Compact output never contains a raw newline (strings escape them), which is
/// what the stdio framing relies on.
package struct JSONWriter {
    package var bytes: [UInt8] = []
    private let indent: Int?

    /// - Parameter pretty: indent by two spaces per level and put one member per line.
    package init(pretty: Bool = false, reserving capacity: Int = 256) {
        indent = pretty ? 2 : nil
        bytes.reserveCapacity(capacity)
    }

    package mutating func write(_ value: JSONValue) {
        write(value, level: 0)
    }

    /// Appends text that is already JSON (a fixed fragment of a message).
    package mutating func writeRaw(_ fragment: StaticString) {
        fragment.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Writes `value` with every known secret removed from its encoding.
    package mutating func writeRedacted(_ value: JSONValue) {
        let encoded = value.jsonBytes
        bytes.append(contentsOf: SecretRedactor.shared.redactIfNeeded(encoded) ?? encoded)
    }

    private mutating func newline(_ level: Int) {
        guard let indent else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(0x20, count: level * indent))
    }

    private mutating func write(_ value: JSONValue, level: Int) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(true): bytes.append(contentsOf: "true".utf8)
        case .bool(false): bytes.append(contentsOf: "false".utf8)
        case .int(let i): writeInteger(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            if elements.isEmpty {
                bytes.append(UInt8(ascii: "]"))
                return
            }
            for (offset, element) in elements.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(level + 1)
                write(element, level: level + 1)
            }
            newline(level)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            if object.isEmpty {
                bytes.append(UInt8(ascii: "}"))
                return
            }
            var first = true
            for (key, member) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                newline(level + 1)
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                if indent != nil { bytes.append(0x20) }
                write(member, level: level + 1)
            }
            newline(level)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeDouble(_ d: Double) {
        guard d.isFinite else {
            // JSON has no infinities or NaN.
            bytes.append(contentsOf: "null".utf8)
            return
        }
        if d.rounded() == d, abs(d) < 1e15 {
            writeInteger(Int64(d))
        } else {
            bytes.append(contentsOf: d.description.utf8)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    package mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeEscaped($0) }
    }

    /// How many bytes each byte adds when escaped in a JSON string: 0, 1 (`\"`, `\\`,
    /// `\n`, `\r`, `\t`) or 5 (`\u00XX` for other controls and DEL).
    private static let escapeGrowth: [UInt8] = (0...255).map { byte -> UInt8 in
        switch byte {
        case 0x22, 0x5C, 0x0A, 0x0D, 0x09: 1
        case 0x00..<0x20, 0x7F: 5
        default: 0
        }
    }

    /// Writes UTF-8 text as a JSON string. One pass measures the escaped length, a second
    /// writes it in place, so a long string (a page as a text block) costs two scans and
    /// no per-run copies.
    /// How many bytes `utf8` takes written as a JSON string, quotes included.
    package static func escapedLength(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        utf8.count + 2 + growth(utf8)
    }

    private static func growth(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        escapeGrowth.withUnsafeBufferPointer { table in
            var sum = 0
            for byte in utf8 { sum &+= Int(table[Int(byte)]) }
            return sum
        }
    }

    /// - Parameter escapedLength: `escapedLength(utf8)`, when the caller has it already.
    package mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, escapedLength: Int? = nil) {
        let growth = escapedLength.map { $0 - 2 - utf8.count } ?? Self.growth(utf8)
        bytes.append(UInt8(ascii: "\""))
        if growth == 0 {
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: utf8.count + growth))
        bytes.withUnsafeMutableBufferPointer { out in
            Self.escapeGrowth.withUnsafeBufferPointer { table in
                var position = start
                for byte in utf8 {
                    switch table[Int(byte)] {
                    case 0:
                        out[position] = byte
                        position += 1
                    case 1:
                        out[position] = 0x5C
                        switch byte {
                        case 0x0A: out[position + 1] = UInt8(ascii: "n")
                        case 0x0D: out[position + 1] = UInt8(ascii: "r")
                        case 0x09: out[position + 1] = UInt8(ascii: "t")
                        default: out[position + 1] = byte
                        }
                        position += 2
                    default:
                        let hex = Self.hexDigits
                        out[position] = 0x5C
                        out[position + 1] = UInt8(ascii: "u")
                        out[position + 2] = 0x30
                        out[position + 3] = 0x30
                        out[position + 4] = hex[Int(byte >> 4)]
                        out[position + 5] = hex[Int(byte & 0x0F)]
                        position += 6
                    }
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Decimal digits of an integer, without an intermediate String.
    private mutating func writeInteger(_ value: Int64) {
        if value == 0 {
            bytes.append(0x30)
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        while magnitude > 0 {
            bytes.append(0x30 + UInt8(magnitude % 10))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }
}

extension JSONValue {
    /// Compact UTF-8 JSON.
    package var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// Compact JSON text.
    package var jsonString: String {
        String(decoding: jsonBytes, as: UTF8.self)
    }

    /// Indented JSON text, for people.
    package var prettyJSONString: String {
        var writer = JSONWriter(pretty: true)
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
