/// One JSON-RPC message encoded for the wire: compact UTF-8 JSON and the line break that
/// ends it on stdio, built once by whoever answers and written as it is.
///
/// Most messages are encoded from a `JSONValue`; a tool result is spliced from bytes
/// it already holds (its structured JSON serves as both `structuredContent` and the
/// text block), and says that its bytes have been cleaned of secrets, so the writer
/// does not scan the page a second time.
package struct EncodedMessage: Sendable {
    /// The message and its terminating line break.
    package let line: [UInt8]
    /// Every byte has been through `SecretRedactor` already.
    let isRedacted: Bool

    package init(_ value: JSONValue) {
        var writer = JSONWriter()
        writer.write(value)
        writer.bytes.append(0x0A)
        line = writer.bytes
        isRedacted = false
    }

    /// A line built elsewhere (it must end with a line break), cleaned of secrets or not.
    init(line: [UInt8], redacted: Bool) {
        precondition(line.last == 0x0A, "an encoded message is one line")
        self.line = line
        isRedacted = redacted
    }

    /// The message parsed back (for in-process tests that inspect what was sent).
    package var value: JSONValue {
        (try? JSONValue.parse(line)) ?? .null
    }

    /// A JSON-RPC batch answer: the messages as one array, on one line.
    static func batch(_ messages: [EncodedMessage]) -> EncodedMessage {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(messages.reduce(2) { $0 + $1.line.count })
        for (index, message) in messages.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: message.line.dropLast())
        }
        bytes.append(contentsOf: [UInt8(ascii: "]"), 0x0A])
        return EncodedMessage(line: bytes, redacted: messages.allSatisfy(\.isRedacted))
    }
}
