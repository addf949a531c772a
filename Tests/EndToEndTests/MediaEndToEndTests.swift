import Conduit
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Media through the built binary: `get_single_chorus_media_by_id` against a Chorus fake
/// whose `info=false` answer is a 302 to a storage host on another origin (a second
/// loopback server), with the account's `files.directory` in a per-test folder so the
/// files conduit writes (and the ones it must not leave behind) can be inspected.
@Suite(.serialized) struct MediaEndToEndTests {
    static let id = FakeChorus.engagementIDs[0]

    // MARK: 1. Metadata mode

    @Test func infoTrueReturnsTheLinkAsJSONAndWritesNoFile() throws {
        let media = try MediaFixture(name: "media-info") { _ in .respond(status: 500, headers: [], body: []) }
        defer { media.stop() }

        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id)]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(result.structured?["data"]?["attributes"]?["url"] == .string(media.storageURL))
        #expect(result.text.contains(media.storageURL))
        let sent = try #require(media.chorus.requests.last)
        #expect(sent.queryValue("info") == "true", "info defaults to true and is always sent: \(sent.target)")
        #expect(media.storage.requests.isEmpty)
        #expect(result.raw["content"]?.arrayValue?.contains { $0["type"] == "resource_link" } == false)
        #expect(media.files.isEmpty, "metadata mode wrote \(media.files)")
    }

    // MARK: 2. Download mode

    @Test(arguments: ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"])
    func infoFalseFollowsTheRedirectAndSavesAPrivateFile(revision: String) throws {
        let body = MediaBytes.pattern(300_001, seed: 7)
        let media = try MediaFixture(name: "media-download-\(revision)", revision: revision) { _ in
            .respond(status: 200, headers: [("Content-Type", "video/mp4"), ("Accept-Ranges", "bytes")], body: body)
        }
        defer { media.stop() }

        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        let files = media.files
        try #require(files.count == 1, "files written: \(files)")
        let path = media.directory + "/" + files[0]
        let written = try #require(FileManager.default.contents(atPath: path))
        #expect(written == Data(body), "the file differs from what the storage host served (\(written.count) bytes)")
        let digest = try IndependentSHA256.of(Data(body))

        let content = result.raw["content"]?.arrayValue ?? []
        if revision >= "2025-06-18" {
            let structured = try #require(result.raw["structuredContent"])
            #expect(structured["path"] == .string(path))
            #expect(structured["uri"] == .string(URL(fileURLWithPath: path).absoluteString))
            #expect(structured["uri"]?.stringValue?.hasPrefix("file://") == true)
            #expect(structured["content_type"] == "video/mp4")
            #expect(structured["size"] == .int(Int64(body.count)))
            #expect(structured["sha256"] == .string(digest))
            #expect(structured["status"] == 200)
            let link = try #require(content.first { $0["type"] == "resource_link" }, "no resource_link in \(content)")
            #expect(link["uri"] == structured["uri"])
            #expect(link["mimeType"] == "video/mp4")
            #expect(link["size"] == .int(Int64(body.count)))
        } else {
            #expect(result.raw["structuredContent"] == nil)
            #expect(!content.contains { $0["type"] == "resource_link" }, "2025-03-26 has no resource_link")
            #expect(result.text.contains(path) && result.text.contains(digest), "\(result.text)")
        }

        // Credentials went to Chorus, never to the storage host.
        let chorusRequest = try #require(media.chorus.requests.last)
        #expect(chorusRequest.queryValue("info") == "false")
        #expect(chorusRequest.header("Authorization") == FakeChorus.token)
        let storageRequest = try #require(media.storage.requests.first)
        #expect(storageRequest.path == MediaFixture.storagePath)
        #expect(storageRequest.header("Authorization") == nil, "the storage host on another origin received an Authorization header")
        #expect(media.storage.requests.count == 1)

        #expect(FileMode.of(path) == 0o600, "file mode \(String(FileMode.of(path), radix: 8))")
        #expect(FileMode.of(media.directory) == 0o700, "directory mode \(String(FileMode.of(media.directory), radix: 8))")
        #expect(media.session.leaks(of: [FakeChorus.token]).isEmpty)
    }

    // MARK: 3. A large streamed body

    /// 64 MiB with a release binary (`CONDUIT_BINARY=.build/release/conduit`); with the
    /// debug binary, whose unoptimised SHA-256 runs at about 2 MB/s, 8 MiB keeps the
    /// suite short. `CONDUIT_E2E_LARGE_MIB` overrides both.
    static var largeBodyMiB: Int {
        if let text = ProcessInfo.processInfo.environment["CONDUIT_E2E_LARGE_MIB"], let value = Int(text), value > 0 { return value }
        return ConduitProcess.binaryPath.contains("/release/") ? 64 : 8
    }

    @Test func aLargeStreamedBodyArrivesIntact() throws {
        let blocks = Self.largeBodyMiB
        let block = MediaBytes.pattern(1 << 20, seed: 3)
        let media = try MediaFixture(name: "media-64mb") { _ in
            .stream(status: 200, headers: [("Content-Type", "audio/mpeg"), ("Accept-Ranges", "bytes")], length: blocks << 20) { offset in
                MediaBytes.stamped(block, index: offset >> 20)
            }
        }
        defer { media.stop() }

        let started = Date()
        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false], timeout: 60))
        let elapsed = Date().timeIntervalSince(started)
        #expect(!result.isError, "\(result.text.prefix(400))")
        var expected = Data(capacity: blocks << 20)
        for index in 0..<blocks { expected.append(contentsOf: MediaBytes.stamped(block, index: index)) }
        let structured = try #require(result.structured)
        #expect(structured["size"] == .int(Int64(blocks << 20)))
        #expect(structured["sha256"] == .string(try IndependentSHA256.of(expected)))
        let path = try #require(structured["path"]?.stringValue)
        let written = try #require(FileManager.default.contents(atPath: path))
        #expect(written.count == expected.count)
        #expect(written == expected, "the \(blocks) MiB file differs from what was served")
        #expect(elapsed < 20, "\(blocks) MiB over loopback took \(elapsed) s")
    }

    // MARK: 4. The range argument

    @Test func theRangeArgumentIsSentAndA206IsReportedAsAPart() throws {
        let whole = MediaBytes.pattern(5_000, seed: 11)
        let media = try MediaFixture(name: "media-range") { request in
            guard request.header("Range") == "bytes=0-999" else {
                return .respond(status: 200, headers: [("Content-Type", "audio/mpeg")], body: whole)
            }
            return .respond(
                status: 206, headers: [("Content-Type", "audio/mpeg"), ("Content-Range", "bytes 0-999/5000"), ("Accept-Ranges", "bytes")],
                body: Array(whole.prefix(1000)))
        }
        defer { media.stop() }

        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false, "range": "bytes=0-999"]))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(media.chorus.requests.last?.header("Range") == "bytes=0-999")
        #expect(media.storage.requests.first?.header("Range") == "bytes=0-999", "the Range header did not survive the redirect")
        let structured = try #require(result.structured)
        #expect(structured["status"] == 206)
        #expect(structured["content_range"] == "bytes 0-999/5000")
        #expect(structured["size"] == 1000)
        let path = try #require(structured["path"]?.stringValue)
        #expect(FileManager.default.contents(atPath: path) == Data(whole.prefix(1000)))
        #expect(result.text.contains("bytes 0-999/5000"))

        let malformed = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false, "range": "0-999"]))
        #expect(malformed.isError && malformed.text.contains("range"), "\(malformed.text.prefix(300))")
        #expect(media.storage.requests.count == 1)
    }

    // MARK: 5. Resume

    /// First request: the head, then part of the body, then the connection drops.
    /// Later requests: `Range: bytes=N-` is answered 206 from N.
    private static func resumingStorage(
        body: [UInt8], acceptRanges: Bool, drop: @escaping @Sendable ([(String, String)], [UInt8]) -> FakeResponse
    ) -> @Sendable (RecordedRequest) -> FakeResponse {
        let served = Mutex(0)
        return { request in
            let first = served.withLock { count -> Bool in
                count += 1
                return count == 1
            }
            var headers = [("Content-Type", "video/mp4"), ("ETag", "\"media-v1\"")]
            if acceptRanges { headers.append(("Accept-Ranges", "bytes")) }
            if first { return drop(headers, body) }
            guard let range = request.header("Range"), range.hasPrefix("bytes="), range.hasSuffix("-"),
                let start = Int(range.dropFirst(6).dropLast()), start < body.count
            else {
                return .respond(status: 200, headers: headers, body: body)
            }
            return .respond(
                status: 206, headers: headers + [("Content-Range", "bytes \(start)-\(body.count - 1)/\(body.count)")],
                body: Array(body[start...]))
        }
    }

    @Test func aDownloadResetMidBodyIsResumedWithRange() throws {
        let body = MediaBytes.pattern(400_000, seed: 5)
        let media = try MediaFixture(
            name: "media-resume-reset",
            storage: Self.resumingStorage(body: body, acceptRanges: true) { headers, body in .resetMidBody(status: 200, headers: headers, body: body) })
        defer { media.stop() }

        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false], timeout: 20))
        #expect(!result.isError, "\(result.text.prefix(400))")
        try expectResumed(media, result: result, body: body, stoppedAt: body.count / 2)
    }

    @Test func aDownloadClosedMidBodyIsResumedWithRange() throws {
        let body = MediaBytes.pattern(400_000, seed: 6)
        let media = try MediaFixture(
            name: "media-resume-fin",
            storage: Self.resumingStorage(body: body, acceptRanges: true) { headers, body in
                .truncated(status: 200, headers: headers, declaredLength: body.count, body: Array(body.prefix(150_000)))
            })
        defer { media.stop() }

        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false], timeout: 20))
        #expect(!result.isError, "\(result.text.prefix(400))")
        try expectResumed(media, result: result, body: body, stoppedAt: 150_000)
    }

    /// The same, with the reset straight after the bytes (no pause), several times: the
    /// continuation must start where the file really ends, so every file is exact.
    @Test func resumedFilesAreExactWhenTheResetFollowsTheBytesAtOnce() throws {
        let body = MediaBytes.pattern(1 << 20, seed: 13)
        let media = try MediaFixture(name: "media-resume-race") { request in
            let headers = [("Content-Type", "video/mp4"), ("Accept-Ranges", "bytes"), ("ETag", "\"media-v2\"")]
            guard let range = request.header("Range"), range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).dropLast()), start < body.count else {
                return .resetAfter(status: 200, headers: headers, declaredLength: body.count, body: Array(body.prefix(body.count * 3 / 4)))
            }
            return .respond(
                status: 206, headers: headers + [("Content-Range", "bytes \(start)-\(body.count - 1)/\(body.count)")], body: Array(body[start...]))
        }
        defer { media.stop() }

        var wrong: [String] = []
        for attempt in 1...6 {
            let before = media.storage.requests.count
            let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false], timeout: 20))
            try #require(!result.isError, "attempt \(attempt): \(result.text.prefix(300))")
            let ranges = media.storage.requests.dropFirst(before).compactMap { $0.header("Range") }
            let path = try #require(result.structured?["path"]?.stringValue)
            let written = FileManager.default.contents(atPath: path) ?? Data()
            if written != Data(body) {
                wrong.append("attempt \(attempt): \(written.count) bytes for a \(body.count)-byte body after \(ranges)")
            }
            unlink(path)
        }
        #expect(wrong.isEmpty, "corrupt resumed files: \(wrong)")
    }

    private func expectResumed(_ media: MediaFixture, result: ToolOutcome, body: [UInt8], stoppedAt: Int) throws {
        let ranged = media.storage.requests.dropFirst()
        try #require(ranged.count == 1, "storage requests: \(media.storage.requests.map { $0.header("Range") ?? "-" })")
        let range = try #require(ranged.first?.header("Range"))
        #expect(range == "bytes=\(stoppedAt)-", "the continuation asked for \(range); the first response stopped at \(stoppedAt)")
        #expect(ranged.first?.header("If-Range") == "\"media-v1\"")
        #expect(ranged.first?.header("Authorization") == nil)
        let structured = try #require(result.structured)
        #expect(structured["size"] == .int(Int64(body.count)))
        #expect(structured["status"] == 200, "a resumed download reports the first response's status")
        #expect(structured["sha256"] == .string(try IndependentSHA256.of(Data(body))))
        let path = try #require(structured["path"]?.stringValue)
        #expect(FileManager.default.contents(atPath: path) == Data(body))
        #expect(media.files.count == 1, "files: \(media.files)")
    }

    @Test func withoutAcceptRangesAnInterruptedDownloadIsAClearErrorAndNotResumed() throws {
        let body = MediaBytes.pattern(400_000, seed: 9)
        let media = try MediaFixture(
            name: "media-no-resume",
            storage: Self.resumingStorage(body: body, acceptRanges: false) { headers, body in .resetMidBody(status: 200, headers: headers, body: body) })
        defer { media.stop() }

        let started = Date()
        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false], timeout: 20))
        #expect(result.isError, "\(result.text.prefix(400))")
        #expect(result.message.contains("Chorus") && result.message.contains("127.0.0.1"), "\(result.message)")
        #expect(["reset", "cut off", "interrupted", "incomplete"].contains { result.message.localizedCaseInsensitiveContains($0) }, "\(result.message)")
        #expect(media.storage.requests.count == 1, "conduit asked again without Accept-Ranges: \(media.storage.requests.map { $0.header("Range") ?? "-" })")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(media.eventuallyNoFiles(), "a partial file was left: \(media.files)")
    }

    // MARK: 6. Cancellation

    @Test func cancellingADownloadSendsNoResponseAndLeavesNoFile() throws {
        let served = Mutex(0)
        let media = try MediaFixture(name: "media-cancel") { _ in
            .stream(status: 200, headers: [("Content-Type", "video/mp4"), ("Accept-Ranges", "bytes")], length: 8 << 20) { offset in
                served.withLock { $0 = offset }
                usleep(40_000)
                return [UInt8](repeating: UInt8(truncatingIfNeeded: offset >> 16), count: 64 << 10)
            }
        }
        defer { media.stop() }

        let id: Int64 = 9_001
        media.session.conduit.send(
            ["jsonrpc": "2.0", "id": .int(id), "method": "tools/call",
             "params": ["name": "get_single_chorus_media_by_id", "arguments": ["id": .string(Self.id), "info": false]]],
            revision: media.session.revision)
        // Wait until the transfer is under way: the file exists and bytes are flowing.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && (media.files.isEmpty || served.withLock({ $0 }) < 256 << 10) { usleep(20_000) }
        try #require(!media.files.isEmpty, "the download never started")
        media.session.conduit.send(
            ["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": .int(id), "reason": "the user changed their mind"]],
            revision: media.session.revision)

        #expect(media.session.conduit.response(to: .int(id), timeout: 2) == nil, "a response was sent for the cancelled request")
        #expect(media.eventuallyNoFiles(), "the cancelled download left \(media.files)")
        let stoppedAt = served.withLock { $0 }
        usleep(300_000)
        #expect(served.withLock { $0 } == stoppedAt, "the storage host is still being read after the cancellation")
        #expect(stoppedAt < 8 << 20)
        #expect(media.session.ping(), "no ping answer after the cancellation")
    }

    // MARK: 7. Size cap

    @Test func anAnnouncedBodyAboveMaxBytesIsRefusedAndNothingIsKept() throws {
        let media = try MediaFixture(name: "media-cap-announced", files: ["max_bytes": 100_000]) { _ in
            .stream(status: 200, headers: [("Content-Type", "video/mp4")], length: 1_000_000) { _ in [UInt8](repeating: 1, count: 50_000) }
        }
        defer { media.stop() }
        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false]))
        #expect(result.isError)
        #expect(result.message.contains("100000") && result.message.contains("max_bytes"), "\(result.message)")
        #expect(result.message.contains("1000000"), "the announced size is not named: \(result.message)")
        #expect(result.structured?["error"]?["type"] == "too_large")
        #expect(media.eventuallyNoFiles(), "left \(media.files)")
    }

    @Test func anUnannouncedBodyAboveMaxBytesIsStoppedAndNothingIsKept() throws {
        let read = Mutex(0)
        let media = try MediaFixture(name: "media-cap-chunked", files: ["max_bytes": 100_000]) { _ in
            .chunkedStream(status: 200, headers: [("Content-Type", "video/mp4")], length: 4_000_000) { offset in
                read.withLock { $0 = offset }
                return [UInt8](repeating: 2, count: 16_384)
            }
        }
        defer { media.stop() }
        let result = try #require(media.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false]))
        #expect(result.isError)
        #expect(result.message.contains("100000") && result.message.contains("max_bytes"), "\(result.message)")
        #expect(result.structured?["error"]?["type"] == "too_large")
        #expect(media.eventuallyNoFiles(), "left \(media.files)")
        #expect(read.withLock { $0 } < 4_000_000, "conduit read the whole body past the cap")

        // The same cap lets a smaller chunked body through, with its size counted.
        let small = try MediaFixture(name: "media-chunked-small", files: ["max_bytes": 100_000]) { _ in
            .chunkedStream(status: 200, headers: [("Content-Type", "audio/ogg")], length: 99_000) { offset in
                MediaBytes.pattern(10_000, seed: UInt8(truncatingIfNeeded: offset / 10_000))
            }
        }
        defer { small.stop() }
        let fits = try #require(small.session.call("get_single_chorus_media_by_id", ["id": .string(Self.id), "info": false]))
        #expect(!fits.isError, "\(fits.text.prefix(300))")
        #expect(fits.structured?["size"] == 99_000)
    }

    // MARK: 8. Progress

    @Test func aProgressTokenGetsByteCountsWithTheContentLengthAsTotal() throws {
        let length = 6 << 20
        let media = try MediaFixture(name: "media-progress") { _ in
            .stream(status: 200, headers: [("Content-Type", "video/mp4")], length: length) { offset in
                [UInt8](repeating: UInt8(truncatingIfNeeded: offset >> 20), count: 256 << 10)
            }
        }
        defer { media.stop() }
        let id: Int64 = 9_101
        media.session.conduit.send(
            ["jsonrpc": "2.0", "id": .int(id), "method": "tools/call",
             "params": ["name": "get_single_chorus_media_by_id", "arguments": ["id": .string(Self.id), "info": false], "_meta": ["progressToken": "media-7"]]],
            revision: media.session.revision)
        let response = try #require(media.session.conduit.response(to: .int(id), timeout: 20))
        #expect(response["result"]?["isError"] == nil, "\(response.jsonString.prefix(400))")

        let notes = media.session.conduit.output.compactMap { try? JSONValue.parse($0) }
            .filter { $0["method"] == "notifications/progress" && $0["params"]?["progressToken"] == "media-7" }
        let values = notes.compactMap { $0["params"]?["progress"]?.doubleValue }
        #expect(values == values.sorted() && Set(values).count == values.count, "progress not increasing: \(values)")
        let bytes = notes.filter { $0["params"]?["total"] != nil }
        #expect(bytes.count >= 3, "byte progress reports: \(bytes.count)")
        #expect(bytes.allSatisfy { $0["params"]?["total"]?.doubleValue == Double(length) }, "totals: \(bytes.map { $0["params"]?["total"] ?? .null })")
        #expect(bytes.last?["params"]?["progress"]?.doubleValue == Double(length))
        // Every progress notification comes before the response.
        let lines = media.session.conduit.output
        let responseLine = lines.firstIndex { (try? JSONValue.parse($0))?["id"] == .int(id) } ?? -1
        let lastProgress = lines.lastIndex { (try? JSONValue.parse($0))?["params"]?["progressToken"] == "media-7" } ?? Int.max
        #expect(lastProgress < responseLine)
    }

    // MARK: Coviu recordings

    /// Coviu's recordings are served by the API host itself, behind the OAuth token, and
    /// may come back as a 206 covering the whole file.
    @Test func coviuRecordingsDownloadWithTheBearerToken() throws {
        let audio = MediaBytes.pattern(150_000, seed: 21)
        let video = MediaBytes.pattern(220_000, seed: 22)
        let team = FakeCoviu.teamID, collection = FakeCoviu.collectionID, submission = FakeCoviu.submissionIDs[0]
        let fileID = "f-1"
        let coviu = try LoopbackHTTPServer { request in
            if request.method == "POST" && request.path == "/v1/auth/token" {
                guard request.header("Authorization") == FakeCoviu.basicAuthorization else { return .json(["error": "invalid_client"], status: 401) }
                return .json(["access_token": "coviu-media-token", "refresh_token": "r-1", "expires_in": 3600, "token_type": "Bearer", "scope": "read"])
            }
            guard request.header("Authorization") == "Bearer coviu-media-token" else { return .json(["error": "invalid_token"], status: 401) }
            switch request.path {
            case "/v1/collections/\(team)/collection/\(collection)/recording/\(submission)":
                return .respond(
                    status: 206, headers: [("Content-Type", "audio/webm"), ("Content-Range", "bytes 0-\(audio.count - 1)/\(audio.count)"), ("Accept-Ranges", "bytes")],
                    body: audio)
            case "/v1/collections/\(team)/collection/\(collection)/submission/\(submission)/file/\(fileID)":
                return .respond(status: 200, headers: [("Content-Type", "video/webm"), ("Content-Disposition", "attachment; filename=\"consult 1.webm\"")], body: video)
            default:
                return .json(["error": "not_found"], status: 404)
            }
        }
        defer { coviu.stop() }
        let directory = MediaFixture.newDirectory()
        let account: JSONValue = [
            "integration": "coviu", "base_url": .string(coviu.baseURL),
            "credentials": ["client_id": "${COVIU_CLIENT_ID}", "client_secret": "${COVIU_CLIENT_SECRET}"], "files": ["directory": .string(directory)],
        ]
        let path = TemporaryFiles.folder + "/coviu-media-account-\(UUID().uuidString).json"
        try account.jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        let session = try VendorSession(account: path, environment: FakeCoviu.environment, name: "media-coviu")

        let recording = try #require(session.call(
            "get_single_coviu_audio_recording_by_id", ["teamId": .string(team), "collectionId": .string(collection), "submissionId": .string(submission)]))
        #expect(!recording.isError, "\(recording.text.prefix(400))")
        let saved = try #require(recording.structured)
        #expect(saved["content_type"] == "audio/webm")
        #expect(saved["size"] == .int(Int64(audio.count)))
        #expect(saved["sha256"] == .string(try IndependentSHA256.of(Data(audio))))
        #expect(saved["status"] == 206 && saved["content_range"] == .string("bytes 0-\(audio.count - 1)/\(audio.count)"))
        #expect(FileManager.default.contents(atPath: saved["path"]?.stringValue ?? "") == Data(audio))

        let file = try #require(session.call(
            "get_single_coviu_submission_file_by_id",
            ["teamId": .string(team), "collectionId": .string(collection), "submissionId": .string(submission), "fileId": .string(fileID)]))
        #expect(!file.isError, "\(file.text.prefix(400))")
        let videoPath = try #require(file.structured?["path"]?.stringValue)
        #expect(videoPath.hasPrefix(directory + "/") && videoPath.hasSuffix("consult1.webm"), "\(videoPath)")
        #expect(FileManager.default.contents(atPath: videoPath) == Data(video))
        #expect(FileMode.of(videoPath) == 0o600)
        #expect(coviu.requests.filter { $0.path == "/v1/auth/token" }.count == 1, "the token was not reused")
        #expect(session.leaks(of: FakeCoviu.secrets + ["coviu-media-token"]).isEmpty)
    }

    // MARK: 9. Oversized JSON

    /// A page too large to show inline shows the records that fit, and its cursor
    /// resumes at the first record not shown: walking the cursors returns every record
    /// exactly once, in order, with nothing left only in a file.
    @Test func anOversizedPageShowsWhatFitsAndItsCursorResumesWithTheRest() throws {
        let first: [JSONValue] = (1...60).map { n in
            ["engagement_id": .string(String(format: "E%031d", n)), "subject": .string("Quarterly review call number \(n)"), "engagement_type": "meeting"]
        }
        let second: [JSONValue] = (61...65).map { n in
            ["engagement_id": .string(String(format: "E%031d", n)), "subject": .string("Follow-up \(n)"), "engagement_type": "meeting"]
        }
        let chorus = try LoopbackHTTPServer { request in
            guard request.path == "/v3/engagements", request.header("Authorization") == FakeChorus.token else { return FakeChorus.handle(request) }
            return request.queryValue("continuation_key") == "k2"
                ? .json(["engagements": .array(second)]) : .json(["engagements": .array(first), "continuation_key": "k2"])
        }
        defer { chorus.stop() }
        let directory = MediaFixture.newDirectory()
        let session = try VendorSession(
            account: try MediaFixture.accountFile(baseURL: chorus.baseURL, directory: directory, files: ["inline_limit_bytes": 2048]),
            environment: ["CHORUS_TOKEN": FakeChorus.token], name: "media-oversized")

        var seen: [JSONValue] = []
        var arguments: JSONObject = [:]
        var pages = 0
        while pages < 100 {
            let result = try #require(session.call("list_all_chorus_conversations", arguments))
            #expect(!result.isError, "\(result.text.prefix(400))")
            let structured = try #require(result.structured)
            let records = try #require(structured["result"]?.arrayValue)
            #expect(!records.isEmpty)
            #expect(structured.jsonBytes.count <= 2048, "page \(pages) is over the inline limit")
            if structured["truncated"] == true {
                #expect(structured["records_shown"] == .int(Int64(records.count)))
                #expect(structured["note"]?.stringValue?.contains("next_cursor continues") == true)
                #expect(structured["file"] == nil, "a fitted page needs no file")
            }
            seen += records
            pages += 1
            guard case .string(let cursor)? = structured["next_cursor"] else { break }
            arguments = ["next_cursor": .string(cursor)]
        }
        #expect(seen == first + second, "the walk returned \(seen.count) records; every record must come exactly once, in order")
        #expect(pages > 3, "the first vendor page should take several inline pages, took \(pages)")
        #expect(chorus.requests.filter { $0.queryValue("continuation_key") == "k2" }.count == 1)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        #expect(files.isEmpty, "no file is written for a page that was fitted: \(files)")
    }

    /// A single record larger than the inline limit goes to a file, shown as an outline,
    /// and the walk moves past it.
    @Test func aRecordTooLargeToShowGoesToAFileAndTheWalkGoesOn() throws {
        let records: [JSONValue] = [
            ["engagement_id": "E1", "subject": "small"],
            ["engagement_id": "E2", "subject": .string(String(repeating: "long ", count: 2000))],
            ["engagement_id": "E3", "subject": "small again"],
        ]
        let chorus = try LoopbackHTTPServer { request in
            request.path == "/v3/engagements" && request.header("Authorization") == FakeChorus.token
                ? .json(["engagements": .array(records)]) : FakeChorus.handle(request)
        }
        defer { chorus.stop() }
        let directory = MediaFixture.newDirectory()
        let session = try VendorSession(
            account: try MediaFixture.accountFile(baseURL: chorus.baseURL, directory: directory, files: ["inline_limit_bytes": 2048]),
            environment: ["CHORUS_TOKEN": FakeChorus.token], name: "media-huge-record")
        let page1 = try #require(session.call("list_all_chorus_conversations", [:])?.structured)
        #expect(page1["result"]?.arrayValue == [records[0]])
        let page2 = try #require(session.call("list_all_chorus_conversations", ["next_cursor": page1["next_cursor"]!])?.structured)
        #expect(page2["result"]?.arrayValue?.count == 1)
        #expect(page2["result"]?.arrayValue?.first?["engagement_id"] == "E2", "the outline keeps the record's short fields")
        let path = try #require(page2["file"]?["path"]?.stringValue)
        #expect(path.hasPrefix(directory + "/"))
        #expect(try JSONValue.parse(Array(try #require(FileManager.default.contents(atPath: path)))) == records[1])
        #expect(FileMode.of(path) == 0o600)
        let page3 = try #require(session.call("list_all_chorus_conversations", ["next_cursor": page2["next_cursor"]!])?.structured)
        #expect(page3["result"]?.arrayValue == [records[2]])
        #expect(page3["next_cursor"] == .null)
    }
}

