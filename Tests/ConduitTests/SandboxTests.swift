import Foundation
import Testing

@testable import Conduit

#if canImport(Glibc)
import Glibc
#endif

/// The sandbox's parts in-process: router, HTTP server, media files, examples, and the
/// Chorus storage redirect seen from the stand-in's side.
@Suite struct SandboxTests {
    @Test func literalSegmentsWinOverPlaceholdersAndOtherMethodsAreNamed() {
        var router = SandboxRouter<Int>()
        router.on("GET", "/v1/items/{id}") { _, call in .json(.string("item \(call.parameter("id"))")) }
        router.on("GET", "/v1/items/live") { _, _ in .json("live") }
        router.on("DELETE", "/v1/items/{id}") { _, _ in .empty(204) }
        func answer(_ method: String, _ target: String) -> String? {
            guard case .found(let handler, let call) = router.match(SandboxRequest(method: method, target: target)) else { return nil }
            var state = 0
            return String(decoding: handler(&state, call).body, as: UTF8.self)
        }
        #expect(answer("GET", "/v1/items/live") == "\"live\"")
        #expect(answer("GET", "/v1/items/a%20b?x=1") == "\"item a b\"")
        guard case .wrongMethod(let allowed) = router.match(SandboxRequest(method: "POST", target: "/v1/items/7")) else {
            Issue.record("POST should be a wrong method")
            return
        }
        #expect(allowed == ["GET", "DELETE"])
        guard case .notFound = router.match(SandboxRequest(method: "GET", target: "/v2/other")) else {
            Issue.record("an unknown path should not match")
            return
        }
    }

    @Test func rangesAreClampedAndUnsatisfiableOnesRefused() {
        #expect(SandboxResponse.parseRange("bytes=0-9", length: 100)! == (0, 9))
        #expect(SandboxResponse.parseRange("bytes=90-", length: 100)! == (90, 99))
        #expect(SandboxResponse.parseRange("bytes=-10", length: 100)! == (90, 99))
        #expect(SandboxResponse.parseRange("bytes=50-500", length: 100)! == (50, 99))
        #expect(SandboxResponse.parseRange("bytes=100-", length: 100) == nil)
        #expect(SandboxResponse.parseRange("bytes=0-1,5-6", length: 100) == nil)
        let request = SandboxRequest(method: "GET", target: "/f", headers: ["range": "bytes=2-3"])
        let partial = SandboxResponse.media([1, 2, 3, 4, 5], contentType: "audio/wav", request: request, etag: "\"e\"")
        #expect(partial.status == 206 && partial.body == [3, 4])
        #expect(partial.headers.contains { $0.name == "Content-Range" && $0.value == "bytes 2-3/5" })
        let stale = SandboxRequest(method: "GET", target: "/f", headers: ["range": "bytes=2-3", "if-range": "\"old\""])
        #expect(SandboxResponse.media([1, 2, 3], contentType: "audio/wav", request: stale, etag: "\"e\"").status == 200)
    }

    /// Sends raw bytes to the server and reads until `responses` answers have arrived.
    private func exchange(_ port: Int, _ bytes: String, responses: Int) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let data = Array(bytes.utf8)
        _ = data.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.components(separatedBy: "HTTP/1.1 2").count - 1 < responses {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return received
    }

    @Test func theServerKeepsConnectionsAliveAndReadsChunkedAndContinuedBodies() throws {
        let server = try SandboxHTTPServer { request in
            .json(["method": .string(request.method), "path": .string(request.path), "body": .string(String(decoding: request.body, as: UTF8.self))])
        }
        defer { server.stop() }
        let twoRequests = "GET /one HTTP/1.1\r\nHost: x\r\n\r\nPOST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        let both = try exchange(server.port, twoRequests, responses: 2)
        #expect(both.contains("\"path\":\"/one\"") && both.contains("\"body\":\"hello\""))

        let chunked = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n"
        #expect(try exchange(server.port, chunked, responses: 1).contains("\"body\":\"abcdefg\""))

        let continued = try exchange(server.port, "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", responses: 1)
        #expect(continued.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"))
        #expect(continued.contains("\"body\":\"ok\""))
    }

