import Foundation
import Synchronization
import Testing

@testable import Conduit

#if canImport(Glibc)
import Glibc
#endif

/// The running digest of a file being written: inline for small files, on a thread of
/// its own beside the writer for large ones, reset when the file starts over.
/// Serialized: these hash megabytes on the cooperative pool, which other suites share.
@Suite(.serialized) struct StreamingDigestTests {
    private func store() -> FileStore {
        var settings = FileSettings()
        settings.directory = NSTemporaryDirectory() + "conduit-test-digest-\(UUID().uuidString)"
        return FileStore(settings: settings)
    }

    /// Deterministic bytes in which every offset matters.
    private func bytes(_ count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 &+ 1
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                state = state &* 1_664_525 &+ 1_013_904_223
                buffer[index] = UInt8(truncatingIfNeeded: state >> 24)
            }
            initialized = count
        }
    }

    /// Writes `data` in pieces of uneven sizes, as a network transfer would.
    private func write(_ data: [UInt8], to sink: FileSink) -> Bool {
        var offset = 0
        var step = 1
        while offset < data.count {
            let count = min(data.count - offset, 1 + (step * 7919) % 300_000)
            let written = data[offset..<offset + count].withUnsafeBytes { sink.write($0) }
            guard written else { return false }
            offset += count
            step += 1
        }
        return true
    }

    /// Around the inline limit (1 MiB), and far enough past it that the writer has to wait for the hasher.
    @Test(arguments: [0, 1, 63, 64, 65, 1 << 20, (1 << 20) + 1, (7 << 20) + 12_345])
    func theRunningDigestIsTheFilesDigest(size: Int) throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let data = bytes(size, seed: UInt32(truncatingIfNeeded: size))
        let sink = try store.create(hint: nil, contentType: "video/mp4")
        #expect(write(data, to: sink))
        let file = sink.finish()
        #expect(file.size == Int64(size))
        #expect(file.sha256 == SHA256.hexDigest(data))
        #expect(FileSink.digest(of: file.path) == file.sha256)
    }

    @Test func aRestartedFileIsHashedFromItsNewStart() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let sink = try store.create(hint: nil, contentType: "video/mp4")
        // Past the inline limit, so the restart has to stop a hashing thread too.
        #expect(write(bytes(3 << 20, seed: 1), to: sink))
        #expect(sink.restart())
        let second = bytes((2 << 20) + 7, seed: 2)
        #expect(write(second, to: sink))
        let file = sink.finish()
        #expect(file.size == Int64(second.count))
        #expect(file.sha256 == SHA256.hexDigest(second))
        #expect(FileManager.default.contents(atPath: file.path) == Data(second))
    }

    @Test func aDiscardedLargeFileLeavesNothing() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let sink = try store.create(hint: nil, contentType: "video/mp4")
        #expect(write(bytes(3 << 20, seed: 3), to: sink))
        sink.discard()
        #expect(!FileManager.default.fileExists(atPath: sink.path))
    }

    @Test func thePipelineHashesInOrderWhateverTheBufferBoundaries() {
        let data = bytes((3 << 20) + 999, seed: 4)
        var head = SHA256()
        head.update(data[0..<1000])
        let pipeline = PipelinedDigest(continuing: head)
        var buffer: [UInt8] = []
        var offset = 1000
        while offset < data.count {
            pipeline.takeBuffer(into: &buffer)
            let count = min(PipelinedDigest.bufferSize - 17, data.count - offset)
            buffer.append(contentsOf: data[offset..<offset + count])
            offset += count
            pipeline.submit(&buffer)
            #expect(buffer.isEmpty)
        }
        #expect(pipeline.finish().hexString == SHA256.hexDigest(data))
    }
}

/// libcurl result codes become transport errors: a code, and the sentence conduit has always written.
@Suite struct CurlErrorTests {
    let url = URL(string: "http://127.0.0.1:8123/api/v1/users/me")!

    private func error(_ code: Int32, errno: Int32 = 0, received: Int64 = 0, expected: Int64? = nil, url: URL? = nil) -> TransportError {
        CurlEngine.error(curlCode: code, osErrno: errno, url: url ?? self.url, received: received, expected: expected)
    }

    @Test func connectionFailures() {
        #expect(error(7, errno: ECONNREFUSED) == TransportError(.refused, "could not connect to 127.0.0.1:8123 (connection refused)"))
        #expect(error(7, errno: ENETUNREACH) == TransportError(.unreachable, "no network connection to reach 127.0.0.1:8123"))
        #expect(error(7, errno: ETIMEDOUT).code == .timeout)
        #expect(error(6) == TransportError(.dns, "could not resolve the host 127.0.0.1:8123"))
        #expect(error(5).code == .proxy && error(97).code == .proxy)
        #expect(error(28).code == .timeout && error(28).detail.contains("timed out"))
    }

