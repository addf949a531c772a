import Conduit
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What conduit does when the vendor misbehaves at the transport level: each fault
/// becomes an `isError` tool result with a clear sentence, within a bounded time, and
/// the same server process goes on answering `ping` and normal calls.
@Suite(.serialized) struct FaultInjectionTests {
    /// One fault, served for `GET /api/v1/users/me` (list_all_chorus_me); every other
    /// path is the normal Chorus fake.
    struct Fault: Sendable, CustomTestStringConvertible {
        var name: String
        var response: FakeResponse
        /// Words the error sentence must contain (all of them, case-insensitive).
        var words: [String]
        /// Phrases of which the sentence must contain at least one (case-insensitive).
        var anyOf: [String] = []
        /// For a transport failure: the codes `structuredContent.type` may name (any of them).
        var types: [String] = []
        var testDescription: String { name }
    }

    static let meBody: [UInt8] = Array(#"{"data": {"type": "user", "id": "u-1", "attributes": {"name": "Ana", "email": "ana@example.com", "padding": "\#(String(repeating: "x", count: 4000))"}}}"#.utf8)

    static let faults: [Fault] = [
        Fault(
            name: "garbage that is not HTTP", response: .raw(Array("SSH-2.0-OpenSSH_9.6\r\nthis is not HTTP at all\r\n\r\n".utf8)),
            words: ["Chorus", "127.0.0.1"], anyOf: ["malformed", "not HTTP", "invalid HTTP", "not a valid HTTP"], types: ["not_http"]),
        Fault(
            name: "HTTP 500 with a vendor body",
            response: .json(["errors": [["status": "500", "title": "Internal Server Error", "detail": "Something broke on our side"]]], status: 500),
            words: ["Chorus", "500", "Something broke on our side"]),
        Fault(name: "a stalled response", response: .stall(seconds: 8), words: ["Chorus", "127.0.0.1", "timed out"], types: ["timeout"]),
        Fault(
            name: "a body shorter than its Content-Length",
            response: .truncated(status: 200, headers: [("Content-Type", "application/json")], declaredLength: meBody.count, body: Array(meBody.prefix(40))),
            words: ["Chorus", "127.0.0.1"], anyOf: ["incomplete", "before the response was complete", "truncated", "closed", "cut short"],
            types: ["truncated"]),
        Fault(
            name: "a reset mid-body", response: .resetMidBody(status: 200, headers: [("Content-Type", "application/json")], body: meBody),
            words: ["Chorus", "127.0.0.1"], anyOf: ["reset", "incomplete", "before the response was complete"], types: ["reset", "truncated"]),
        Fault(
            name: "a 200 whose JSON is invalid",
            response: .respond(status: 200, headers: [("Content-Type", "application/json")], body: Array(#"{"data": {"id": "u-1",, "name": }"#.utf8)),
            words: ["Chorus", "200", "not valid JSON"]),
    ]

    /// Writes a Chorus account with short upstream timeouts.
    static func accountFile(baseURL: String) throws -> String {
        let account: JSONValue = [
            "integration": "chorus", "base_url": .string(baseURL), "credentials": ["api_token": "${CHORUS_TOKEN}"],
            "timeouts": ["idle_seconds": 1, "total_seconds": 3],
        ]
        let path = TemporaryFiles.folder + "/fault-account-\(UUID().uuidString).json"
        try account.jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// After a fault: the process is alive, answers ping, and serves a normal call.
    private func expectStillServing(_ session: VendorSession, after fault: String) throws {
        #expect(session.ping(), "no ping answer after \(fault)")
        let normal = try #require(session.call("get_single_chorus_conversation_by_id", ["id": .string(FakeChorus.engagementIDs[1])]), "no answer to a normal call after \(fault)")
        #expect(!normal.isError, "a normal call failed after \(fault): \(normal.text.prefix(300))")
        #expect(normal.text.contains("Hello there"))
    }

    @Test(arguments: faults)
    func aFaultIsAClearToolErrorAndTheServerCarriesOn(fault: Fault) throws {
        let faultResponse = fault.response
        let fake = try LoopbackHTTPServer { request in
            request.path == "/api/v1/users/me" && request.header("Authorization") == FakeChorus.token ? faultResponse : FakeChorus.handle(request)
        }
        defer { fake.stop() }
        let session = try VendorSession(
            account: try Self.accountFile(baseURL: fake.baseURL), environment: ["CHORUS_TOKEN": FakeChorus.token], name: "fault-\(fault.name)")

        let started = Date()
        let result = try #require(session.call("list_all_chorus_me", timeout: 15), "no answer for \(fault.name)")
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.isError, "\(fault.name) was not an error: \(result.text.prefix(300))")
        let sentence = result.message
        for word in fault.words {
            #expect(sentence.localizedCaseInsensitiveContains(word), "\(fault.name): \"\(sentence)\" lacks \"\(word)\"")
        }
        #expect(sentence.hasSuffix("."), "\(fault.name): \"\(sentence)\" is not a sentence")
        let saysWhatHappened = {
            #expect(
                fault.anyOf.isEmpty || fault.anyOf.contains { sentence.localizedCaseInsensitiveContains($0) },
                "\(fault.name): \"\(sentence)\" does not say what happened (\(fault.anyOf.joined(separator: " / ")))")
            #expect(!sentence.contains("URL error"), "\(fault.name): \"\(sentence)\" gives an opaque error code")
        }
        saysWhatHappened()
        if !fault.types.isEmpty {
            let type = result.structured?["type"]?.stringValue ?? ""
            #expect(fault.types.contains(type), "\(fault.name): structuredContent.type is \"\(type)\", not one of \(fault.types)")
            #expect(result.structured?["error"]?["type"]?.stringValue == type)
        }
        let tokenInSentence = sentence.contains(FakeChorus.token)
        #expect(!tokenInSentence, "the API token appeared in the error")
        #expect(elapsed < 6, "\(fault.name) took \(elapsed) s")
        if case .stall = fault.response { #expect(elapsed < 4, "the stall took \(elapsed) s with a 1 s idle timeout") }
        #expect(fake.requests.contains { $0.path == "/api/v1/users/me" })

        try expectStillServing(session, after: fault.name)
        #expect(session.leaks(of: [FakeChorus.token]).isEmpty)
    }

    @Test func aRefusedConnectionIsAClearToolErrorAndTheServerCarriesOn() throws {
        // A bound socket that is not listening: connections to it are refused.
        let port = try ReservedPort()
        defer { port.close() }
        let session = try VendorSession(
            account: try Self.accountFile(baseURL: "http://127.0.0.1:\(port.number)"), environment: ["CHORUS_TOKEN": FakeChorus.token],
            name: "fault-refused")

        let started = Date()
        let result = try #require(session.call("list_all_chorus_me"))
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.isError)
        #expect(result.message.contains("Chorus") && result.message.contains("could not connect") && result.message.contains("refused"), "\(result.message)")
        #expect(result.message.contains("127.0.0.1:\(port.number)"))
        #expect(result.structured?["type"] == "refused" && result.structured?["error"]?["type"] == "refused")
        #expect(elapsed < 3, "a refused connection took \(elapsed) s")
        #expect(session.ping())

        // Once something listens there, the same process calls it normally.
        port.listenAndAnswer(status: 200, body: Array(#"{"data": {"type": "user", "id": "u-7", "attributes": {"name": "Ana"}}}"#.utf8))
        let normal = try #require(session.call("list_all_chorus_me"))
        #expect(!normal.isError, "\(normal.text.prefix(300))")
        #expect(normal.structured?["result"]?.arrayValue?.first?["id"] == "u-7")
    }

    @Test func aClientHangingUpMidStreamEndsTheWriterQuietly() throws {
        let progress = StreamProgress()
        let length = 256 << 20
        let server = try LoopbackHTTPServer { request in
            if request.path == "/small" {
                return .stream(status: 200, headers: [("Content-Type", "application/octet-stream")], length: 300_001) { offset in
                    (offset..<offset + 7_777).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                }
            }
            return .stream(status: 200, headers: [("Content-Type", "application/octet-stream")], length: length) { offset in
                progress.record(offset)
                return [UInt8](repeating: 0x61, count: 64 << 10)
            }
        }
        defer { server.stop() }

        // Read about a megabyte of a 256 MB body, then hang up.
        let client = try RawClient(port: server.port)
        client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        var received = 0
        while received < 1 << 20 {
            let count = client.read(max: 65536)
            if count <= 0 { break }
            received += count
        }
        #expect(received >= 1 << 20)
        client.close()

        // The writer stops soon after (its send fails with EPIPE/ECONNRESET, no SIGPIPE).
        let deadline = Date().addingTimeInterval(3)
        var last = -1
        while Date() < deadline {
            usleep(200_000)
            let now = progress.latest
            if now == last { break }
            last = now
        }
        usleep(200_000)
        #expect(progress.latest == last, "the writer kept producing after the client hung up")
        #expect(last < length / 2)

        // The server (and this process) carry on: a complete stream arrives intact.
        let second = try RawClient(port: server.port)
        second.send("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let bytes = second.readToEnd()
        second.close()
        let split = try #require(bytes.firstRange(of: Array("\r\n\r\n".utf8)))
        let head = String(decoding: bytes[..<split.lowerBound], as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200") && head.contains("Content-Length: 300001"))
        let body = Array(bytes[split.upperBound...])
        #expect(body.count == 300_001)
        #expect(body == (0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    }
}

/// The highest offset a stream writer has asked for.
private final class StreamProgress: Sendable {
    private let value = Mutex(-1)
    func record(_ offset: Int) { value.withLock { $0 = max($0, offset) } }
    var latest: Int { value.withLock { $0 } }
}

/// A TCP port on 127.0.0.1 held by a bound socket that does not listen (so connections
/// are refused) until `listenAndAnswer` makes it answer every request with one response.
private final class ReservedPort: Sendable {
    let descriptor: Int32
    let number: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    func listenAndAnswer(status: Int, body: [UInt8]) {
        listen(descriptor, 16)
        let descriptor = self.descriptor
        let response = Array("HTTP/1.1 \(status) OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        Thread {
            while true {
                let connection = accept(descriptor, nil, nil)
                if connection < 0 {
                    if errno == EINTR { continue }
                    return
                }
                var request: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while request.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                    let count = Glibc.read(connection, &chunk, chunk.count)
                    if count <= 0 { break }
                    request += chunk[0..<count]
                }
                _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(connection)
            }
        }.start()
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}

/// A bare TCP client for talking to the loopback server byte by byte.
private final class RawClient {
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what is there (up to `max` bytes); 0 at end of stream, -1 on error.
    func read(max: Int) -> Int {
        Glibc.read(descriptor, &buffer, min(max, buffer.count))
    }

    func readToEnd() -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count <= 0 { return all }
            all += buffer[0..<count]
        }
    }

    func close() {
        Glibc.close(descriptor)
    }
}
