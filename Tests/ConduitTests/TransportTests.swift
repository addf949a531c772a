import Foundation
import Synchronization
import Testing

@testable import Conduit

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LineReaderTests {
    /// Feeds `chunks` through a real pipe and returns the lines the reader delivered.
    private func read(_ chunks: [[UInt8]], maximum: Int = LineReader.defaultMaximumLineLength) -> (lines: [[UInt8]], oversized: Int) {
        var pair: [Int32] = [0, 0]
        pipe(&pair)
        let fds = pair
        let lines = Mutex<[[UInt8]]>([])
        let oversized = Mutex(0)
        let reader = LineReader(
            fileDescriptor: fds[0], maximumLineLength: maximum,
            onLine: { line in lines.withLock { $0.append(line) } },
            onOversizedLine: { oversized.withLock { $0 += 1 } },
            onEnd: {})
        let writer = Thread {
            for chunk in chunks { writeFully(fds[1], chunk) }
            close(fds[1])
        }
        writer.start()
        reader.run()
        close(fds[0])
        return (lines.withLock { $0 }, oversized.withLock { $0 })
    }

    @Test func splitsOnNewlinesAndToleratesCarriageReturns() {
        let result = read([Array("{\"a\":1}\r\n{\"b\":2}\n\n   \n{\"c\"".utf8), Array(":3}\n".utf8)])
        #expect(result.lines.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
    }

    @Test func aTenMegabyteLineArrivesWhole() {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
        let result = read([[UInt8(ascii: "\"")] + big + [UInt8(ascii: "\""), 0x0A]])
        #expect(result.lines.count == 1)
        #expect(result.lines.first?.count == big.count + 2)
    }

    @Test func aLineOverTheLimitIsDiscardedAndReportedOnce() {
        let long = [UInt8](repeating: UInt8(ascii: "y"), count: 5000)
        let result = read([long + [0x0A] + Array("{\"after\":1}\n".utf8)], maximum: 1000)
        #expect(result.oversized == 1)
        #expect(result.lines.count == 1)
        #expect(result.lines.first == Array(#"{"after":1}"#.utf8))
    }

    @Test func aFinalLineWithoutNewlineIsStillDelivered() {
        let result = read([Array("{\"last\":true}".utf8)])
        #expect(result.lines.count == 1)
    }
}

@Suite struct JSONRPCTests {
    @Test func requestsNotificationsAndResponsesAreTold() throws {
        guard case .request(.int(7), "tools/list", let params) = IncomingMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"x":1}}"#)) else {
            Issue.record("not a request"); return
        }
        #expect(params["x"] == .int(1))
        guard case .notification("notifications/initialized", _) = IncomingMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)) else {
            Issue.record("not a notification"); return
        }
        guard case .response = IncomingMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","id":1,"result":{}}"#)) else {
            Issue.record("not a response"); return
        }
    }

    @Test(arguments: [
        (#"{"id":1,"method":"ping"}"#, "jsonrpc"),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, "jsonrpc"),
        (#"{"jsonrpc":"2.0","id":1}"#, "method"),
        (#"{"jsonrpc":"2.0","id":1,"method":5}"#, "method"),
        (#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, "id"),
        (#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, "id"),
        (#"[1]"#, "object"),
    ])
    func malformedMessagesAreInvalidRequests(text: String, mentions: String) throws {
        let value = try JSONValue.parse(text)
        let message = value.arrayValue.map { IncomingMessage($0[0]) } ?? IncomingMessage(value)
        guard case .invalid(_, let error) = message else {
            Issue.record("accepted \(text)"); return
        }
        #expect(error.code == -32600)
        #expect(error.message.contains(mentions))
    }

    @Test func nonObjectParamsAreInvalidParamsWithTheIdKept() throws {
        guard case .invalid(let id, let error) = IncomingMessage(try JSONValue.parse(#"{"jsonrpc":"2.0","id":"abc","method":"ping","params":[1]}"#)) else {
            Issue.record("accepted"); return
        }
        #expect(id == .string("abc"))
        #expect(error.code == -32602)
    }
}
