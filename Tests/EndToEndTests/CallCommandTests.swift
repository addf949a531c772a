import Conduit
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `conduit call`: one tool call from the shell, through the same path as `tools/call`.
@Suite(.serialized) struct CallCommandTests {
    private struct Outcome {
        var status: Int32?
        var stdout: [String]
        var stderr: String
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let conduit = try ConduitProcess(arguments, environment: environment)
        conduit.closeInput()
        let status = conduit.waitForExit(timeout: 20)
        usleep(50_000)
        return Outcome(status: status, stdout: conduit.output, stderr: conduit.standardError)
    }

    @Test func aSuccessfulCallPrintsOneLineOfJSONWhenPipedAndExitsZero() throws {
        let outcome = try run(["call", "list_all_chorus_conversations", "--sandbox", "chorus", "--args", #"{"engagement_type": "meeting", "limit": 3}"#])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.count == 1)
        let printed = try JSONValue.parse(try #require(outcome.stdout.first))
        #expect(printed["result"]?.arrayValue?.count == 3)
        #expect(printed["next_cursor"]?.stringValue != nil)
        #expect(printed["isError"] == nil)
        #expect(outcome.stderr.contains("SANDBOX"))
    }

    /// `conduit call` follows the account's tool_exposure like tools/call: in discovery
    /// mode a tool is reached through call_tool, and naming it directly says how.
    @Test func discoveryModeReachesToolsThroughCallToolAsAClientWould() throws {
        let fake = try FakeChorus.start()
        defer { fake.stop() }
        let account = try FakeChorus.accountFile(baseURL: fake.baseURL, server: ["tool_exposure": "discovery"])
        let environment = ["CHORUS_TOKEN": FakeChorus.token]

        let direct = try run(["call", "list_all_chorus_conversations", "--account", account], environment: environment)
        #expect(direct.status == 2)
        #expect(direct.stdout.isEmpty)
        #expect(direct.stderr.contains("conduit call call_tool --args"), "\(direct.stderr)")
        #expect(fake.requests.isEmpty)

        let through = try run(
            ["call", "call_tool", "--account", account, "--args", #"{"name": "list_all_chorus_conversations", "arguments": {"limit": 2}}"#],
            environment: environment)
        #expect(through.status == 0, "\(through.stderr)")
        let printed = try JSONValue.parse(try #require(through.stdout.first))
        #expect(printed["result"]?.arrayValue?.count == 2)
        #expect(fake.requests.count == 1)
    }

    @Test func responseFieldsKeepOnlyTheNamedFieldsOfEachRecord() throws {
        let outcome = try run([
            "call", "list_all_chorus_conversations", "--sandbox", "chorus", "--args",
            #"{"limit": 4, "response_fields": ["engagement_id", "subject"]}"#,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let printed = try JSONValue.parse(try #require(outcome.stdout.first))
        let records = try #require(printed["result"]?.arrayValue)
        #expect(records.count == 4)
        for record in records {
            #expect(Set(record.objectValue?.keys.map { $0 } ?? []) == ["engagement_id", "subject"], "\(record.jsonString)")
        }
        #expect(printed["next_cursor"]?.stringValue != nil)
    }

    @Test func anErrorResultExitsOneAndIsMarked() throws {
        let outcome = try run(["call", "get_single_chorus_conversation_by_id", "--sandbox", "chorus", "--args", #"{"id": "NO-SUCH-CONVERSATION"}"#])
        #expect(outcome.status == 1)
        let printed = try JSONValue.parse(try #require(outcome.stdout.first))
        #expect(printed["isError"] == true)
        #expect(printed["error"]?["status"] == 404)
    }

    @Test func argumentMistakesTheToolRefusesAreErrorResults() throws {
        let outcome = try run(["call", "get_single_gong_call_by_id", "--sandbox", "gong", "--args", #"{"id": "not-a-number"}"#])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.first?.contains("invalid_arguments") == true)
    }

    @Test(arguments: [
        ["call", "list_all_chorus_me", "--sandbox", "chorus", "--args", "{not json"],
        ["call", "list_all_chorus_me", "--sandbox", "chorus", "--args", "[1, 2]"],
        ["call", "list_all_chorus_me", "--sandbox", "chorus", "--args", "@/nonexistent/arguments.json"],
        ["call", "no_such_tool", "--sandbox", "chorus"],
        ["call", "list_all_chorus_me", "--sandbox", "salesforce"],
        ["call", "list_all_chorus_me", "--sandbox", "chorus", "--account", "/tmp/account.json"],
        ["call", "list_all_chorus_me", "--sandbox", "chorus", "--frobnicate"],
        ["call", "--sandbox", "chorus"],
    ])
    func usageMistakesExitTwoWithNothingOnStdout(arguments: [String]) throws {
        let outcome = try run(arguments)
        #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix("conduit: "))
    }

    @Test func argumentsCanComeFromAFile() throws {
        let path = TemporaryFiles.folder + "/arguments-\(UUID().uuidString).json"
        try #"{"teamId": "3f1c2a9e-7b4d-4e8a-9c61-2d5b8f0a1e77"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try run(["call", "list_all_coviu_collections", "--sandbox", "coviu", "--args", "@" + path])
        #expect(outcome.status == 0)
        let printed = try JSONValue.parse(try #require(outcome.stdout.first))
        #expect(printed["result"]?.arrayValue?.count == 2)
    }

    @Test func toolsListsTheSandboxAndSaysItIsOne() throws {
        let outcome = try run(["tools", "--sandbox", "coviu"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains { $0.hasPrefix("list_all_coviu_sessions") })
        #expect(outcome.stdout.contains { $0.contains("SANDBOX") })
        let json = try run(["tools", "--sandbox", "coviu", "--json"])
        #expect(json.status == 0)
        #expect((try? JSONValue.parse(json.stdout.joined(separator: "\n")))?.arrayValue?.count == 19)
        #expect(json.stderr.contains("SANDBOX"))
    }

    /// On a terminal the result is indented. Runs the binary with a pseudo-terminal as stdout.
    @Test func aTerminalGetsIndentedJSON() throws {
        var primary: Int32 = -1
        var secondary: Int32 = -1
        guard openpty(&primary, &secondary, nil, nil, nil) == 0 else {
            Issue.record("openpty failed: \(String(cString: strerror(errno)))")
            return
        }
        defer { close(primary) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ConduitProcess.binaryPath)
        process.arguments = ["call", "list_all_chorus_me", "--sandbox", "chorus"]
        let terminal = FileHandle(fileDescriptor: secondary, closeOnDealloc: true)
        process.standardOutput = terminal
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try terminal.close()
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(primary, &buffer, buffer.count)
            if count <= 0 { break }  // EIO once the child has closed the terminal
            output += buffer[0..<count]
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: output, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let lines = text.split(separator: "\n")
        #expect(lines.count > 5, "\(text)")
        #expect(lines.first == "{")
        #expect(lines.contains { $0.hasPrefix("  \"result\": [") })
        let parsed = try JSONValue.parse(text)
        #expect(parsed["result"]?.arrayValue?.first?["attributes"]?["email"] == "john.smith@acme.com")
    }
}
