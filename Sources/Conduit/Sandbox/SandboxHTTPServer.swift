#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A request as the sandbox's HTTP server read it off the socket.
package struct SandboxRequest: Sendable {
    package var method: String
    /// The request target as sent: path plus query.
    package var target: String
    /// Header names lower-cased; a repeated header keeps its last value.
    package var headers: [String: String]
    package var body: [UInt8]

    package init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The path, percent-encoding kept (segments are decoded one by one when routed).
    package var path: String { String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }

    /// Query items in order, decoded (`+` is a space, as forms send it).
    package var query: [(name: String, value: String)] {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return [] }
        return Self.formPairs(parts[1])
    }

    /// The decoded `name=value` pairs of a query string or form body, in order.
    package static func formPairs(_ text: Substring) -> [(name: String, value: String)] {
        text.split(separator: "&").map { pair in
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (formDecode(halves[0]), halves.count > 1 ? formDecode(halves[1]) : "")
        }
    }

    package func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// `application/x-www-form-urlencoded` decoding of one component.
    package static func formDecode(_ text: Substring) -> String {
        let spaced = String(text).replacing("+", with: " ")
        return spaced.percentDecoded ?? spaced
    }
}

/// What the sandbox answers.
package struct SandboxResponse: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer with the given media type.
    package static func json(_ value: JSONValue, status: Int = 200, contentType: String = "application/json") -> SandboxResponse {
        SandboxResponse(status: status, headers: [("Content-Type", contentType)], body: value.jsonBytes)
    }

    /// An answer without a body (204, or 201/202 from APIs that say nothing more).
    package static func empty(_ status: Int) -> SandboxResponse {
        SandboxResponse(status: status)
    }

    package static func redirect(to location: String) -> SandboxResponse {
        SandboxResponse(status: 302, headers: [("Location", location), ("Content-Length", "0")])
    }

    /// A media file, honouring a `Range: bytes=…` request the way storage services do
    /// (206 with `Content-Range`, or 416 when the range lies outside the file).
    package static func media(_ bytes: [UInt8], contentType: String, request: SandboxRequest, etag: String) -> SandboxResponse {
        var headers: [(String, String)] = [("Content-Type", contentType), ("Accept-Ranges", "bytes"), ("ETag", etag)]
        guard let range = request.header("Range"), request.header("If-Range").map({ $0 == etag }) ?? true else {
            return SandboxResponse(status: 200, headers: headers, body: bytes)
        }
        guard let (start, end) = parseRange(range, length: bytes.count) else {
            headers.append(("Content-Range", "bytes */\(bytes.count)"))
            return SandboxResponse(status: 416, headers: headers)
        }
        headers.append(("Content-Range", "bytes \(start)-\(end)/\(bytes.count)"))
        return SandboxResponse(status: 206, headers: headers, body: Array(bytes[start...end]))
    }

    /// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clamped to the file; nil when unsatisfiable.
    static func parseRange(_ text: String, length: Int) -> (Int, Int)? {
        guard text.hasPrefix("bytes="), length > 0 else { return nil }
        let spec = text.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmed
        let last = spec[spec.index(after: dash)...].trimmed
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return nil }
            return (max(length - suffix, 0), length - 1)
        }
        guard let start = Int(first), start < length else { return nil }
        if last.isEmpty { return (start, length - 1) }
        guard let end = Int(last), end >= start else { return nil }
        return (start, min(end, length - 1))
    }
}

