import Conduit
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// How the process behaves as a process: start-up errors, framing, shutdown.
@Suite(.serialized) struct ProcessBehaviourTests {
    private func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> (status: Int32?, stdout: [String], stderr: String) {
        let conduit = try ConduitProcess(arguments, environment: environment)
        if let input { conduit.send(input) }
        conduit.closeInput()
        let status = conduit.waitForExit(timeout: 10)
        usleep(50_000)
        return (status, conduit.output, conduit.standardError)
    }

    @Test func aMissingAccountFileIsOneClearSentenceAndANonZeroExit() throws {
        let result = try run(["serve", "--account", "/nonexistent/account.json"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("/nonexistent/account.json") && result.stderr.contains("not found"))
    }

    @Test func anUnsetCredentialVariableNamesTheField() throws {
        let account = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9")
        let result = try run(["serve", "--account", account])
        #expect(result.status == 1)
        #expect(result.stderr.contains("credentials.api_token") && result.stderr.contains("CHORUS_TOKEN"))
    }

    @Test func anUnknownIntegrationIsNamed() throws {
        let path = TemporaryFiles.folder + "/bad-\(UUID().uuidString).json"
        try #"{"integration": "salesforce", "credentials": {}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try run(["serve", "--account", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("salesforce") && result.stderr.contains("integration"))
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try run(["frobnicate"]).status == 2)
        #expect(try run(["serve", "--account"]).status == 2)
        #expect(try run(["--version"]).status == 0)
    }

    @Test func theAccountCanComeFromTheEnvironment() throws {
        let account = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9")
        let result = try run(["tools"], environment: ["CONDUIT_ACCOUNT": account, "CHORUS_TOKEN": "x"])
        #expect(result.status == 0)
        #expect(result.stdout.contains { $0.hasPrefix("list_all_chorus_conversations") })
    }

