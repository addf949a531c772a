import Foundation
import Synchronization
import Testing

@testable import Conduit

#if canImport(Glibc)
import Glibc
#endif

/// What the stdio transport guarantees when the client misbehaves (found by the interop
/// hardening suite, Tests/Interop/test_bounds.py and test_secrets.py).
@Suite struct TransportHardeningTests {
    /// A client that stops reading stdout: senders wait at the backlog ceiling instead of
    /// queueing without bound, and everything arrives, in order, once it reads again.
    @Test func aWriterWhoseClientStopsReadingHoldsSendersAtTheCeiling() throws {
        var pair: [Int32] = [0, 0]
        #expect(pipe(&pair) == 0)
        let (readEnd, writeEnd) = (pair[0], pair[1])
        let ceiling = 64 << 10
        let writer = MessageWriter(fileDescriptor: writeEnd, maximumBacklog: ceiling)
        let padding = String(repeating: "p", count: 10_000)
        let sent = Mutex(0)
        let total = 200  // about 2 MB in all, far beyond the pipe (64 KB) plus the ceiling
        let sender = Thread {
            for index in 0..<total {
                writer.send(["index": .int(Int64(index)), "padding": .string(padding)])
                sent.withLock { $0 += 1 }
            }
        }
        sender.start()
        usleep(400_000)
        let stalled = sent.withLock { $0 }
        #expect(stalled < 30, "\(stalled) sends went through while nobody read: the backlog is not bounded")
        #expect(writer.pendingBytes <= ceiling + 10_100)

        // The client reads again: every line arrives whole and in order.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var lines = 0
        while lines < total {
            let count = read(readEnd, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
            lines = received.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        }
        writer.flush()
        close(readEnd)
        close(writeEnd)
        let decoded = try received.split(separator: 0x0A).map { try JSONValue.parse(Array($0)) }
        #expect(decoded.count == total)
        #expect(decoded.map { $0["index"]?.intValue ?? -1 } == (0..<total).map(Int64.init))
    }

    /// One line bigger than the ceiling still goes out (nothing waits on its own size).
    @Test func aSingleLineLargerThanTheCeilingIsWritten() throws {
        var pair: [Int32] = [0, 0]
        #expect(pipe(&pair) == 0)
        let (readEnd, writeEnd) = (pair[0], pair[1])
        let writer = MessageWriter(fileDescriptor: writeEnd, maximumBacklog: 1024)
        let big = String(repeating: "b", count: 200_000)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while read(readEnd, &buffer, buffer.count) > 0 {}
        }
        reader.start()
        writer.send(["big": .string(big)])
        writer.send(["small": 1])
        writer.flush()
        #expect(writer.pendingBytes == 0)
        close(writeEnd)
    }

    /// A registered secret never reaches stdout or stderr, whatever produced the text.
    @Test func secretsAreRemovedFromEveryLineWritten() throws {
        let secret = "transport-secret-\(UInt64.random(in: 1...UInt64.max))+/="
        SecretRedactor.shared.register(secret)
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        #expect(pipe(&out) == 0 && pipe(&err) == 0)

        let writer = MessageWriter(fileDescriptor: out[1])
        writer.send(["result": ["text": .string("upstream said: Authorization: Bearer \(secret) is invalid")]])
        writer.flush()
        close(out[1])
        let log = DiagnosticLog(level: .debug, fileDescriptor: err[1])
        log.log(.debug, "echo: \(secret)")
        usleep(200_000)
        close(err[1])

        for descriptor in [out[0], err[0]] {
            var text: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                text += buffer[0..<count]
            }
            close(descriptor)
            let written = String(decoding: text, as: UTF8.self)
            #expect(!written.contains("transport-secret"), "\(written)")
            #expect(written.contains(SecretRedactor.marker), "\(written)")
        }
    }

    /// stdin lines are capped at 16 MiB: the one over it is discarded and reported once.
    @Test func stdinLinesAreCappedAtSixteenMebibytes() {
        #expect(LineReader.defaultMaximumLineLength == 16 << 20)
        var pair: [Int32] = [0, 0]
        #expect(pipe(&pair) == 0)
        let lines = Mutex<[[UInt8]]>([])
        let oversized = Mutex(0)
        let reader = LineReader(
            fileDescriptor: pair[0],
            onLine: { line in lines.withLock { $0.append(line) } },
            onOversizedLine: { oversized.withLock { $0 += 1 } },
            onEnd: {})
        let writeEnd = pair[1]
        let writer = Thread {
            let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
            for _ in 0..<17 { writeFully(writeEnd, chunk) }
            writeFully(writeEnd, Array("\n{\"after\":true}\n".utf8))
            close(writeEnd)
        }
        writer.start()
        reader.run()
        close(pair[0])
        #expect(oversized.withLock { $0 } == 1)
        #expect(lines.withLock { $0 } == [Array(#"{"after":true}"#.utf8)])
    }
}

/// A client message may hold at most `JSONValue.maximumMessageValues` values; upstream
/// bodies parsed without a budget are not limited.
@Suite struct MessageValueBudgetTests {
    @Test func aMessageOverTheBudgetIsRefusedClearly() {
        let flat = "[" + String(repeating: "0,", count: 20) + "0]"
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(flat.utf8), maximumValues: 10) }
        do {
            _ = try JSONValue.parse(Array(flat.utf8), maximumValues: 10)
        } catch {
            #expect(error.description.contains("more than 10 values"))
        }
        #expect((try? JSONValue.parse(Array(flat.utf8), maximumValues: 22)) != nil)
        #expect((try? JSONValue.parse(Array(flat.utf8))) != nil)
    }
}
