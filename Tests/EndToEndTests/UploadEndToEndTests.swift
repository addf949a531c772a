import Conduit
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Uploads from local files, through the built binary against the Gong stand-in: the
/// two-step call import (the bytes that arrive hash to the file's), and every refusal,
/// each proved to have sent nothing.
@Suite(.serialized) struct UploadEndToEndTests {
    /// A folder that is the account's only upload root, and one beside it that is not.
    private struct Folders {
        let root: String
        let outside: String

        init() throws {
            let base = TemporaryFiles.folder + "/uploads-\(UUID().uuidString)"
            root = base + "/root"
            outside = base + "/outside"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        }
    }

    private func session(_ fake: FakeGong, root: String, name: String) throws -> VendorSession {
        let account = try fake.accountFile(extra: ["server": ["files": ["upload_roots": .array([.string(root)])]]])
        return try VendorSession(account: account, environment: FakeGong.environment, name: name)
    }

    private func mediaUploads(_ fake: FakeGong) -> [RecordedRequest] {
        fake.requests.filter { $0.method == "PUT" && $0.path.hasSuffix("/media") }
    }

    @Test func theTwoStepCallImportSendsTheFileWhole() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let folders = try Folders()
        // Three MiB and a bit: several reads of the streamed body.
        let bytes = (0..<(3 << 20) + 1234).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let path = folders.root + "/board meeting.mp3"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let conduit = try session(fake, root: folders.root, name: "upload-two-step")

