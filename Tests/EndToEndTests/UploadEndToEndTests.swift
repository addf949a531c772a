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