/// A small HTTP/1.1 server for the sandbox's stand-in vendor APIs: a thread accepts, one
/// thread per connection serves requests in order (keep-alive), bodies by
/// `Content-Length` or chunked, `Expect: 100-continue` answered.
///
/// It listens on a Unix socket in a private folder (the sandbox's way: no network
/// needed, and no other user can connect), or for tests on 127.0.0.1 with an ephemeral
/// port.
package final class SandboxHTTPServer: Sendable {
    /// The TCP port; 0 for a Unix socket.
    package let port: Int
    /// The Unix socket's path; nil for TCP.
    package let socketPath: String?
    private let listener: Int32
    private let handler: @Sendable (SandboxRequest) -> SandboxResponse
    private let stopped = Mutex(false)

    /// The largest request head and body accepted; the sandbox's APIs take small JSON.
    static let maximumHeadBytes = 64 << 10
    static let maximumBodyBytes = 16 << 20

    /// The origin clients use: `http://127.0.0.1:PORT`, or for a Unix socket the name
    /// it was given (a host that never resolves, so nothing reaches the network).
    package let origin: String

    /// Listens on a new Unix socket at `socketPath` (in a folder only this user can
    /// enter), answering as `origin`.
    package init(
        socketPath: String, origin: String, handler: @escaping @Sendable (SandboxRequest) -> SandboxResponse
    ) throws(SandboxError) {
        self.handler = handler
        self.origin = origin
        var address = sockaddr_un()
        let pathBytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw SandboxError("the sandbox socket path \(socketPath) is too long for a Unix socket") }
        let listener = socket(AF_UNIX, streamSocketType, 0)
        guard listener >= 0 else { throw SandboxError("cannot open a socket for the sandbox: \(String(cString: strerror(errno)))") }
        _ = fcntl(listener, F_SETFD, FD_CLOEXEC)
        address.sun_family = sa_family_t(AF_UNIX)
        #if canImport(Darwin)
        address.sun_len = UInt8(MemoryLayout<sockaddr_un>.size)
        #endif
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
            raw[pathBytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(listener)
            throw SandboxError("cannot listen on \(socketPath) for the sandbox: \(reason)")
        }
        self.listener = listener
        self.socketPath = socketPath
        port = 0
        startThread(named: "conduit-sandbox") { [self] in acceptLoop() }
    }

    package init(handler: @escaping @Sendable (SandboxRequest) -> SandboxResponse) throws(SandboxError) {
        self.handler = handler
        socketPath = nil
        let listener = socket(AF_INET, streamSocketType, 0)
        guard listener >= 0 else { throw SandboxError("cannot open a socket for the sandbox: \(String(cString: strerror(errno)))") }
        _ = fcntl(listener, F_SETFD, FD_CLOEXEC)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(listener)
            throw SandboxError("cannot listen on 127.0.0.1 for the sandbox: \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        origin = "http://127.0.0.1:\(port)"
        // The accept thread holds the server for as long as it listens: a sandbox lives
        // as long as the process unless stopped.
        startThread(named: "conduit-sandbox") { [self] in acceptLoop() }
    }

    /// Stops accepting connections. Safe to call more than once.
    package func stop() {
        let already = stopped.withLock { value -> Bool in
            defer { value = true }
            return value
        }
        guard !already else { return }
        // Only shut down here: the accept loop closes the descriptor when it ends, so its
        // number cannot be reused by another socket while the loop may still accept on it.
        shutdown(listener, Int32(SHUT_RDWR))
        if let socketPath { unlink(socketPath) }
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                close(listener)
                return
            }
            if stopped.withLock({ $0 }) {
                close(connection)
                close(listener)
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            if socketPath == nil {
                var on: Int32 = 1
                setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            startThread(named: "conduit-sandbox") { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var reader = ConnectionReader(descriptor: connection)
        while true {
            guard let head = reader.readHead() else { return }
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count == 3 else {
                _ = transmit(connection, SandboxResponse(status: 400, body: Array("malformed request line\n".utf8)), closing: true)
                return
            }
            var headers: [String: String] = [:]
            for line in lines where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed
            }
            if headers["expect"]?.lowercased() == "100-continue" {
                guard writeAll(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            let body: [UInt8]
            if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                guard let chunked = reader.readChunkedBody(limit: Self.maximumBodyBytes) else { return }
                body = chunked
            } else {
                let length = Int(headers["content-length"] ?? "0") ?? -1
                guard length >= 0, length <= Self.maximumBodyBytes else {
                    _ = transmit(connection, SandboxResponse(status: 413, body: Array("request body too large\n".utf8)), closing: true)
                    return
                }
                guard let exact = reader.readBody(length) else { return }
                body = exact
            }
            let request = SandboxRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
            let closing = headers["connection"]?.lowercased() == "close"
            guard transmit(connection, handler(request), closing: closing), !closing else { return }
        }
    }

    private func transmit(_ connection: Int32, _ response: SandboxResponse, closing: Bool) -> Bool {
        var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in response.headers where name.lowercased() != "content-length" { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(response.body.count)\r\n"
        text += "Date: \(Self.httpDate())\r\n"
        if closing { text += "Connection: close\r\n" }
        text += "\r\n"
        return writeAll(connection, Array(text.utf8) + response.body)
    }

    private func writeAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, noSignalFlag) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private static func httpDate() -> String {
        HTTPDate.format(Date())
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        default: status >= 500 ? "Server Error" : "Status"
        }
    }
}

#if os(Linux)
/// Writes to a peer that has gone fail with EPIPE instead of raising SIGPIPE.
private let noSignalFlag = Int32(MSG_NOSIGNAL)
private let streamSocketType = Int32(SOCK_STREAM.rawValue)
#else
private let noSignalFlag: Int32 = 0
private let streamSocketType = SOCK_STREAM
#endif

/// Buffered reads from one connection: a request head, then a body.
private struct ConnectionReader {
    let descriptor: Int32
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 << 10)

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Reads more bytes; false at end of stream or on error.
    private mutating func fill() -> Bool {
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }

    private func find(_ needle: [UInt8], from start: Int = 0) -> Int? {
        guard buffer.count >= needle.count + start else { return nil }
        var index = start
        while index + needle.count <= buffer.count {
            if buffer[index] == needle[0] && Array(buffer[index..<index + needle.count]) == needle { return index }
            index += 1
        }
        return nil
    }

    /// The head up to (not including) the blank line; nil when the peer closed or sent too much.
    mutating func readHead() -> String? {
        var end = find([13, 10, 13, 10])
        while end == nil {
            let searched = max(0, buffer.count - 3)
            guard buffer.count <= SandboxHTTPServer.maximumHeadBytes, fill() else { return nil }
            end = find([13, 10, 13, 10], from: searched)
        }
        let head = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        return head
    }

    mutating func readBody(_ length: Int) -> [UInt8]? {
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return body
    }

    mutating func readLine() -> String? {
        var end = find([13, 10])
        while end == nil {
            guard buffer.count < 4096, fill() else { return nil }
            end = find([13, 10])
        }
        let line = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 2)
        return line
    }

    mutating func readChunkedBody(limit: Int) -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let line = readLine() else { return nil }
            let sizeText = line.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmed, radix: 16), size >= 0 else { return nil }
            if size == 0 {
                // Trailers, if any, end with an empty line.
                while let trailer = readLine(), !trailer.isEmpty {}
                return body
            }
            guard body.count + size <= limit, let data = readBody(size), readLine() != nil else { return nil }
            body += data
        }
    }
}

/// The sandbox could not start, or was asked for something it does not have.
package struct SandboxError: Error, Sendable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}

/// A refusal is a response: handlers that find a problem midway return it as their answer.
extension SandboxResponse: Error {}
