#if canImport(Glibc)
import Foundation
import Glibc
import Testing

@testable import Conduit

/// The libcurl engine against the loopback server: each transport failure that can be
/// provoked for real comes back with its code, and file bodies stream from disk.
extension CurlEngineTests {
    private func get(_ server: TinyHTTPServer, _ path: String, timeouts: HTTPTimeouts = HTTPTimeouts()) async -> TransportError? {
        do {
            _ = try await HTTPClient(timeouts: timeouts).send(
                UpstreamRequest(method: "GET", url: URL(string: server.baseURL + path)!, headers: [], body: nil), extraHeaders: [])
            return nil
        } catch {
            return error
        }
    }

    @Test func aClosedPortIsRefused() async throws {
        // A port that was just free: bind, read the number, close.
        let probe = try TinyHTTPServer { _ in .init(status: 200, headers: [], body: []) }
        probe.stop()
        let error = await get(probe, "/ping")
        #expect(error == TransportError(.refused, "could not connect to 127.0.0.1:\(probe.port) (connection refused)"))
    }

    @Test func aBodyCutShortIsTruncated() async throws {
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [], body: [UInt8](repeating: 0x41, count: 1000), cutAfter: 100) }
        defer { server.stop() }
        let error = await get(server, "/short")
        #expect(error == TransportError(.truncated, "the response from 127.0.0.1:\(server.port) ended after 100 of 1000 bytes (truncated)"))
    }

    @Test func aConnectionResetMidBodyIsReset() async throws {
        let server = try TinyHTTPServer { _ in
            .init(status: 200, headers: [], body: [UInt8](repeating: 0x41, count: 1 << 20), cutAfter: 100, reset: true)
        }
        defer { server.stop() }
        let error = await get(server, "/reset")
        // An RST that overtakes the bytes before it is a reset; one that arrives after them reads as a short body.
        #expect(error?.code == .reset || error?.code == .truncated, "\(String(describing: error))")
        #expect(error?.detail.contains("127.0.0.1:\(server.port)") == true)
    }

    @Test func aServerThatStallsTimesOut() async throws {
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [], body: Array("late".utf8), stall: 3) }
        defer { server.stop() }
        let started = Date()
        let error = await get(server, "/stall", timeouts: HTTPTimeouts(idle: 0.5, total: 30, download: 60))
        #expect(error == TransportError(.timeout, "the request to 127.0.0.1:\(server.port) timed out (no data for too long)"))
        #expect(Date().timeIntervalSince(started) < 2.5)
    }

    @Test func bytesThatAreNotHTTPAreNotHTTP() async throws {
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [], body: [], raw: Array("SSH-2.0-OpenSSH_9.6\r\nthis is not HTTP\r\n\r\n".utf8)) }
        defer { server.stop() }
        let error = await get(server, "/")
        #expect(error?.code == .notHTTP, "\(String(describing: error))")
        #expect(error?.detail.contains("not HTTP") == true)
    }

    @Test func aRedirectLoopIsTooManyRedirects() async throws {
        let server = try TinyHTTPServer { request in
            let hop = Int(request.path.split(separator: "/").last ?? "0") ?? 0
            return .init(status: 302, headers: [("Location", "/loop/\(hop + 1)")], body: [])
        }
        defer { server.stop() }
        let error = await get(server, "/loop/0")
        #expect(error == TransportError(.tooManyRedirects, "127.0.0.1:\(server.port) redirected too many times"))
        #expect(server.requests.count == Transfer.maximumRedirects + 1)
    }

    // MARK: File bodies

    /// A sparse file of `size` bytes with a distinct pattern in a few places, so that a
    /// byte sent twice or out of order changes the digest.
    private func sparseFile(size: Int64) throws -> String {
        let path = NSTemporaryDirectory() + "conduit-upload-\(UUID().uuidString).bin"
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        #expect(ftruncate(descriptor, off_t(size)) == 0)
        let pattern = (0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        for offset in [0, size / 3, size / 2 + 12_345, size - Int64(pattern.count)] {
            let written = pattern.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            #expect(written == pattern.count)
        }
        return path
    }

    /// The process's resident set in KiB: now (`VmRSS`) or at its peak (`VmHWM`).
    private func memory(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test func a200MiBFileIsUploadedWithoutBeingHeldInMemory() async throws {
        let size: Int64 = 200 << 20
        let path = try sparseFile(size: size)
        defer { unlink(path) }
        let expected = FileSink.digest(of: path)
        let server = try TinyHTTPServer(streamsBodies: true) { request in
            .init(status: 200, headers: [("Content-Type", "application/json")], body: Array(#"{"received":\#(request.bodyCount)}"#.utf8))
        }
        defer { server.stop() }

        // Start the peak afresh (writing 5 to clear_refs resets VmHWM), so it measures this upload.
        let reset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        let before = reset ? memory("VmRSS") : memory("VmHWM")
        let request = UpstreamRequest(
            method: "PUT", url: URL(string: server.baseURL + "/v2/calls/7/media")!, headers: [("Content-Type", "video/mp4")],
            content: try RequestBody.file(at: path))
        let response = try await HTTPClient().send(request, extraHeaders: [("Authorization", "Bearer t")])
        let peakGrowth = memory("VmHWM") - before

        #expect(response.status == 200)
        let seen = try #require(server.requests.last)
        #expect(seen.method == "PUT" && seen.headers["content-length"] == String(size))
        #expect(seen.bodyCount == Int(size))
        #expect(seen.bodyDigest == expected)
        #expect(peakGrowth < 64 << 10, "the peak resident set grew by \(peakGrowth >> 10) MiB for a \(size >> 20) MiB upload")
    }

    @Test func a307RedirectSendsTheWholeFileBodyAgain() async throws {
        let path = try sparseFile(size: 5 << 20)
        defer { unlink(path) }
        let expected = FileSink.digest(of: path)
        let server = try TinyHTTPServer(streamsBodies: true) { request in
            request.path == "/upload"
                ? .init(status: 307, headers: [("Location", "/upload/here")], body: Array("elsewhere".utf8))
                : .init(status: 201, headers: [], body: Array("stored".utf8))
        }
        defer { server.stop() }
        let request = UpstreamRequest(
            method: "PUT", url: URL(string: server.baseURL + "/upload")!, headers: [], content: try RequestBody.file(at: path))
        let response = try await HTTPClient().send(request, extraHeaders: [])
        #expect(response.status == 201 && response.body == Array("stored".utf8))
        let seen = server.requests
        #expect(seen.map(\.path) == ["/upload", "/upload/here"])
        #expect(seen.allSatisfy { $0.method == "PUT" && $0.bodyCount == 5 << 20 && $0.bodyDigest == expected })
    }

    @Test func aMultipartFormStreamsItsFilePart() async throws {
        let path = try sparseFile(size: 1 << 20)
        defer { unlink(path) }
        let file = try #require(FileManager.default.contents(atPath: path))
        let server = try TinyHTTPServer { _ in .init(status: 200, headers: [], body: []) }
        defer { server.stop() }
        let boundary = "conduit-\(UUID().uuidString)"
        let body = RequestBody.multipart(
            [FormPart(name: "title", value: "Weekly sync"), FormPart(name: "mediaFile", file: try .file(at: path), filename: "call.mp4", contentType: "video/mp4")],
            boundary: boundary)
        let request = UpstreamRequest(
            method: "PUT", url: URL(string: server.baseURL + "/v2/calls/7/media")!,
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], content: body)
        _ = try await HTTPClient().send(request, extraHeaders: [])

        var wanted = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nWeekly sync\r\n".utf8)
        wanted += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"mediaFile\"; filename=\"call.mp4\"\r\nContent-Type: video/mp4\r\n\r\n".utf8)
        wanted += Array(file)
        wanted += Array("\r\n--\(boundary)--\r\n".utf8)
        let seen = try #require(server.requests.last)
        #expect(body.count == Int64(wanted.count))
        #expect(seen.body == wanted)
    }

    @Test func anUploadThatCannotBeReadIsALocalFileError() async throws {
        #expect(throws: TransportError.self) { try RequestBody.file(at: "/nonexistent/conduit-upload.bin") }
        let server = try TinyHTTPServer(streamsBodies: true) { _ in .init(status: 200, headers: [], body: []) }
        defer { server.stop() }
        let request = UpstreamRequest(
            method: "PUT", url: URL(string: server.baseURL + "/up")!, headers: [],
            content: .file(path: "/nonexistent/conduit-upload.bin", offset: 0, length: 10))
        do {
            _ = try await HTTPClient().send(request, extraHeaders: [])
            Issue.record("an unreadable upload was sent")
        } catch {
            #expect(error.code == .localFile && error.detail.contains("/nonexistent/conduit-upload.bin"))
        }
    }
}
#endif