// MARK: - Support

/// A Chorus fake plus a storage host on another origin, and a conduit session whose
/// account keeps files in a fresh folder.
final class MediaFixture {
    static let storagePath = "/blobs/\(FakeChorus.engagementIDs[0]).mp4"

    let storage: LoopbackHTTPServer
    let chorus: LoopbackHTTPServer
    let directory: String
    let session: VendorSession
    var storageURL: String { storage.baseURL + Self.storagePath + "?sig=abc123" }

    init(
        name: String, revision: String = "2025-11-25", files: JSONObject = [:], extra: JSONObject = [:],
        storage handler: @escaping @Sendable (RecordedRequest) -> FakeResponse
    ) throws {
        storage = try LoopbackHTTPServer { request in
            request.path == MediaFixture.storagePath ? handler(request) : .respond(status: 404, headers: [], body: [])
        }
        let storageURL = storage.baseURL + Self.storagePath + "?sig=abc123"
        let mediaPath = "/api/v1/conversations/\(FakeChorus.engagementIDs[0])/media"
        chorus = try LoopbackHTTPServer { request in
            guard request.path == mediaPath, request.header("Authorization") == FakeChorus.token else { return FakeChorus.handle(request) }
            if request.queryValue("info") == "false" {
                return .respond(status: 302, headers: [("Location", storageURL)], body: [])
            }
            return .json([
                "data": [
                    "type": "media", "id": .string(FakeChorus.engagementIDs[0]),
                    "attributes": ["url": .string(storageURL), "content_type": "video/mp4", "expires_in_seconds": 300],
                ],
            ])
        }
        directory = Self.newDirectory()
        session = try VendorSession(
            account: try Self.accountFile(baseURL: chorus.baseURL, directory: directory, files: files, extra: extra),
            environment: ["CHORUS_TOKEN": FakeChorus.token], name: name, revision: revision)
    }