        let created = try #require(conduit.call("create_a_gong_call", [
            "clientUniqueId": "dialer-4711", "actualStart": "2024-05-14T16:00:00Z", "direction": "Outbound",
            "primaryUser": "234599484848423", "parties": [["userId": "234599484848423", "name": "Host"]],
        ]))
        #expect(!created.isError, "\(created.text)")
        let callID = try #require(created.structured?["callId"]?.stringValue)
        // The result itself names the second step and the id to pass to it.
        #expect(created.structured?["next_step"]?.stringValue?.contains("gong_calls_upload_media, id \(callID)") == true, "\(created.text)")

        let uploaded = try #require(conduit.call("gong_calls_upload_media", ["id": .string(callID), "mediaFile": .string(path)], timeout: 30))
        #expect(!uploaded.isError, "\(uploaded.text)")
        #expect(uploaded.structured?["callId"]?.stringValue == callID)

        let sent = mediaUploads(fake)
        #expect(sent.count == 1)
        let request = try #require(sent.first)
        #expect(request.path == "/v2/calls/\(callID)/media")
        let parts = try #require(FormData.parts(of: request.body, contentType: request.header("Content-Type")))
        let media = try #require(parts.first { $0.name == "mediaFile" })
        #expect(media.filename == "board meeting.mp3")
        #expect(media.contentType == "audio/mpeg")
        #expect(SHA256.hexDigest(media.bytes) == SHA256.hexDigest(bytes))
    }

    @Test func everyRefusalSaysWhyNamesTheArgumentAndSendsNothing() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let folders = try Folders()
        let secret = folders.outside + "/secret.mp3"
        try Data("not for upload".utf8).write(to: URL(fileURLWithPath: secret))
        try FileManager.default.createSymbolicLink(atPath: folders.root + "/link.mp3", withDestinationPath: secret)
        try FileManager.default.createDirectory(atPath: folders.root + "/a-folder", withIntermediateDirectories: true)
        #expect(mkfifo(folders.root + "/a-fifo", 0o600) == 0)
        let conduit = try session(fake, root: folders.root, name: "upload-refusals")

        let cases: [(path: String, says: String)] = [
            (secret, "is not inside an upload root"),
            (folders.outside + "/does-not-exist.mp3", "is not inside an upload root"),
            (folders.root + "/../outside/secret.mp3", "is not inside an upload root"),
            (folders.root + "/link.mp3", "is not inside an upload root"),
            (folders.root + "/a-folder", "is a folder"),
            (folders.root + "/a-fifo", "not a regular file"),
            (folders.root + "/missing.mp3", "does not exist or cannot be read"),
            ("", "give the local path"),
        ]
        for (path, says) in cases {
            let refused = try #require(conduit.call("gong_calls_upload_media", ["id": "7782342274025937001", "mediaFile": .string(path)]))
            #expect(refused.isError, "\(path) was accepted")
            #expect(refused.structured?["error"]?["type"] == "invalid_arguments", "\(path): \(refused.text)")
            #expect(refused.text.contains("\"mediaFile\"") && refused.text.contains(says), "\(path): \(refused.text)")
        }
        // Outside the roots, an existing file and a missing one get the same answer.
        let existing = try #require(conduit.call("gong_calls_upload_media", ["id": "1", "mediaFile": .string(secret)]))
        let missing = try #require(conduit.call("gong_calls_upload_media", ["id": "1", "mediaFile": .string(folders.outside + "/secret.mp4")]))
        #expect(existing.text.replacingOccurrences(of: "secret.mp3", with: "X") == missing.text.replacingOccurrences(of: "secret.mp4", with: "X"))
        #expect(mediaUploads(fake).isEmpty, "a refused upload reached the vendor")
        #expect(conduit.ping())
    }

    @Test func aProgressTokenGetsTheBytesSentInOrder() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let folders = try Folders()
        let path = folders.root + "/long-call.wav"
        try Data(repeating: 3, count: 24 << 20).write(to: URL(fileURLWithPath: path))
        let session = try session(fake, root: folders.root, name: "upload-progress")
        let params: JSONObject = [
            "name": "gong_calls_upload_media", "arguments": ["id": "7782342274025937001", "mediaFile": .string(path)],
            "_meta": ["progressToken": "upload-1"],
        ]
        session.conduit.send(["jsonrpc": "2.0", "id": 77, "method": "tools/call", "params": .object(params)], revision: "2025-11-25")
        let answer = try #require(session.conduit.response(to: 77, timeout: 30))
        #expect(answer["result"]?["isError"] != true, "\(answer.jsonString.prefix(400))")
        let reports = session.conduit.output.compactMap { try? JSONValue.parse($0) }
            .filter { $0["method"] == "notifications/progress" && $0["params"]?["progressToken"] == "upload-1" }
        let sent = reports.compactMap { $0["params"]?["progress"]?.doubleValue }
        #expect(sent.count >= 3, "\(sent)")
        #expect(sent == sent.sorted())
        let body = Double(try #require(mediaUploads(fake).first).body.count)
        #expect(sent.last == body && reports.last?["params"]?["total"]?.doubleValue == body)
    }

    @Test func byDefaultOnlyConduitsOwnDownloadFolderMayBeUploadedFrom() throws {
        let fake = try FakeGong()
        defer { fake.stop() }
        let folders = try Folders()
        let file = folders.root + "/call.wav"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: file))
        let account = try fake.accountFile(extra: ["files": ["directory": .string(folders.outside)]])
        let conduit = try VendorSession(account: account, environment: FakeGong.environment, name: "upload-default-root")
        let refused = try #require(conduit.call("gong_calls_upload_media", ["id": "1", "mediaFile": .string(file)]))
        #expect(refused.isError && refused.text.contains("is not inside an upload root (\(folders.outside))"), "\(refused.text)")
        let inside = folders.outside + "/call.wav"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: inside))
        let accepted = try #require(conduit.call("gong_calls_upload_media", ["id": "7782342274025937001", "mediaFile": .string(inside)]))
        #expect(!accepted.isError, "\(accepted.text)")
        #expect(mediaUploads(fake).count == 1)
    }
}

