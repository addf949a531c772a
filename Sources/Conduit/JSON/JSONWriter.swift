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

    /// How each byte is written in a JSON string: 0 as itself, 1 after a backslash
    /// (`"`, `\`), 2 as a backslash and a letter (`\n`, `\r`, `\t`), 3 as `\u00XX`.
    private static let escapeKind: [UInt8] = (0...255).map { byte -> UInt8 in
        switch byte {
        case 0x22, 0x5C: 1
        case 0x0A, 0x0D, 0x09: 2
        case 0x00..<0x20, 0x7F: 3
        default: 0
        }
    }

    /// How many bytes each byte adds when escaped, by its `escapeKind`: none, one (`\"`,
    /// `\\`, `\n`, `\r`, `\t`) or five (`\u00XX`).
    private static let escapeGrowth: [UInt8] = escapeKind.map { [0, 1, 1, 5][Int($0)] }

    /// How many bytes `utf8` takes written as a JSON string, quotes included.
    package static func escapedLength(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        utf8.count + 2 + growth(utf8)
    }

    private static func growth(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = utf8.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        return escapeGrowth.withUnsafeBufferPointer { table in
            var sum = 0
            var index = 0
            // Eight bytes at a time, counting exactly (no borrows between bytes): each `"`
            // and `\` adds one byte, DEL five; only a word holding a control byte (rare)
            // is counted byte by byte.
            let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            let highs: UInt64 = 0x8080_8080_8080_8080
            @inline(__always) func equal(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
                let t = word ^ pattern
                return ~(((t & low7) &+ low7) | t) & highs
            }
            while index &+ 8 <= utf8.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let controls = ~(((word & low7) &+ 0x6060_6060_6060_6060) | word) & highs
                if _fastPath(controls == 0) {
                    let escaped = equal(word, 0x2222_2222_2222_2222) | equal(word, 0x5C5C_5C5C_5C5C_5C5C)
                    sum &+= escaped.nonzeroBitCount &+ 5 &* equal(word, low7).nonzeroBitCount
                } else {
                    for offset in 0..<8 { sum &+= Int(table[Int(base[index &+ offset])]) }
                }
                index &+= 8
            }
            while index < utf8.count {
                sum &+= Int(table[Int(base[index])])
                index &+= 1
            }
            return sum
        }
    }

    /// The high bit set in each byte of `word` that must be escaped in a JSON string (`"`,
    /// `\`, controls, DEL). The lowest flag is always exact; flags above it may be
    /// borrows from it.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ 0x2222_2222_2222_2222
        let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
        let deletes = word ^ 0x7F7F_7F7F_7F7F_7F7F
        let controls = word &- 0x2020_2020_2020_2020
        return ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (deletes &- ones) & ~deletes | controls & ~word)
            & 0x8080_8080_8080_8080
    }

    /// Writes UTF-8 text as a JSON string. One pass measures the escaped length, a second
    /// writes it in place, so a long string (a page as a text block) costs two scans and
    /// no per-run copies.
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
        // One byte more than the escaped text: each plain byte is also written into the
        // slot after it (overwritten next, or by the closing quote), which keeps the
        // common cases free of branches.
        bytes.append(contentsOf: repeatElement(0, count: utf8.count + growth + 1))
        bytes.withUnsafeMutableBufferPointer { whole in
            let out = whole.baseAddress! + start
            Self.escapeKind.withUnsafeBufferPointer { kinds in
                var position = 0
                var index = 0
                let input = UnsafeRawPointer(utf8.baseAddress!)
                // Eight bytes at a time: the word is stored whole, then the output moves on
                // to its first byte needing an escape, which the byte loop below writes
                // over the stored copy. The output left is never shorter than the input
                // left, so the store stays inside the string.
                while index &+ 8 <= utf8.count {
                    let word = input.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    UnsafeMutableRawPointer(out + position).storeBytes(of: word, as: UInt64.self)
                    let special = Self.specialBytes(word)
                    if special == 0 {
                        index &+= 8
                        position &+= 8
                        continue
                    }
                    let run = special.trailingZeroBitCount >> 3
                    index &+= run
                    position &+= run
                    Self.writeEscape(of: utf8[index], kind: kinds[Int(utf8[index])], to: out, at: &position)
                    index &+= 1
                }
                while index < utf8.count {
                    let byte = utf8[index]
                    Self.writeEscape(of: byte, kind: kinds[Int(byte)], to: out, at: &position)
                    index &+= 1
                }
                out[position] = UInt8(ascii: "\"")
            }
        }
    }

    /// Writes one byte of a JSON string at `position` as `escapeKind` says, and moves on.
    /// A plain byte is also written into the slot after it (see `writeEscaped`).
    @inline(__always)
    private static func writeEscape(of byte: UInt8, kind: UInt8, to out: UnsafeMutablePointer<UInt8>, at position: inout Int) {
        if _fastPath(kind < 2) {
            // 0: the byte itself; 1: a backslash, then the byte (`"` and `\`).
            out[position] = kind == 0 ? byte : 0x5C
            out[position + 1] = byte
            position &+= 1 &+ Int(kind)
        } else if kind == 2 {
            out[position] = 0x5C
            out[position + 1] = byte == 0x0A ? UInt8(ascii: "n") : byte == 0x0D ? UInt8(ascii: "r") : UInt8(ascii: "t")
            position &+= 2
        } else {
            out[position] = 0x5C
            out[position + 1] = UInt8(ascii: "u")
            out[position + 2] = 0x30
            out[position + 3] = 0x30
            out[position + 4] = hexDigits[Int(byte >> 4)]
            out[position + 5] = hexDigits[Int(byte & 0x0F)]
            position &+= 6
        }
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
