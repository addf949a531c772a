/// One JSON-RPC message encoded for the wire (compact UTF-8 JSON, no line break),
/// built once by whoever answers and written as it is.
///
/// Most messages are encoded from a `JSONValue`; a tool result is spliced from bytes
/// it already holds (its structured JSON serves as both `structuredContent` and the
/// text block), and says that its bytes have been cleaned of secrets, so the writer
/// does not scan the page a second time.
package struct EncodedMessage: Sendable {
    package let bytes: [UInt8]
    /// Every byte has been through `SecretRedactor` already.
    let isRedacted: Bool

    package init(_ value: JSONValue) {
        bytes = value.jsonBytes
        isRedacted = false
    }

    init(redacted bytes: [UInt8]) {
        self.bytes = bytes
        isRedacted = true
    }

    /// The message parsed back (for in-process tests that inspect what was sent).
    package var value: JSONValue {
        (try? JSONValue.parse(bytes)) ?? .null
    }

    /// A JSON-RPC batch answer: the messages as one array.
    static func batch(_ messages: [EncodedMessage]) -> EncodedMessage {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(messages.reduce(2) { $0 + $1.bytes.count + 1 })
        for (index, message) in messages.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: message.bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        if messages.allSatisfy(\.isRedacted) { return EncodedMessage(redacted: bytes) }
        return EncodedMessage(unredacted: bytes)
    }

    private init(unredacted bytes: [UInt8]) {
        self.bytes = bytes
        isRedacted = false
    }
}