    @Test func theMediaFilesHaveTheirFormatsSignatures() {
        let wav = SandboxMedia.dialerAudioWAV
        #expect(Array(wav[0..<4]) == Array("RIFF".utf8) && Array(wav[8..<12]) == Array("WAVE".utf8))
        #expect(Int(wav[4]) | Int(wav[5]) << 8 | Int(wav[6]) << 16 == wav.count - 8)
        for webm in [SandboxMedia.audioWebM, SandboxMedia.videoWebM] {
            #expect(Array(webm[0..<4]) == [0x1A, 0x45, 0xDF, 0xA3])
            #expect(String(decoding: webm, as: UTF8.self).contains("webm"))
        }
        #expect(String(decoding: SandboxMedia.audioWebM, as: UTF8.self).contains("A_OPUS"))
        #expect(String(decoding: SandboxMedia.videoWebM, as: UTF8.self).contains("V_VP8"))
        let mp4 = SandboxMedia.meetingVideoMP4
        #expect(Array(mp4[4..<8]) == Array("ftyp".utf8))
        // Top-level boxes tile the file exactly: ftyp, moov, mdat.
        var offset = 0
        var boxes: [String] = []
        while offset + 8 <= mp4.count {
            let size = Int(mp4[offset]) << 24 | Int(mp4[offset + 1]) << 16 | Int(mp4[offset + 2]) << 8 | Int(mp4[offset + 3])
            boxes.append(String(decoding: mp4[offset + 4..<offset + 8], as: UTF8.self))
            offset += size
        }
        #expect(boxes == ["ftyp", "moov", "mdat"] && offset == mp4.count)
        for file in [wav, mp4, SandboxMedia.audioWebM, SandboxMedia.videoWebM] { #expect(file.count < 8 * 1024) }
    }

    @Test(arguments: ["chorus", "gong", "coviu"])
    func everyExampleInTheBundledDefinitionsIsValidForItsTool(integration: String) throws {
        let loaded = try DefinitionLoader.load(integration)
        #expect(DefinitionLoader.exampleProblems(in: loaded).map(\.description) == [])
        for tool in loaded.tools { #expect(!tool.method.examples.isEmpty, "\(tool.name) has no example") }
    }

    @Test func anInvalidExampleIsReportedWithItsPath() throws {
        var root = (try JSONValue.parse(sampleDefinitionJSON)).objectValue!
        var resources = root["resources"]!.objectValue!
        var widgets = resources["widgets"]!.objectValue!
        var methods = widgets["methods"]!.objectValue!
        var get = methods["get"]!.objectValue!
        get["examples"] = [["arguments": ["id": 7, "colour": "red"]]]
        methods["get"] = .object(get)
        widgets["methods"] = .object(methods)
        resources["widgets"] = .object(widgets)
        root["resources"] = .object(resources)
        let loaded = try DefinitionLoader.decode(JSONValue.object(root).jsonBytes, source: "my-api.json")
        let problems = DefinitionLoader.exampleProblems(in: loaded).map(\.description)
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.hasPrefix("resources.widgets.methods.get.examples[0].arguments: ") })
        #expect(problems.contains { $0.contains("unknown argument \"colour\"") })
    }

    @Test func theChorusDownloadReachesStorageWithoutTheToken() async throws {
        let sandbox = try Sandbox.start("chorus")
        defer { sandbox.stop() }
        let loaded = try DefinitionLoader.load("chorus")
        var account = sandbox.account
        account.files.directory = NSTemporaryDirectory() + "conduit-sandbox-tests-\(getpid())"
        let client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: account.credentials))
        let tool = try #require(loaded.tools.first { $0.name == "get_single_chorus_media_by_id" })
        let result = await client.call(tool, arguments: ["id": "EE8ED5BBBC254177B8201B9D84855949", "info": false], context: CallContext())
        #expect(!result.isError, "\(result.text)")
        let path = try #require(result.structured["path"]?.stringValue)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == SandboxMedia.meetingVideoMP4)
        try? FileManager.default.removeItem(atPath: account.files.directory!)

        let api = sandbox.requests.filter { $0.origin == .api && $0.request.path.hasSuffix("/media") }
        let storage = sandbox.requests.filter { $0.origin == .storage }
        #expect(api.count == 1 && api[0].request.header("Authorization") == ChorusSandbox.apiToken)
        #expect(storage.count == 1)
        #expect(storage.allSatisfy { $0.request.header("Authorization") == nil })
    }

    @Test func theStandInsCheckCredentialsLikeTheVendors() async throws {
        for name in Sandbox.names {
            let sandbox = try Sandbox.start(name)
            defer { sandbox.stop() }
            #expect(sandbox.credentials.values.allSatisfy { $0.lowercased().contains("sandbox") })
            let loaded = try DefinitionLoader.load(name)
            var account = sandbox.account
            account.credentials = account.credentials.mapValues { $0 + "-wrong" }
            let client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: account.credentials))
            let tool = try #require(loaded.tools.first { $0.kind == .list && ($0.inputSchema["required"]?.arrayValue ?? []).isEmpty })
            let result = await client.call(tool, arguments: [:], context: CallContext())
            #expect(result.isError, "\(name) accepted wrong credentials")
            #expect(result.text.contains("401"), "\(name): \(result.text)")
        }
    }

    /// The Gong sandbox takes the two-step import: a created call has no media until its
    /// recording is uploaded, and then a get shows it.
    @Test func aCallCreatedInTheGongSandboxReceivesMedia() async throws {
        let sandbox = try Sandbox.start("gong")
        defer { sandbox.stop() }
        let loaded = try DefinitionLoader.load("gong")
        let folder = NSTemporaryDirectory() + "conduit-sandbox-upload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(repeating: 9, count: 10_000).write(to: URL(fileURLWithPath: folder + "/call.mp3"))
        var account = sandbox.account
        account.settings.uploadRoots = [folder]
        let client = UpstreamClient(definition: loaded.definition, account: account, auth: Authenticator.chooseScheme(loaded.definition, credentials: account.credentials))
        func tool(_ name: String) throws -> Tool { try #require(loaded.tools.first { $0.name == name }) }

        let created = await client.call(try tool("create_a_gong_call"), arguments: [
            "clientUniqueId": "sandbox-import-1", "actualStart": "2024-05-14T16:00:00Z", "direction": "Outbound",
            "primaryUser": .string(GongSandbox.seed().users.rows.first?["id"]?.stringValue ?? ""), "parties": [["name": "Host"]],
        ], context: CallContext())
        #expect(!created.isError, "\(created.text)")
        let id = try #require(created.structured["callId"]?.stringValue)
        let before = await client.call(try tool("get_single_gong_call_by_id"), arguments: ["id": .string(id)], context: CallContext())
        #expect(before.structured["call"]?["media"] == "None", "\(before.text)")

        let uploaded = await client.call(try tool("gong_calls_upload_media"), arguments: ["id": .string(id), "mediaFile": .string(folder + "/call.mp3")], context: CallContext())
        #expect(!uploaded.isError, "\(uploaded.text)")
        let after = await client.call(try tool("get_single_gong_call_by_id"), arguments: ["id": .string(id)], context: CallContext())
        #expect(after.structured["call"]?["media"] == "Audio", "\(after.text)")
    }
}
