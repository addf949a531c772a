import Conduit
import Foundation
import Testing

/// Every command conduit or its documentation suggests works as printed: the README's and
/// the sandbox guide's command blocks, the examples in each command's --help, and the
/// "Try:" line under each sandbox's tool list. Each runs through bash, as a user pastes it,
/// with `conduit` (or `.build/release/conduit`) meaning the binary under test.
@Suite(.serialized) struct SuggestedCommandsTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs one suggested command line; no credentials, no standard input.
    private func run(_ line: String) throws -> FinishedProcess {
        var command = line.trimmingCharacters(in: .whitespaces)
        if command == "conduit" { command += " " }
        for prefix in [".build/release/conduit ", "conduit "] where command.hasPrefix(prefix) {
            command = "'\(ConduitProcess.binaryPath)' " + command.dropFirst(prefix.count)
        }
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CONDUIT_") || $0.key == "CONDUIT_BINARY" }
        return try runToEnd("/bin/bash", ["-c", command], environment: environment, directory: Self.root)
    }

    /// The conduit command lines of a document's ```sh blocks (continuations joined,
    /// comments dropped), except builds, installs and those that need an account.
    private static func documentedCommands(_ file: String) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        var commands: [String] = []
        for block in text.components(separatedBy: "```sh\n").dropFirst() {
            let body = block.components(separatedBy: "```")[0].replacingOccurrences(of: "\\\n", with: " ")
            for raw in body.split(separator: "\n") {
                var line = String(raw)
                if let comment = line.range(of: "  #") { line = String(line[..<comment.lowerBound]) }
                line = line.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("conduit ") || line.hasPrefix(".build/release/conduit ") else { continue }
                guard !line.contains("--account"), !line.hasSuffix(" serve"), !line.contains(" serve ") else { continue }
                commands.append(line)
            }
        }
        return commands
    }

    @Test(arguments: ["README.md", "Docs/sandbox.md"])
    func theDocumentsCommandsWork(file: String) throws {
        let commands = try Self.documentedCommands(file)
        #expect(!commands.isEmpty, "\(file) shows no conduit command")
        for command in commands {
            let outcome = try run(command)
            #expect(outcome.status == 0, "\(file): `\(command)` exited \(outcome.status): \(outcome.stderr.suffix(400))")
            #expect(!outcome.stdout.contains("\"isError\""), "\(file): `\(command)` answered an error: \(outcome.stdout.prefix(400))")
        }
    }

    /// Lines under "Example:"/"Examples:" (and "Try it:") in the help texts.
    @Test func theHelpExamplesWork() throws {
        var commands: [String] = []
        for command in ["serve", "tools", "call", "check", "integrations"] {
            let help = try run("conduit \(command) --help")
            #expect(help.status == 0 && help.stdout.hasPrefix("conduit \(command)"), "conduit \(command) --help: \(help.stderr)")
            let examples = help.stdout.components(separatedBy: "Example")
            guard examples.count > 1 else { continue }
            for line in examples[1].split(separator: "\n").dropFirst() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                // Up to two spaces then a parenthesised note may follow a command.
                let command = trimmed.components(separatedBy: "    (")[0]
                if command.hasPrefix("conduit "), command.contains("--sandbox") || command.hasPrefix("conduit integrations") {
                    commands.append(command)
                }
            }
        }
        let usage = try run("conduit --help")
        let tryIt = try #require(usage.stdout.split(separator: "\n").first { $0.hasPrefix("Try it: ") })
        commands.append(String(tryIt.dropFirst("Try it: ".count)))
        #expect(commands.count >= 5, "\(commands)")
        for command in commands {
            let outcome = try run(command)
            #expect(outcome.status == 0, "`\(command)` exited \(outcome.status): \(outcome.stderr.suffix(400))")
        }
    }

    @Test(arguments: Sandbox.names)
    func theSandboxToolListsTryLineWorks(sandbox: String) throws {
        let listing = try run("conduit tools --sandbox \(sandbox)")
        #expect(listing.status == 0)
        let tryLine = try #require(listing.stdout.split(separator: "\n").first { $0.hasPrefix("Try: ") }, "\(listing.stdout.suffix(500))")
        let outcome = try run(String(tryLine.dropFirst("Try: ".count)))
        #expect(outcome.status == 0, "`\(tryLine)` exited \(outcome.status): \(outcome.stdout.prefix(300)) \(outcome.stderr.suffix(300))")
    }

    @Test func oneToolsHelpShowsItsArgumentsAndExamplesThatWork() throws {
        let outcome = try run("conduit tools list_all_gong_calls --sandbox gong")
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("fromDateTime  string (date-time), required"))
        let examples = outcome.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("conduit call ") }
        #expect(!examples.isEmpty)
        for example in examples {
            let ran = try run(example)
            #expect(ran.status == 0, "`\(example)`: \(ran.stdout.prefix(300))")
        }
        let typo = try run("conduit tools list_all_gong_cals --sandbox gong")
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean 'list_all_gong_calls'"))
    }

    @Test(arguments: ["serve", "tools", "call", "check", "integrations", "import"])
    func everyCommandExplainsItself(command: String) throws {
        for spelling in ["conduit \(command) --help", "conduit \(command) -h", "conduit help \(command)"] {
            let outcome = try run(spelling)
            #expect(outcome.status == 0, "`\(spelling)`: \(outcome.stderr)")
            #expect(outcome.stdout.hasPrefix("conduit \(command)"), "`\(spelling)`: \(outcome.stdout.prefix(200))")
        }
    }

    @Test func bareConduitPrintsHelpWithoutWritingToAPipedStdout() throws {
        let outcome = try run("conduit")
        #expect(outcome.status == 2)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("Usage:") && outcome.stderr.contains("conduit serve"))
    }
}