    @Test func brokenResponses() {
        #expect(error(56) == TransportError(.reset, "the connection to 127.0.0.1:8123 was reset before the response was complete"))
        #expect(error(55).code == .reset)
        #expect(
            error(18, received: 40, expected: 4000)
                == TransportError(.truncated, "the response from 127.0.0.1:8123 ended after 40 of 4000 bytes (truncated)"))
        #expect(error(18).code == .truncated && error(18).detail.contains("before the response was complete"))
        #expect(error(52).detail.contains("before the response was complete"))
        #expect(error(1).code == .notHTTP && error(1).detail.contains("not HTTP") && error(1).detail.contains("base_url"))
        #expect(error(8).code == .notHTTP)
        #expect(error(1, url: URL(string: "ftp://127.0.0.1/x")!).code == .unsupportedAddress)
        #expect(error(3).code == .unsupportedAddress)
        #expect(error(47) == TransportError(.tooManyRedirects, "127.0.0.1:8123 redirected too many times"))
    }

    @Test func tlsAndTheRest() {
        #expect(error(60).code == .tls && error(60).detail.hasPrefix("the TLS connection to 127.0.0.1:8123 failed"))
        #expect(error(35).code == .tls && error(35).detail.hasPrefix("the TLS connection to 127.0.0.1:8123 failed"))
        #expect(error(99).code == .failed && !error(99).detail.contains("URL error"))
        #expect(error(42) == .cancelled)
    }
}

#if canImport(Glibc)
/// HTTPClient's libcurl engine against a small loopback server: methods and bodies on the
/// wire, keep-alive across calls, redirects, deadlines and cancellation.
@Suite(.serialized) struct CurlEngineTests {
    @Test func libcurlLoads() {
        #expect(CurlWorkers.shared != nil)
    }

    private func request(_ method: String, _ server: TinyHTTPServer, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [])
        -> UpstreamRequest
    {
        UpstreamRequest(method: method, url: URL(string: server.baseURL + path)!, headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
    }

    @Test func sequentialCallsReuseOneConnection() async throws {
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [("Content-Type", "application/json")], body: Array(#"{"ok":true}"#.utf8)) }
        defer { server.stop() }
        let client = HTTPClient()
        for _ in 0..<5 {
            let response = try await client.send(request("GET", server, "/ping"), extraHeaders: [("Authorization", "secret")])
            #expect(response.status == 200 && response.body == Array(#"{"ok":true}"#.utf8))
        }
        #expect(server.connections == 1, "\(server.connections) connections for 5 sequential calls")
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "secret" && $0.headers["user-agent"]?.hasPrefix("conduit/") == true })
    }