    /// A folder path that does not exist yet (conduit creates it).
    static func newDirectory() -> String {
        TemporaryFiles.folder + "/files-\(UUID().uuidString.prefix(8))"
    }

    static func accountFile(baseURL: String, directory: String, files: JSONObject = [:], extra: JSONObject = [:]) throws -> String {
        var fileSettings: JSONObject = ["directory": .string(directory)]
        for (key, value) in files { fileSettings[key] = value }
        var account: JSONObject = [
            "integration": "chorus", "base_url": .string(baseURL), "credentials": ["api_token": "${CHORUS_TOKEN}"],
            "files": .object(fileSettings),
        ]
        for (key, value) in extra { account[key] = value }
        let path = TemporaryFiles.folder + "/media-account-\(UUID().uuidString).json"
        try JSONValue.object(account).jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The names in the files folder (none if it does not exist).
    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() }

    /// Polls briefly for an empty files folder.
    func eventuallyNoFiles(within seconds: TimeInterval = 3) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !files.isEmpty && Date() < deadline { usleep(50_000) }
        return files.isEmpty
    }

    func stop() {
        session.conduit.terminate()
        chorus.stop()
        storage.stop()
    }
}

/// Deterministic test bytes.
enum MediaBytes {
    /// `count` pseudo-random bytes from a small LCG (so every offset matters).
    static func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        var state = UInt32(seed) &* 2_654_435_761 &+ 1
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    /// `block` with its first eight bytes replaced by `index` (little-endian), so a
    /// missing, repeated or reordered block changes the content.
    static func stamped(_ block: [UInt8], index: Int) -> [UInt8] {
        var copy = block
        withUnsafeBytes(of: UInt64(index).littleEndian) { stamp in
            for position in 0..<8 { copy[position] = stamp[position] }
        }
        return copy
    }
}

/// SHA-256 by the system's own tool, independent of conduit's implementation.
enum IndependentSHA256 {
    static func of(_ data: Data) throws -> String {
        let process = Process()
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/shasum")
            process.arguments = ["-a", "256"]
        }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: answer, as: UTF8.self).prefix(64))
    }
}

enum FileMode {
    /// The permission bits of `path` (not following a symlink); -1 if it is missing.
    static func of(_ path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return -1 }
        return Int(info.st_mode & 0o777)
    }
}
