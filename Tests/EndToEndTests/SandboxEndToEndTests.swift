import Conduit
import Foundation
import Testing

/// `conduit serve --sandbox NAME` through the built binary: every bundled tool answers
/// its definition's example, list tools page through the seeded data, media lands in
/// files, and writes last for the life of the process.
@Suite(.serialized) struct SandboxEndToEndTests {
    /// A sandbox server after the handshake, at a revision with structured content.
    private func start(_ name: String) throws -> ConduitProcess {
        let conduit = try ConduitProcess(["serve", "--sandbox", name], transcriptName: "sandbox-\(name)")
        _ = conduit.request(0, "initialize", initializeParams("2025-11-25"), revision: "2025-11-25")
        conduit.send(["jsonrpc": "2.0", "method": "notifications/initialized"], revision: "2025-11-25")
        return conduit
    }

    private final class Counter: @unchecked Sendable {
        // Used from one test's thread only.
        var next: Int64 = 100
    }

    private func call(_ conduit: ConduitProcess, _ counter: Counter, _ tool: String, _ arguments: JSONObject) throws -> JSONValue {
        counter.next += 1
        let response = try #require(
            conduit.request(counter.next, "tools/call", ["name": .string(tool), "arguments": .object(arguments)], revision: "2025-11-25", timeout: 20),
            "no answer to \(tool)")
        return try #require(response["result"], "\(tool): \(response.jsonString)")
    }

    @Test(arguments: Sandbox.names)
    func everyBundledToolAnswersItsExampleWithTheDocumentedShape(integration: String) throws {
        let loaded = try DefinitionLoader.load(integration)
        let conduit = try start(integration)
        defer { conduit.terminate() }
        let counter = Counter()

        counter.next += 1
        let listed = try #require(conduit.request(counter.next, "tools/list", [:], revision: "2025-11-25"))
        #expect(listed["result"]?["tools"]?.arrayValue?.count == loaded.tools.count)

        // Deletes go last, so the records the other examples name still exist.
        let ordered = loaded.tools.filter { $0.kind != .delete } + loaded.tools.filter { $0.kind == .delete }
        for tool in ordered {
            let example = try #require(tool.method.examples.first, "\(tool.name) has no example")
            var arguments = example.arguments
            // An upload's example names a file on someone's disk: put one of that name in
            // conduit's download folder (the default upload root) and send that.
            for name in tool.method.body?.files ?? [] {
                guard let given = arguments[name]?.stringValue else { continue }
                let folder = FileStore(settings: FileSettings()).directory
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let path = folder + "/example-" + FilePath.lastComponent(of: given)
                let sample: [UInt8] = given.hasSuffix(".json") ? Array(#"{"conversations": []}"#.utf8) : Array(repeating: 1, count: 2048)
                try Data(sample).write(to: URL(fileURLWithPath: path))
                arguments[name] = .string(path)
            }
            let result = try call(conduit, counter, tool.name, arguments)
            let structured = result["structuredContent"]
            #expect(result["isError"] != true, "\(tool.name): \(structured?.jsonString.prefix(600) ?? "")")
            guard result["isError"] != true, case .object(let content)? = structured else {
                Issue.record("\(tool.name): no structured content")
                continue
            }
            if tool.method.binaryResponse && content["path"] != nil {
                let path = try #require(content["path"]?.stringValue)
                let bytes = try #require(FileManager.default.contents(atPath: path), "\(tool.name): no file at \(path)")
                #expect(Int64(bytes.count) == content["size"]?.intValue, "\(tool.name)")
                #expect(result["content"]?.arrayValue?.contains { $0["type"] == "resource_link" } == true, "\(tool.name) has no resource_link")
                try? FileManager.default.removeItem(atPath: path)
            } else if let schema = tool.outputSchema {
                let problems = SchemaCheck.problems(.object(content), schema: schema, path: tool.name)
                #expect(problems.isEmpty, "\(problems)")
            } else {
                #expect(!content.isEmpty, "\(tool.name) answered an empty object")
            }
        }
    }

    @Test func theSandboxSaysSoInServerInfoAndInstructions() throws {
        let conduit = try ConduitProcess(["serve", "--sandbox", "gong"], transcriptName: "sandbox-label")
        defer { conduit.terminate() }
        let response = try #require(conduit.request(1, "initialize", initializeParams("2025-06-18"), revision: "2025-06-18"))
        let result = try #require(response["result"])
        #expect(result["serverInfo"]?["name"] == "conduit-gong-sandbox")
        #expect(result["serverInfo"]?["title"]?.stringValue?.contains("SANDBOX") == true)
        #expect(result["instructions"]?.stringValue?.hasPrefix("SANDBOX:") == true)
        #expect(result["instructions"]?.stringValue?.contains("made-up") == true)
    }

    /// The main list tool of each sandbox and the arguments that cover all its data.
    static let mainLists: [(integration: String, tool: String, arguments: JSONObject, id: String)] = [
        ("chorus", "list_all_chorus_conversations", [:], "engagement_id"),
        ("gong", "list_all_gong_calls", ["fromDateTime": "2024-01-01T00:00:00Z", "toDateTime": "2025-01-01T00:00:00Z"], "id"),
        ("coviu", "list_all_coviu_sessions", [:], "session_id"),
    ]

    @Test(arguments: [0, 1, 2])
    func aPageWalkCollectsEverySeededRecordOnce(index: Int) throws {
        let list = Self.mainLists[index]
        let conduit = try start(list.integration)
        defer { conduit.terminate() }
        let counter = Counter()
        var ids: [String] = []
        var arguments = list.arguments
        // 7 cuts across the vendor's own pages (10 per page), so both cursor kinds are walked.
        arguments["limit"] = 7
        var pages = 0
        while true {
            let result = try call(conduit, counter, list.tool, arguments)
            #expect(result["isError"] != true, "\(result.jsonString.prefix(500))")
            let page = result["structuredContent"]?["result"]?.arrayValue ?? []
            ids += page.compactMap { $0[list.id]?.stringValue }
            pages += 1
            guard case .string(let cursor)? = result["structuredContent"]?["next_cursor"], pages < 50 else { break }
            arguments["next_cursor"] = .string(cursor)
        }
        let seeded = Sandbox.seededMainListCount(list.integration)
        #expect(seeded > 20)
        #expect(ids.count == seeded, "\(list.tool): \(ids.count) ids over \(pages) pages, \(seeded) seeded")
        #expect(Set(ids).count == ids.count, "\(list.tool) returned duplicates")
        #expect(pages >= 3)
    }

    @Test func chorusMediaFollowsTheRedirectToStorageAndLandsInAFile() throws {
        let conduit = try start("chorus")
        defer { conduit.terminate() }
        let counter = Counter()
        let info = try call(conduit, counter, "get_single_chorus_media_by_id", ["id": "EE8ED5BBBC254177B8201B9D84855949"])
        let link = try #require(info["structuredContent"]?["url"]?.stringValue)
        #expect(link.contains("/recordings/") && link.contains("Signature="))

        let download = try call(conduit, counter, "get_single_chorus_media_by_id", ["id": "EE8ED5BBBC254177B8201B9D84855949", "info": false])
        #expect(download["isError"] != true, "\(download.jsonString.prefix(600))")
        let content = try #require(download["structuredContent"])
        #expect(content["content_type"] == "video/mp4")
        let path = try #require(content["path"]?.stringValue)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        // The storage origin refuses any request carrying Authorization (400), so these
        // bytes prove the redirect was followed without the Chorus token.
        #expect(Array(bytes) == SandboxMedia.meetingVideoMP4)
        #expect(Array(bytes[4..<8]) == Array("ftyp".utf8))
        try? FileManager.default.removeItem(atPath: path)

        // A dialer call's recording is audio: a WAV file.
        let dialers = try call(conduit, counter, "list_all_chorus_conversations", ["engagement_type": "dialer", "limit": 1])
        let dialerID = try #require(dialers["structuredContent"]?["result"]?.arrayValue?.first?["engagement_id"]?.stringValue)
        let audio = try call(conduit, counter, "get_single_chorus_media_by_id", ["id": .string(dialerID), "info": false])
        #expect(audio["structuredContent"]?["content_type"] == "audio/wav")
        let audioPath = try #require(audio["structuredContent"]?["path"]?.stringValue)
        #expect(FileManager.default.contents(atPath: audioPath).map(Array.init) == SandboxMedia.dialerAudioWAV)
        try? FileManager.default.removeItem(atPath: audioPath)
    }

    @Test func coviuRecordingsLandAsWebMFilesAndRangesAreHonoured() throws {
        let conduit = try start("coviu")
        defer { conduit.terminate() }
        let counter = Counter()
        let place: JSONObject = [
            "teamId": "3f1c2a9e-7b4d-4e8a-9c61-2d5b8f0a1e77", "collectionId": "7c9e1a3b-5d7f-4a2c-b4e6-8f0a2c4e6b95",
            "submissionId": "1f3b5d7a-9c2e-4a6b-8d0f-2b4d6f8a1c37",
        ]
        let audio = try call(conduit, counter, "get_single_coviu_audio_recording_by_id", place)
        #expect(audio["structuredContent"]?["content_type"] == "audio/webm")
        let audioPath = try #require(audio["structuredContent"]?["path"]?.stringValue)
        #expect(FileManager.default.contents(atPath: audioPath).map(Array.init) == SandboxMedia.audioWebM)

        var file = place
        file["fileId"] = "4e6a8c0b-2d4f-4b8a-9c1e-3f5a7b9d0e62"
        file["range"] = "bytes=0-99"
        let part = try call(conduit, counter, "get_single_coviu_submission_file_by_id", file)
        #expect(part["structuredContent"]?["status"] == 206)
        let partPath = try #require(part["structuredContent"]?["path"]?.stringValue)
        #expect(FileManager.default.contents(atPath: partPath).map(Array.init) == Array(SandboxMedia.videoWebM.prefix(100)))
        for path in [audioPath, partPath] { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func writesLastForTheLifeOfTheProcess() throws {
        let coviu = try start("coviu")
        defer { coviu.terminate() }
        let counter = Counter()
        let created = try call(
            coviu, counter, "create_a_coviu_session",
            ["session_name": "Sandbox write test", "start_time": "2025-03-20T09:00:00+11:00", "end_time": "2025-03-20T09:30:00+11:00"])
        let sessionID = try #require(created["structuredContent"]?["session_id"]?.stringValue)
        let newest = try call(coviu, counter, "list_all_coviu_sessions", ["order": "reverse", "limit": 3])
        #expect(newest["structuredContent"]?["result"]?.arrayValue?.first?["session_id"]?.stringValue == sessionID)
        let added = try call(coviu, counter, "create_a_coviu_participant", ["session_id": .string(sessionID), "role": "GUEST", "display_name": "Test Patient"])
        #expect(added["isError"] != true)
        let people = try call(coviu, counter, "list_all_coviu_participants", ["session_id": .string(sessionID)])
        #expect(people["structuredContent"]?["result"]?.arrayValue?.count == 1)

        let chorus = try start("chorus")
        defer { chorus.terminate() }
        let playlist = try call(chorus, counter, "create_a_chorus_playlist", ["name": "Sandbox write test"])
        let playlistID = try #require(playlist["structuredContent"]?["data"]?["id"]?.stringValue)
        let playlists = try call(chorus, counter, "list_all_chorus_playlists", ["filter_name": "write test"])
        #expect(playlists["structuredContent"]?["result"]?.arrayValue?.map { $0["id"]?.stringValue } == [playlistID])
        let removed = try call(chorus, counter, "delete_a_chorus_playlist_by_id", ["id": .string(playlistID)])
        #expect(removed["isError"] != true)
        let gone = try call(chorus, counter, "get_single_chorus_playlist_by_id", ["id": .string(playlistID)])
        #expect(gone["isError"] == true)
        #expect(gone["structuredContent"]?["error"]?["status"] == 404)
    }

    @Test func vendorErrorsKeepTheVendorsShape() throws {
        let gong = try start("gong")
        defer { gong.terminate() }
        let counter = Counter()
        let empty = try call(gong, counter, "list_all_gong_calls", ["fromDateTime": "2030-01-01T00:00:00Z", "toDateTime": "2030-02-01T00:00:00Z"])
        #expect(empty["isError"] == true)
        #expect(empty["structuredContent"]?["error"]?["status"] == 404)
        #expect(empty["structuredContent"]?["error"]?["upstream_message"]?.stringValue?.contains("No calls found") == true)

        let coviu = try start("coviu")
        defer { coviu.terminate() }
        // Coviu refuses a participant for a session that has ended.
        let ended = try call(coviu, counter, "create_a_coviu_participant", ["session_id": "c4d6e8f0-2a4b-4c6d-8e0f-1a2b3c4d5e6f", "role": "GUEST"])
        #expect(ended["isError"] == true)
        #expect(ended["structuredContent"]?["error"]?["upstream_message"]?.stringValue?.contains("ended") == true)
    }
}

/// Enough JSON Schema to check results against a tool's output schema: types, enums,
/// required members, nested objects and arrays, and the uuid and date-time formats.
enum SchemaCheck {
    static func problems(_ value: JSONValue, schema: JSONObject, path: String) -> [String] {
        var problems: [String] = []
        let types: [String] = schema["type"]?.stringValue.map { [$0] } ?? schema["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !types.isEmpty && !types.contains(where: { matches(value, $0) }) {
            return ["\(path): expected \(types.joined(separator: " or ")), found \(value.typeName)"]
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            problems.append("\(path): \(value.jsonString) is not one of \(options.map(\.jsonString))")
        }
        if case .string(let text) = value, let format = schema["format"]?.stringValue {
            switch format {
            case "uuid" where text.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) == nil:
                problems.append("\(path): \(text) is not a lowercase UUID")
            case "date-time" where parseTimestamp(text) == nil:
                problems.append("\(path): \(text) is not an RFC 3339 date-time")
            default:
                break
            }
        }
        switch value {
        case .object(let object):
            for case .string(let name) in schema["required"]?.arrayValue ?? [] where object[name] == nil {
                problems.append("\(path): missing \(name)")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in object {
                if let inner = properties[key]?.objectValue {
                    problems += self.problems(member, schema: inner, path: "\(path).\(key)")
                }
            }
        case .array(let elements):
            if let items = schema["items"]?.objectValue {
                for (index, element) in elements.enumerated() { problems += self.problems(element, schema: items, path: "\(path)[\(index)]") }
            }
        default:
            break
        }
        return problems
    }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("integer", .int), ("number", .int), ("number", .double):
            true
        default:
            false
        }
    }
}