    @Test func bodiesAndMethodsArriveAsSent() async throws {
        let server = try TinyHTTPServer { request in .init(status: 201, headers: [], body: Array("\(request.method) \(request.body.count)".utf8)) }
        defer { server.stop() }
        let client = HTTPClient()
        let json = Array(#"{"name":"Sprocket","size":3}"#.utf8)
        let posted = try await client.send(
            request("POST", server, "/v1/widgets", body: json, headers: [("Content-Type", "application/json")]), extraHeaders: [])
        #expect(posted.status == 201 && posted.body == Array("POST \(json.count)".utf8))
        let large = [UInt8](repeating: 0x41, count: 3 << 20)
        let patched = try await client.send(request("PATCH", server, "/v1/widgets/1", body: large), extraHeaders: [])
        #expect(patched.body == Array("PATCH \(large.count)".utf8))
        let put = try await client.send(request("PUT", server, "/v1/widgets/1"), extraHeaders: [])
        #expect(put.body == Array("PUT 0".utf8))
        let deleted = try await client.send(request("DELETE", server, "/v1/widgets/1"), extraHeaders: [])
        #expect(deleted.body == Array("DELETE 0".utf8))

        let seen = server.requests
        #expect(seen.map(\.method) == ["POST", "PATCH", "PUT", "DELETE"])
        #expect(seen[0].body == json && seen[0].headers["content-type"] == "application/json")
        #expect(seen[1].body == large)
        #expect(seen.allSatisfy { $0.headers["expect"] == nil }, "a 100-continue round trip was asked for")
        #expect(seen[2].headers["content-length"] == "0")
    }

    @Test func aHeadAnswerHasNoBodyAndIsNotTruncated() async throws {
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [("Content-Type", "video/mp4")], body: [], announce: 123_456) }
        defer { server.stop() }
        let response = try await HTTPClient().send(request("HEAD", server, "/file"), extraHeaders: [])
        #expect(response.status == 200 && response.body.isEmpty)
        #expect(response.headers["content-length"] == "123456")
    }

    @Test func a303AfterAPostContinuesAsAGetWithoutTheBody() async throws {
        let server = try TinyHTTPServer { request in
            request.path == "/submit"
                ? .init(status: 303, headers: [("Location", "/result?id=7")], body: Array("see other".utf8))
                : .init(status: 200, headers: [], body: Array("\(request.method) \(request.path) \(request.body.count)".utf8))
        }
        defer { server.stop() }
        let response = try await HTTPClient().send(
            request("POST", server, "/submit", body: Array("a=1".utf8), headers: [("Content-Type", "application/x-www-form-urlencoded")]),
            extraHeaders: [("Authorization", "t")])
        #expect(String(decoding: response.body, as: UTF8.self) == "GET /result?id=7 0")
        #expect(response.url?.absoluteString == server.baseURL + "/result?id=7")
        let followed = try #require(server.requests.last)
        #expect(followed.headers["authorization"] == "t", "same origin keeps the credentials")
        #expect(followed.headers["content-type"] == nil)
    }

    @Test func aCompressedAnswerIsDecodedLikeURLSessionDid() async throws {
        let plain = Array(String(repeating: #"{"id":"u-1","name":"Ana"},"#, count: 2000).utf8)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        gzip.standardInput = input
        gzip.standardOutput = output
        try gzip.run()
        input.fileHandleForWriting.write(Data(plain))
        try input.fileHandleForWriting.close()
        let compressed = Array(output.fileHandleForReading.readDataToEndOfFile())
        gzip.waitUntilExit()
        #expect(compressed.count < plain.count / 10)

        let server = try TinyHTTPServer { _ in
            .init(status: 200, headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body: compressed)
        }
        defer { server.stop() }
        let response = try await HTTPClient().send(request("GET", server, "/users"), extraHeaders: [])
        #expect(response.body == plain)
        #expect(server.requests.first?.headers["accept-encoding"]?.contains("gzip") == true)
    }

    @Test func theOverallDeadlineStopsASlowTrickle() async throws {
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [], body: [UInt8](repeating: 0x2E, count: 40), pause: 0.1) }
        defer { server.stop() }
        let client = HTTPClient(timeouts: HTTPTimeouts(idle: 5, total: 1, download: 60))
        let started = Date()
        do {
            _ = try await client.send(request("GET", server, "/slow"), extraHeaders: [])
            Issue.record("a 4 s trickle finished within a 1 s deadline")
        } catch {
            #expect(error == TransportError(.timeout, "the request to 127.0.0.1:\(server.port) did not complete within 1 s and timed out"))
        }
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func cancellingATransferStopsItAndLeavesNoFile() async throws {
        var settings = FileSettings()
        settings.directory = NSTemporaryDirectory() + "conduit-test-cancel-\(UUID().uuidString)"
        let store = FileStore(settings: settings)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let server = try TinyHTTPServer { _ in
            .init(status: 200, headers: [("Content-Type", "video/mp4")], body: [UInt8](repeating: 7, count: 200 * 65_536), pause: 0.02)
        }
        defer { server.stop() }
        let started = Mutex(false)
        let policy = BodyPolicy(
            streamToFile: { _, _ in true }, store: store,
            progress: { received, _ in if received > 0 { started.withLock { $0 = true } } })
        let client = HTTPClient()
        let task = Task { try await client.send(request("GET", server, "/media"), extraHeaders: [], policy: policy) }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
        let cancelledAt = Date()
        task.cancel()
        let result = await task.result
        #expect(Date().timeIntervalSince(cancelledAt) < 1.5)
        #expect(throws: TransportError.cancelled) { try result.get() }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: store.directory)) ?? []
        #expect(left.isEmpty, "left \(left)")
    }
}