    @Test func endOfInputLetsARunningCallFinishThenExitsZero() throws {
        let fake = try LoopbackHTTPServer { request in
            usleep(500_000)
            return FakeChorus.handle(request)
        }
        defer { fake.stop() }
        let account = try FakeChorus.accountFile(baseURL: fake.baseURL)
        let conduit = try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": FakeChorus.token], transcriptName: "eof")
        conduit.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": .object(initializeParams("2025-11-25"))], revision: "2025-11-25")
        conduit.send(["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "list_all_chorus_me", "arguments": [:]]], revision: "2025-11-25")
        conduit.closeInput()
        #expect(conduit.waitForExit(timeout: 8) == 0)
        #expect(conduit.output.contains { $0.contains("\"id\":2") })
    }

    @Test func sigtermExitsPromptly() throws {
        let account = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9")
        let conduit = try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": "x"])
        _ = conduit.request(1, "initialize", initializeParams("2025-11-25"), revision: "2025-11-25")
        let start = Date()
        conduit.terminate()
        #expect(conduit.waitForExit(timeout: 3) != nil)
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func everyStdoutLineIsJSONEvenForHostileInput() throws {
        let account = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9")
        let conduit = try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": "x"], transcriptName: "hostile")
        defer { conduit.terminate() }
        conduit.setRevisionForTranscript("2025-11-25")
        for line in ["{", "[]", "null", "\"text\"", #"{"jsonrpc":"2.0","id":{},"method":"x"}"#, String(repeating: "[", count: 5000)] {
            conduit.send(line)
        }
        conduit.stdinRaw([0x7B, 0xFF, 0xFE, 0x7D, 0x0A])
        let huge = #"{"jsonrpc":"2.0","id":77,"method":"ping","params":{"pad":""# + String(repeating: "a", count: 10 * 1024 * 1024) + #""}}"#
        conduit.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": .object(initializeParams("2025-11-25"))], revision: "2025-11-25")
        conduit.expectResponse(id: 77, method: "ping", revision: "2025-11-25")
        conduit.send(huge)
        #expect(conduit.response(to: 77, timeout: 20)?["result"] == .object([:]))
        let lines = conduit.output
        #expect(lines.count >= 8)
        for line in lines { #expect((try? JSONValue.parse(line)) != nil, "not JSON: \(line.prefix(200))") }
        #expect(lines.filter { $0.contains("-32700") }.count >= 3)
    }

    @Test func anExpiredServerRefusesToStart() throws {
        let account = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9", server: ["expires_at": "2020-01-01T00:00:00Z"])
        let result = try run(["serve", "--account", account], environment: ["CHORUS_TOKEN": "x"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("server.expires_at") && result.stderr.contains("expired"))
        #expect(result.stdout.isEmpty)
    }

    @Test func theAPITokenMustBeSetAndMatchItsHash() throws {
        let hash = SHA256.hexDigest(Array("let-me-in".utf8))
        let account = try FakeChorus.accountFile(
            baseURL: "http://127.0.0.1:9", server: ["require_api_token_auth": true, "api_token_sha256": .string(hash)])
        let missing = try run(["tools", "--account", account], environment: ["CHORUS_TOKEN": "x"])
        #expect(missing.status == 1 && missing.stderr.contains("CONDUIT_API_TOKEN is not set"))
        let wrong = try run(["tools", "--account", account], environment: ["CHORUS_TOKEN": "x", "CONDUIT_API_TOKEN": "guess"])
        #expect(wrong.status == 1 && wrong.stderr.contains("does not match"))
        #expect(!wrong.stderr.contains("guess"))
        let right = try run(["tools", "--account", account], environment: ["CHORUS_TOKEN": "x", "CONDUIT_API_TOKEN": "let-me-in"])
        #expect(right.status == 0)
    }

    @Test func filtersDecideWhatIsListedAndWhatIsCallable() throws {
        let account = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9", server: ["methods": ["read"], "tags": ["users"]])
        let listed = try run(["tools", "--account", account], environment: ["CHORUS_TOKEN": "x"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains { $0.hasPrefix("list_all_chorus_me") })
        #expect(!listed.stdout.contains { $0.hasPrefix("list_all_chorus_conversations") || $0.hasPrefix("create_") || $0.hasPrefix("delete_") })

        let conduit = try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": "x"], transcriptName: "filters")
        defer { conduit.terminate() }
        _ = conduit.request(1, "initialize", initializeParams("2025-11-25"), revision: "2025-11-25")
        let hidden = conduit.request(2, "tools/call", ["name": "delete_a_chorus_conversation_by_id", "arguments": ["id": "x"]], revision: "2025-11-25")
        #expect(hidden?["error"]?["code"] == -32602)
        #expect(hidden?["error"]?["message"] == "Invalid params: Unknown tool: delete_a_chorus_conversation_by_id")

        let nothing = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9", server: ["tags": ["no-such-tag"]])
        let refused = try run(["serve", "--account", nothing], environment: ["CHORUS_TOKEN": "x"])
        #expect(refused.status == 1 && refused.stderr.contains("\"no-such-tag\" is not a tag of this integration"), "\(refused.stderr)")

        // A misspelt method group is named as such, with the likely intent.
        let typo = try FakeChorus.accountFile(baseURL: "http://127.0.0.1:9", server: ["methods": ["reed"]])
        let misspelt = try run(["serve", "--account", typo], environment: ["CHORUS_TOKEN": "x"])
        #expect(misspelt.status == 1)
        #expect(misspelt.stderr.contains("\"reed\" is neither read, write, custom nor a method name") && misspelt.stderr.contains("did you mean \"read\"?"))
        #expect(!misspelt.stderr.contains("leave no tools"))
    }

    /// `conduit check` reads the whole account file and lists every problem in one run.
    @Test func checkListsEveryProblemOfTheAccountFile() throws {
        let account = TemporaryFiles.folder + "/account-\(UUID().uuidString).json"
        let text = #"""
            {"integration": "gong", "credentials": {"access_key": "${UNSET_GONG_KEY_FOR_TEST}", "access_key_secret": "s3cret-value"},
             "server": {"tool_exposure": "everything", "expires_at": "next tuesday", "methods": ["reed"]},
             "timeouts": {"idle_seconds": -1}, "colour": "blue"}
            """#
        try text.write(toFile: account, atomically: true, encoding: .utf8)
        let checked = try run(["check", "--account", account], environment: [:])
        #expect(checked.status == 1)
        for expected in [
            "unknown field \"colour\"", "UNSET_GONG_KEY_FOR_TEST, which is not set", "\"server.tool_exposure\" must be",
            "\"server.expires_at\" must be", "\"timeouts.idle_seconds\" must be", "\"reed\" is neither read",
        ] {
            #expect(checked.stderr.contains(expected), "missing \(expected) in:\n\(checked.stderr)")
        }
        #expect(checked.stderr.contains("6 problems found"), "\(checked.stderr)")
        #expect(!checked.stderr.contains("s3cret-value"))
    }

    @Test func discoveryExposureFindsDescribesAndRunsToolsWithinTheFilters() throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let account = try FakeChorus.accountFile(baseURL: fake.baseURL, server: ["tool_exposure": "discovery", "methods": ["read"]])
        let listed = try run(["tools", "--account", account], environment: ["CHORUS_TOKEN": FakeChorus.token])
        #expect(listed.status == 0 && listed.stdout.first?.hasPrefix("search_tools") == true)

        let conduit = try ConduitProcess(["serve", "--account", account], environment: ["CHORUS_TOKEN": FakeChorus.token], transcriptName: "discovery")
        defer { conduit.terminate() }
        _ = conduit.request(1, "initialize", initializeParams("2025-11-25"), revision: "2025-11-25")
        let tools = conduit.request(2, "tools/list", revision: "2025-11-25")?["result"]?["tools"]?.arrayValue ?? []
        #expect(tools.compactMap { $0["name"]?.stringValue } == ["search_tools", "get_tool_schema", "call_tool"])

        let search = conduit.request(3, "tools/call", ["name": "search_tools", "arguments": ["query": "conversations"]], revision: "2025-11-25")
        let matches = search?["result"]?["structuredContent"]?["matches"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(matches.contains("list_all_chorus_conversations"))
        #expect(!matches.contains { $0.hasPrefix("delete_") })

        let schema = conduit.request(4, "tools/call", ["name": "get_tool_schema", "arguments": ["names": ["list_all_chorus_conversation"]]], revision: "2025-11-25")
        #expect(schema?["result"]?["isError"] == true)
        #expect(schema?["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("did you mean \"list_all_chorus_conversations\"") == true)

        let ran = conduit.request(
            5, "tools/call", ["name": "call_tool", "arguments": ["name": "list_all_chorus_conversations", "arguments": ["limit": 2]]],
            revision: "2025-11-25")
        #expect(ran?["result"]?["structuredContent"]?["result"]?.arrayValue?.count == 2)
        #expect(fake.requests.contains { $0.path == "/v3/engagements" })

        let hidden = conduit.request(
            6, "tools/call", ["name": "call_tool", "arguments": ["name": "delete_a_chorus_conversation_by_id", "arguments": ["id": "x"]]],
            revision: "2025-11-25")
        #expect(hidden?["result"]?["isError"] == true)
        #expect(hidden?["result"]?["structuredContent"]?["error"]?["type"] == "unknown_tool")
        #expect(!fake.requests.contains { $0.method == "DELETE" })

        let direct = conduit.request(7, "tools/call", ["name": "list_all_chorus_conversations", "arguments": [:]], revision: "2025-11-25")
        #expect(direct?["error"]?["code"] == -32602)
    }
}
