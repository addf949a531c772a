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

    private mutating func newline(_ level: Int) {
        guard let indent else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(0x20, count: level * indent))
    }

    private mutating func write(_ value: JSONValue, level: Int) {
        switch value {
        case .null: bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .int(let i): bytes.append(contentsOf: String(i).utf8)
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
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            return
        }
        if d.rounded() == d, abs(d) < 1e15 {
            bytes.append(contentsOf: String(Int64(d)).utf8)
        } else {
            bytes.append(contentsOf: d.description.utf8)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    package mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20, 0x7F:
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
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
