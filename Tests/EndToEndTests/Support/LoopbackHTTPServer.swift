import Conduit
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A request as the fake vendor received it.
struct RecordedRequest: Sendable {
    var method: String
    var target: String
    var headers: [String: String]
    var body: [UInt8]

    var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }

    /// Decoded query items, in order.
    var query: [(String, String)] {
        guard let components = URLComponents(string: "http://x" + target) else { return [] }
        return (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
    }

    func queryValue(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    var json: JSONValue? { try? JSONValue.parse(body) }
}

/// What the fake answers.
enum FakeResponse: Sendable {
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// Close the connection without answering.
    case closeImmediately
    /// Write these exact bytes (not necessarily HTTP), then close.
    case raw([UInt8])
    /// Announce `declaredLength` bytes in Content-Length, send only `body`, then close.
    case truncated(status: Int, headers: [(String, String)], declaredLength: Int, body: [UInt8])
    /// Send nothing for `seconds` (ending early if the client hangs up), then close.
    case stall(seconds: Double)
    /// Send the head with the full Content-Length and half of `body`, then reset the
    /// connection (SO_LINGER 0, so the close is an RST rather than a FIN).
    case resetMidBody(status: Int, headers: [(String, String)], body: [UInt8])
    /// A body of `length` bytes made chunk by chunk: `chunk(offset)` returns the bytes
    /// starting at `offset` (any size; the excess past `length` is dropped, an empty
    /// chunk ends the body early). The whole body is never held in memory, and a client
    /// that hangs up mid-body just ends the writer (sends use MSG_NOSIGNAL: no SIGPIPE).
    case stream(status: Int, headers: [(String, String)], length: Int, chunk: @Sendable (Int) -> [UInt8])
    /// Announce `declaredLength` bytes, send `body`, then reset the connection at once
    /// (no pause, unlike `resetMidBody`: bytes the client has not read yet may be lost).
    case resetAfter(status: Int, headers: [(String, String)], declaredLength: Int, body: [UInt8])
    /// Like `stream`, but with `Transfer-Encoding: chunked` and no Content-Length, so the
    /// client learns the size only at the end (each piece `chunk` returns is one HTTP chunk).
    case chunkedStream(status: Int, headers: [(String, String)], length: Int, chunk: @Sendable (Int) -> [UInt8])

    static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> FakeResponse {
        .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: value.jsonBytes)
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 standing in for a vendor API: one thread per
/// connection (kept alive), every request recorded.
final class LoopbackHTTPServer: Sendable {
    let port: Int
    private let listener: Int32
    private let handler: @Sendable (RecordedRequest) -> FakeResponse
    private let recorded = Mutex<[RecordedRequest]>([])

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { recorded.withLock { $0 } }

    init(handler: @escaping @Sendable (RecordedRequest) -> FakeResponse) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 128) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        _ = self.port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    private let stopped = Mutex(false)

    /// Stops accepting. Safe to call twice: closing an fd twice could close a
    /// descriptor number another server has reused since.
    func stop() {
        let already = stopped.withLock { value -> Bool in
            defer { value = true }
            return value
        }
        guard !already else { return }
        // Only shut down here: the accept loop closes the descriptor when it ends, so its
        // number cannot be reused by another socket while the loop may still accept on it.
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            if stopped.withLock({ $0 }) {
                close(connection)
                close(listener)
                return
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        // Keep-alive: serve requests on this connection until the client closes it.
        while true {
            var headerEnd = Self.find([13, 10, 13, 10], in: buffer)
            while headerEnd == nil {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
                headerEnd = Self.find([13, 10, 13, 10], in: buffer)
            }
            let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count >= 2 else { return }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            buffer.removeFirst(headerEnd! + 4)
            let expected = Int(headers["content-length"] ?? "0") ?? 0
            while buffer.count < expected {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
            }
            let body = Array(buffer.prefix(expected))
            buffer.removeFirst(expected)
            let request = RecordedRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
            recorded.withLock { $0.append(request) }
            switch handler(request) {
            case .closeImmediately:
                return
            case .respond(let status, let extraHeaders, let responseBody):
                var text = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\n"
                for (name, value) in extraHeaders { text += "\(name): \(value)\r\n" }
                text += "Content-Length: \(responseBody.count)\r\n\r\n"
                guard writeAll(connection, Array(text.utf8) + responseBody) else { return }
            case .raw(let bytes):
                _ = writeAll(connection, bytes)
                return
            case .truncated(let status, let extraHeaders, let declaredLength, let partialBody):
                _ = writeAll(connection, Self.head(status: status, headers: extraHeaders, contentLength: declaredLength) + partialBody)
                return
            case .stall(let seconds):
                Self.waitForHangUp(connection, seconds: seconds)
                return
            case .resetMidBody(let status, let extraHeaders, let fullBody):
                let half = Array(fullBody.prefix(fullBody.count / 2))
                guard writeAll(connection, Self.head(status: status, headers: extraHeaders, contentLength: fullBody.count) + half) else { return }
                // Let the head and half body reach the client before the reset.
                usleep(50_000)
                var hardClose = linger(l_onoff: 1, l_linger: 0)
                setsockopt(connection, SOL_SOCKET, SO_LINGER, &hardClose, socklen_t(MemoryLayout<linger>.size))
                return
            case .stream(let status, let extraHeaders, let length, let chunk):
                guard writeAll(connection, Self.head(status: status, headers: extraHeaders, contentLength: length)) else { return }
                var offset = 0
                while offset < length {
                    let piece = chunk(offset)
                    if piece.isEmpty { return }
                    let part = piece.count > length - offset ? Array(piece.prefix(length - offset)) : piece
                    // A client that hung up makes send fail with EPIPE/ECONNRESET: stop quietly.
                    guard writeAll(connection, part) else { return }
                    offset += part.count
                }
            case .resetAfter(let status, let extraHeaders, let declaredLength, let partialBody):
                guard writeAll(connection, Self.head(status: status, headers: extraHeaders, contentLength: declaredLength) + partialBody) else { return }
                var hardClose = linger(l_onoff: 1, l_linger: 0)
                setsockopt(connection, SOL_SOCKET, SO_LINGER, &hardClose, socklen_t(MemoryLayout<linger>.size))
                return
            case .chunkedStream(let status, let extraHeaders, let length, let chunk):
                var text = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\n"
                for (name, value) in extraHeaders { text += "\(name): \(value)\r\n" }
                text += "Transfer-Encoding: chunked\r\n\r\n"
                guard writeAll(connection, Array(text.utf8)) else { return }
                var offset = 0
                while offset < length {
                    let piece = chunk(offset)
                    if piece.isEmpty { break }
                    let part = piece.count > length - offset ? Array(piece.prefix(length - offset)) : piece
                    guard writeAll(connection, Array("\(String(part.count, radix: 16))\r\n".utf8) + part + [13, 10]) else { return }
                    offset += part.count
                }
                guard writeAll(connection, Array("0\r\n\r\n".utf8)) else { return }
            }
            if headers["connection"]?.lowercased() == "close" { return }
        }
    }

    /// A response head with this Content-Length (for the fault cases).
    private static func head(status: Int, headers: [(String, String)], contentLength: Int) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(contentLength)\r\n\r\n"
        return Array(text.utf8)
    }

    /// Waits up to `seconds`, returning early when the peer closes the connection;
    /// anything the peer sends meanwhile is read and ignored.
    private static func waitForHangUp(_ connection: Int32, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 0.25) * 1000) + 1)
            if ready < 0 && errno != EINTR { return }
            if ready > 0 {
                if descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return }
                if read(connection, &scratch, scratch.count) <= 0 { return }
            }
        }
    }

    private func writeAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}