/// `conduit call` uploads a file named relative to where it runs, inside the default
/// upload root (the download folder), to the Gong sandbox, whose call then has media.
@Suite(.serialized) struct UploadFromTheCommandLineTests {
    @Test func aRelativePathInTheDownloadFolderUploadsToTheSandbox() throws {
        let temporary = TemporaryFiles.folder + "/cli-upload-\(UUID().uuidString)"
        let downloads = temporary + "/conduit-\(getuid())"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        try Data(repeating: 42, count: 4096).write(to: URL(fileURLWithPath: downloads + "/recording.wav"))
        let environment = ["PATH": "/usr/bin:/bin", "TMPDIR": temporary]
        let ran = try runToEnd(
            ConduitProcess.binaryPath,
            ["call", "gong_calls_upload_media", "--sandbox", "gong", "--args", #"{"id": "7782342274025937895", "mediaFile": "recording.wav"}"#],
            environment: environment, directory: URL(fileURLWithPath: downloads))
        #expect(ran.status == 0, "\(ran.stdout) \(ran.stderr)")
        #expect(try JSONValue.parse(ran.stdout)["callId"] == "7782342274025937895")

        let outside = try runToEnd(
            ConduitProcess.binaryPath,
            ["call", "gong_calls_upload_media", "--sandbox", "gong", "--args", #"{"id": "7782342274025937895", "mediaFile": "../elsewhere.wav"}"#],
            environment: environment, directory: URL(fileURLWithPath: downloads))
        #expect(outside.status == 1)
        #expect(outside.stdout.contains("is not inside an upload root"))
    }
}

/// An upload meets a vendor that fails: mid-body, with a 503 after the body, or a client
/// that cancels. Each ends with one clear outcome, the body is never sent twice, and the
/// server goes on serving.
@Suite(.serialized) struct UploadFailureTests {
    /// A raw TCP stand-in: counts connections and does `behave` with each.
    private final class RawServer: @unchecked Sendable {
        let listener: Int32
        let port: Int
        private let lock = NSLock()
        private var connectionCount = 0
        private var bytesSeen: [Int] = []

        init(behave: @escaping @Sendable (Int32, RawServer) -> Void) throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard listen(descriptor, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
            listener = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
            let listener = descriptor
            Thread { [self] in
                while true {
                    let connection = accept(listener, nil, nil)
                    if connection < 0 { return }
                    lock.withLock { connectionCount += 1 }
                    Thread { behave(connection, self) }.start()
                }
            }.start()
        }

        var connections: Int { lock.withLock { connectionCount } }
        var received: [Int] { lock.withLock { bytesSeen } }
        func note(_ bytes: Int) { lock.withLock { bytesSeen.append(bytes) } }
        func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

        /// Reads one request, head and `Content-Length` body; the bytes read.
        static func readRequest(_ connection: Int32) -> Int {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            var wanted = Int.max
            while received.count < wanted {
                let got = recv(connection, &buffer, buffer.count, 0)
                if got <= 0 { break }
                received += buffer[0..<got]
                if wanted == .max, let end = String(decoding: received, as: UTF8.self).range(of: "\r\n\r\n") {
                    let head = String(decoding: received, as: UTF8.self)[..<end.lowerBound].lowercased()
                    let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    wanted = String(decoding: received, as: UTF8.self)[..<end.upperBound].utf8.count + length
                }
            }
            return received.count
        }

        /// Reads up to `limit` bytes (or to the end), pausing `pause` between reads.
        static func read(_ connection: Int32, limit: Int, pause: useconds_t = 0) -> Int {
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            var total = 0
            while total < limit {
                let got = recv(connection, &buffer, min(buffer.count, limit - total), 0)
                if got <= 0 { break }
                total += got
                if pause > 0 { usleep(pause) }
            }
            return total
        }
    }

    private func session(_ port: Int, root: String, name: String) throws -> VendorSession {
        let account = TemporaryFiles.folder + "/gong-upload-failure-\(UUID().uuidString).json"
        let text = JSONValue.object([
            "integration": "gong", "base_url": .string("http://127.0.0.1:\(port)"),
            "credentials": ["access_key": "${GONG_ACCESS_KEY}", "access_key_secret": "${GONG_ACCESS_KEY_SECRET}"],
            "server": ["files": ["upload_roots": .array([.string(root)])]],
            "retry": ["max_attempts": 3, "max_wait_seconds": 1],
        ]).jsonString
        try text.write(toFile: account, atomically: true, encoding: .utf8)
        return try VendorSession(account: account, environment: FakeGong.environment, name: name)
    }

    private func file(megabytes: Int) throws -> (root: String, path: String) {
        let root = TemporaryFiles.folder + "/upload-failure-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = root + "/recording.wav"
        try Data(repeating: 5, count: megabytes << 20).write(to: URL(fileURLWithPath: path))
        return (root, path)
    }

    @Test func aVendorThatHangsUpMidBodyIsAClearErrorAndIsNotSentAgain() throws {
        let server = try RawServer { connection, server in
            server.note(RawServer.read(connection, limit: 1 << 20))
            close(connection)
        }
        defer { server.stop() }
        let (root, path) = try file(megabytes: 32)
        let conduit = try session(server.port, root: root, name: "upload-hang-up")
        let result = try #require(conduit.call("gong_calls_upload_media", ["id": "1", "mediaFile": .string(path)], timeout: 30))
        #expect(result.isError)
        let type = result.structured?["type"]?.stringValue ?? ""
        #expect(["reset", "truncated", "not_http"].contains(type), "\(result.text)")
        #expect(result.text.contains("Gong"))
        #expect(server.connections == 1, "the half-sent body was sent again")
        #expect(conduit.ping())
    }

    @Test func a503AfterTheBodyIsReportedNotResentEvenWithARetryPolicy() throws {
        let server = try RawServer { connection, server in
            server.note(RawServer.readRequest(connection))
            _ = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                .withCString { send(connection, $0, strlen($0), 0) }
            close(connection)
        }
        defer { server.stop() }
        let (root, path) = try file(megabytes: 1)
        let conduit = try session(server.port, root: root, name: "upload-503")
        let result = try #require(conduit.call("gong_calls_upload_media", ["id": "1", "mediaFile": .string(path)], timeout: 20))
        #expect(result.isError)
        #expect(result.structured?["error"]?["status"] == 503, "\(result.text)")
        #expect(server.connections == 1, "a body streamed from a file was sent twice")
    }

    @Test func cancellingStopsTheUploadAndTheServerCarriesOn() throws {
        let server = try RawServer { connection, server in
            // A slow reader: 64 KiB every 50 ms, until the client goes away.
            server.note(RawServer.read(connection, limit: Int.max, pause: 50_000))
            close(connection)
        }
        defer { server.stop() }
        let (root, path) = try file(megabytes: 64)
        let conduit = try session(server.port, root: root, name: "upload-cancel")
        let id = conduit.send("gong_calls_upload_media", ["id": "1", "mediaFile": .string(path)])
        usleep(500_000)
        conduit.conduit.send(
            ["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": .int(id), "reason": "user"]], revision: "2025-11-25")
        #expect(conduit.outcome(of: id, timeout: 3) == nil, "a cancelled call must not be answered")
        #expect(conduit.ping())
        // The transfer stopped: the stand-in saw the connection end well short of 64 MiB.
        let deadline = Date().addingTimeInterval(10)
        while server.received.isEmpty && Date() < deadline { usleep(50_000) }
        let seen = try #require(server.received.first)
        #expect(seen < 32 << 20, "\(seen) bytes arrived after the cancellation")
    }
}

/// An unreadable file is refused with a message naming the argument, and nothing is sent.
/// Root reads every file, so as root conduit runs as `nobody` (through setpriv).
@Suite(.serialized) struct UnreadableUploadTests {
    private static let canDropPrivileges = getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    @Test(.enabled(if: canDropPrivileges, "as root this needs /usr/bin/setpriv to run conduit as nobody"))
    func anUnreadableFileIsRefusedAndNothingIsSent() throws {
        let asRoot = getuid() == 0
        let user: uid_t = asRoot ? 65534 : getuid()
        let temporary = TemporaryFiles.folder + "/unreadable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        chmod(temporary, 0o777)
        chmod(TemporaryFiles.folder, 0o755)
        let downloads = temporary + "/conduit-\(user)"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        let file = downloads + "/locked.wav"
        try Data(repeating: 1, count: 1000).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o000)
        if asRoot { chown(downloads, user, gid_t(user)) }
        chmod(downloads, 0o700)
        var command = [ConduitProcess.binaryPath, "call", "gong_calls_upload_media", "--sandbox", "gong", "--args", #"{"id": "7782342274025937895", "mediaFile": "\#(file)"}"#]
        if asRoot { command = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"] + command }
        let ran = try runToEnd(command[0], Array(command.dropFirst()), environment: ["PATH": "/usr/bin:/bin", "TMPDIR": temporary])
        #expect(ran.status == 1, "\(ran.stdout) \(ran.stderr)")
        let printed = try JSONValue.parse(ran.stdout)
        #expect(printed["error"]?["type"] == "invalid_arguments")
        let message = printed["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("\"mediaFile\"") && message.contains("cannot be read"), "\(message)")
        chmod(file, 0o600)
    }
}