/// A minimal HTTP/1.1 server on 127.0.0.1: keep-alive, Content-Length bodies, one
/// thread per connection, every request recorded and every connection counted.
final class TinyHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        /// How many body bytes arrived, and their SHA-256 (hex).
        var bodyCount = 0
        var bodyDigest = ""
    }

    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        /// Content-Length to announce instead of the body's (HEAD answers).
        var announce: Int? = nil
        /// Seconds to wait between body pieces of 64 KiB (or single bytes when the body is small).
        var pause: Double = 0
        /// Bytes to send instead of an HTTP answer, before closing the connection.
        var raw: [UInt8]? = nil
        /// Close the connection after this many body bytes (the head announces them all).
        var cutAfter: Int? = nil
        /// With `cutAfter`: end with a reset rather than an orderly close.
        var reset = false
        /// Seconds to wait before sending anything.
        var stall: Double = 0
    }

    let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Answer
    private let recorded = Mutex<[Request]>([])
    private let accepted = Mutex(0)

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { recorded.withLock { $0 } }
    var connections: Int { accepted.withLock { $0 } }

    /// True: request bodies are counted and hashed as they arrive, never kept (uploads
    /// far larger than memory should hold).
    private let streamsBodies: Bool

    init(streamsBodies: Bool = false, handler: @escaping @Sendable (Request) -> Answer) throws {
        self.handler = handler
        self.streamsBodies = streamsBodies
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EINTR { continue }
                    close(listener)
                    return
                }
                let open = live.withLock { state -> Bool in
                    guard !state.stopped else { return false }
                    state.connections.insert(connection)
                    return true
                }
                guard open else {
                    close(connection)
                    close(listener)
                    return
                }
                accepted.withLock { $0 += 1 }
                Thread { [self] in serve(connection) }.start()
            }
        }.start()
    }

    /// Open connections, and whether the server has stopped.
    private let live = Mutex<(connections: Set<Int32>, stopped: Bool)>(([], false))

    /// Stops listening and ends the connections it has open, so a client's kept-alive
    /// connection can never reach this server's handler once another server has its port.
    /// The listener is only shut down here; the accept loop closes it.
    func stop() {
        live.withLock { state in
            state.stopped = true
            // Under the lock: a connection still in the set has not been closed yet.
            for connection in state.connections { shutdown(connection, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ connection: Int32) {
        defer {
            live.withLock { _ = $0.connections.remove(connection) }
            close(connection)
        }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let separator = Array("\r\n\r\n".utf8)
        while true {
            while pending.firstRange(of: separator) == nil {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                pending += chunk[0..<count]
            }
            let split = pending.firstRange(of: separator)!
            let head = String(decoding: pending[..<split.lowerBound], as: UTF8.self).split(separator: "\r\n").map(String.init)
            pending.removeSubrange(..<split.upperBound)
            let start = head.first?.split(separator: " ") ?? []
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            var digest = SHA256()
            var kept: [UInt8] = []
            var consumed = 0
            while true {
                let take = min(length - consumed, pending.count)
                pending.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<take])) }
                if !streamsBodies { kept += pending[0..<take] }
                pending.removeFirst(take)
                consumed += take
                if consumed == length { break }
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                pending += chunk[0..<count]
            }
            let request = Request(
                method: start.count > 0 ? String(start[0]) : "", path: start.count > 1 ? String(start[1]) : "", headers: headers,
                body: kept, bodyCount: consumed, bodyDigest: digest.finalize().hexString)
            recorded.withLock { $0.append(request) }
            let answer = handler(request)
            if answer.stall > 0 { usleep(UInt32(answer.stall * 1_000_000)) }
            if let raw = answer.raw {
                _ = send(connection, raw)
                return
            }
            var text = "HTTP/1.1 \(answer.status) X\r\nContent-Length: \(answer.announce ?? answer.body.count)\r\n"
            for (name, value) in answer.headers { text += "\(name): \(value)\r\n" }
            guard send(connection, Array((text + "\r\n").utf8)) else { return }
            if request.method == "HEAD" { continue }
            let piece = answer.pause > 0 && answer.body.count < 1000 ? 1 : 65_536
            let sent = min(answer.cutAfter ?? answer.body.count, answer.body.count)
            var offset = 0
            while offset < sent {
                if answer.pause > 0 { usleep(UInt32(answer.pause * 1_000_000)) }
                let end = min(offset + piece, sent)
                guard send(connection, Array(answer.body[offset..<end])) else { return }
                offset = end
            }
            if answer.cutAfter != nil {
                if answer.reset {
                    // Linger 0: close sends RST instead of FIN, so the client sees a reset.
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                    setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                }
                return
            }
        }
    }

    private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }
}
#endif

#if canImport(Glibc)
/// A burst larger than `CurlWorkers.maximumRunning` waits its turn instead of opening
/// a connection per call. (In the serialized suite: it shares the workers with the
/// keep-alive test.)
extension CurlEngineTests {
    @Test func atMostTheLimitRunsAtOnceAndEveryJobRuns() async throws {
        let workers = try #require(CurlWorkers.shared)
        final class Counts: Sendable {
            let value = Mutex((running: 0, peak: 0, done: 0))
        }
        let counts = Counts()
        let jobs = CurlWorkers.maximumRunning + 36
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        workers.run { _ in
                            counts.value.withLock { $0.running += 1; $0.peak = max($0.peak, $0.running) }
                            usleep(30_000)
                            counts.value.withLock { $0.running -= 1; $0.done += 1 }
                            return { continuation.resume() }
                        }
                    }
                }
            }
        }
        let final = counts.value.withLock { $0 }
        #expect(final.done == jobs)
        #expect(final.peak <= CurlWorkers.maximumRunning)
        #expect(final.peak > 1, "jobs ran one at a time")
    }
}
#endif
