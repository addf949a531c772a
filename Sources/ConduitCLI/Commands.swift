import Conduit
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What each command does, returning the exit code.
enum Commands {
    static func run(_ command: CommandLineArguments, environment: [String: String]) throws -> Int32 {
        switch command {
        case .help(let command):
            print(command.flatMap(CommandLineArguments.help(for:)) ?? CommandLineArguments.usage)
            return 0
        case .bare:
            // On a terminal, a person typed `conduit`: show the help. Otherwise something
            // (perhaps an MCP client configured without `serve`) reads stdout, which must
            // not receive text that is not protocol.
            if isatty(1) == 1 {
                print(CommandLineArguments.usage)
                return 0
            }
            writeFully(2, Array("\(CommandLineArguments.usage)\n\nconduit: no command given; an MCP client runs 'conduit serve --account FILE'\n".utf8))
            return 2
        case .version:
            print("conduit \(ConduitVersion.current)")
            return 0
        case .serve(let account, let sandbox, let level):
            let configuration = try prepare(account: account, sandbox: sandbox, environment: environment)
            serve(configuration, log: DiagnosticLog(level: level))
        case .tools(let name, let account, let sandbox, let json):
            let configuration = try prepare(account: account, sandbox: sandbox, environment: environment)
            if let name {
                try printTool(name, configuration: configuration, accountPath: account, json: json)
            } else {
                printTools(configuration, json: json)
            }
            return 0
        case .call(let tool, let arguments, let account, let sandbox):
            // Usage mistakes in --args are found before anything starts.
            let parsed = try parseArguments(arguments)
            let configuration = try prepare(account: account, sandbox: sandbox, environment: environment)
            return try call(tool, arguments: parsed, configuration: configuration)
        case .check(let account):
            return check(account, environment: environment)
        case .integrations(let name):
            return try integrations(name)
        case .importOpenAPI(let spec, let name, let output, let includeUndocumented):
            return importOpenAPI(spec, options: OpenAPIImportOptions(name: name, includeUndocumented: includeUndocumented), output: output)
        }
    }

    /// The server configuration for an account file, or for a sandbox (whose stand-in
    /// starts here and runs until the process exits).
    static func prepare(account: String?, sandbox: String?, environment: [String: String]) throws -> ServerConfiguration {
        guard let sandbox else { return try Startup.prepare(accountPath: account, environment: environment) }
        if account != nil { throw UsageError(message: "--account and --sandbox cannot be combined: a sandbox brings its own made-up account") }
        if Sandbox.names.contains(sandbox) { return try Startup.prepareSandbox(sandbox).configuration }
        guard FileManager.default.fileExists(atPath: sandbox) else {
            throw UsageError(
                message: "there is no sandbox named '\(sandbox)' (sandboxes: \(Sandbox.names.joined(separator: ", ")); or name an OpenAPI document to run its stand-in)")
        }
        return try Startup.prepareSpecSandbox(sandbox).configuration
    }

    /// Speaks MCP until stdin closes; never returns.
    static func serve(_ configuration: ServerConfiguration, log: DiagnosticLog) -> Never {
        signal(SIGPIPE, SIG_IGN)
        MessageWriter.widenPipe(1)
        let writer = MessageWriter(onBrokenPipe: {
            // The client has gone: nobody can read anything more.
            exit(0)
        })
        let server = MCPServer(
            configuration: configuration, writer: writer, log: log,
            invoker: UpstreamClient(configuration))
        let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        signal(SIGTERM, SIG_IGN)
        terminate.setEventHandler { exit(0) }
        terminate.resume()
        let ended = DispatchSemaphore(value: 0)
        let reader = LineReader(
            onLine: { server.receive($0) },
            onOversizedLine: { server.receiveOversizedLine() },
            onEnd: { ended.signal() })
        log.log(.info, "serving \(configuration.catalog.visible.count) \(configuration.definition.title) tools")
        if let report = configuration.importReport {
            log.log(.info, "imported from OpenAPI: \(report.summary); 'conduit import openapi' prints the whole report")
        }
        if configuration.isSandbox { log.log(.notice, "\(configuration.sandboxNotice) Stand-in API: \(configuration.account.baseURL ?? "")") }
        // Files from earlier runs older than files.retention_hours go now.
        let swept = FileStore(settings: configuration.account.files).sweep()
        if swept > 0 { log.log(.info, "removed \(swept) downloaded file\(swept == 1 ? "" : "s") past the retention period") }
        reader.start()
        ended.wait()
        server.drain()
        exit(0)
    }

    static func printTools(_ configuration: ServerConfiguration, json: Bool) {
        let tools = configuration.catalog.visible
        let discovery = configuration.account.settings.toolExposure == .discovery
        if json {
            let rendered: [JSONValue] =
                discovery
                ? DiscoveryTools(catalog: configuration.catalog).render(revision: .v2026_07_28)
                : tools.map { ToolRendering.render($0, revision: .v2026_07_28) }
            print(JSONValue.array(rendered).prettyJSONString)
            if configuration.isSandbox { writeFully(2, Array("conduit: \(configuration.sandboxNotice)\n".utf8)) }
            return
        }
        var rows = tools.map { ($0.name, $0.title) }
        if discovery {
            rows = DiscoveryTools(catalog: configuration.catalog).render(revision: .v2026_07_28).map {
                ($0["name"]?.stringValue ?? "", $0["title"]?.stringValue ?? "")
            }
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (name, title) in rows {
            print("\(name)\(String(repeating: " ", count: width - name.count))  \(title)")
        }
        if discovery {
            print("\ntool_exposure is \"discovery\": clients see these three meta-tools, through which \(tools.count) tools are reachable.")
        }
        if configuration.isSandbox {
            print("\n\(configuration.sandboxNotice)")
            if let tool = tools.first(where: { $0.kind == .list && !$0.method.examples.isEmpty }) ?? tools.first(where: { !$0.method.examples.isEmpty }) {
                print("Try: \(exampleCommand(tool, arguments: tool.method.examples[0].arguments, configuration: configuration, accountPath: nil))")
            }
            print("One tool's arguments and examples: conduit tools TOOL --sandbox \(configuration.sandboxFlag)")
        }
    }

    /// A `conduit call` command line that runs `tool` with `arguments` as printed.
    static func exampleCommand(_ tool: Tool, arguments: JSONObject, configuration: ServerConfiguration, accountPath: String?) -> String {
        // In discovery mode the tool is reached through call_tool, from the shell as from a client.
        let discovery = configuration.account.settings.toolExposure == .discovery
        let arguments: JSONObject = discovery ? ["name": .string(tool.name), "arguments": .object(arguments)] : arguments
        var command = "conduit call \(discovery ? DiscoveryTools.callName : tool.name)"
        if configuration.isSandbox {
            command += " --sandbox \(configuration.sandboxFlag)"
        } else if let accountPath {
            command += " --account \(shellQuoted(accountPath))"
        }
        if !arguments.isEmpty { command += " --args \(shellQuoted(JSONValue.object(arguments).jsonString))" }
        return command
    }

    /// `text` as one word for a POSIX shell.
    static func shellQuoted(_ text: String) -> String {
        if !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@".contains($0) }) { return text }
        return "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// `conduit tools NAME`: one tool's description, arguments and examples.
    static func printTool(_ name: String, configuration: ServerConfiguration, accountPath: String?, json: Bool) throws {
        guard let tool = configuration.catalog.tool(named: name) else {
            throw UsageError(message: unknownToolMessage(name, configuration: configuration))
        }
        if json {
            print(ToolRendering.render(tool, revision: .v2026_07_28).prettyJSONString)
            return
        }
        print("\(tool.name) — \(tool.title)")
        print("")
        print(tool.description)
        let properties = tool.inputSchema["properties"]?.objectValue ?? [:]
        let required = Set((tool.inputSchema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        print("")
        print(properties.isEmpty ? "Arguments: none" : "Arguments:")
        for (argument, schema) in properties {
            print("  \(argument)  \(typeSummary(schema))\(required.contains(argument) ? ", required" : "")")
            if let description = schema["description"]?.stringValue, !description.isEmpty {
                for line in description.split(separator: "\n") { print("      \(line)") }
            }
        }
        if configuration.account.settings.toolExposure == .discovery {
            print("\ntool_exposure is \"discovery\": a client reaches this tool through \(DiscoveryTools.callName).")
        }
        let examples = tool.method.examples
        guard !examples.isEmpty else { return }
        print("")
        print("Examples:")
        for example in examples {
            if let description = example.description { print("  \(description)") }
            print("  \(exampleCommand(tool, arguments: example.arguments, configuration: configuration, accountPath: accountPath))")
        }
    }

    /// A short type for an argument's schema: `string`, `integer`, `array of string`,
    /// `one of: a, b, c`, with the format where there is one.
    static func typeSummary(_ schema: JSONValue) -> String {
        if let choices = schema["enum"]?.arrayValue, !choices.isEmpty {
            let listed = choices.prefix(12).map { $0.stringValue ?? $0.jsonString }.joined(separator: ", ")
            return "one of: \(listed)\(choices.count > 12 ? ", …" : "")"
        }
        var type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " or ") ?? "any"
        if type == "array", let items = schema["items"] { type = "array of \(typeSummary(items))" }
        if let format = schema["format"]?.stringValue { type += " (\(format))" }
        return type
    }

    /// "unknown tool", with the closest names when some are close.
    static func unknownToolMessage(_ name: String, configuration: ServerConfiguration) -> String {
        let close = DiscoveryTools(catalog: configuration.catalog).suggestions(for: name)
        let hint = close.isEmpty ? "" : " (did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?)"
        return "unknown tool '\(name)'\(hint); 'conduit tools\(configuration.isSandbox ? " --sandbox \(configuration.sandboxFlag)" : "")' lists them"
    }

    /// `--args`: inline JSON, or `@FILE` naming a file that holds it. Absent means `{}`.
    static func parseArguments(_ argumentText: String?) throws -> JSONObject {
        guard var text = argumentText else { return [:] }
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UsageError(message: "--args: cannot read \(path)")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(text)
        } catch {
            throw UsageError(message: "--args is not valid JSON (\(error)); pass an object, e.g. --args '{\"limit\": 5}'")
        }
        guard case .object(let object) = parsed else {
            throw UsageError(message: "--args must be a JSON object, e.g. --args '{\"limit\": 5}', not \(parsed.typeName == "array" ? "an" : "a") \(parsed.typeName)")
        }
        return object
    }

    /// Runs one tool call through the same dispatch as `tools/call` (filters, discovery
    /// mode and expiry alike) and prints the result's structured content (with
    /// `"isError": true` added on failure): indented for a terminal, one line when piped.
    /// Exit 0 on success, 1 for an error result.
    static func call(_ name: String, arguments: JSONObject, configuration: ServerConfiguration) throws -> Int32 {
        let dispatch = ToolDispatch(configuration: configuration, invoker: UpstreamClient(configuration))
        guard let work = dispatch.resolve(name, arguments: arguments, revision: .v2026_07_28) else {
            let message: String
            if dispatch.isReachedThroughCallTool(name) {
                message = "'\(name)' is reached through \(DiscoveryTools.callName) (tool_exposure is \"discovery\"): conduit call \(DiscoveryTools.callName) --args '{\"name\": \"\(name)\", \"arguments\": {}}'"
            } else {
                message = unknownToolMessage(name, configuration: configuration)
            }
            throw UsageError(message: message)
        }
        if configuration.isSandbox { writeFully(2, Array("conduit: \(configuration.sandboxNotice)\n".utf8)) }
        let outcome = Mutex<ToolCallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        // Long work (a download) shows how far it got, on a terminal only.
        let line = isatty(2) == 1 ? ProgressLine() : nil
        let context = CallContext(progress: { done, total, message in line?.show(done: done, total: total, message: message) })
        Task { [work] in
            let result = await dispatch.run(work, context: context)
            line?.clear()
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        let result = outcome.withLock { $0 }!
        print(CallOutput.render(result, pretty: isatty(1) == 1))
        return result.isError ? 1 : 0
    }

    /// `conduit import openapi`: the definition to stdout or a file, the report to stderr.
    static func importOpenAPI(_ spec: String, options: OpenAPIImportOptions, output: String?) -> Int32 {
        let imported: OpenAPIImport
        do {
            imported = try OpenAPIImporter.importDocument(at: spec, options: options)
        } catch {
            for problem in error.problems { writeFully(2, Array("conduit: \(problem)\n".utf8)) }
            return 1
        }
        let text = imported.definition.prettyJSONString + "\n"
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                writeFully(2, Array("conduit: --output: cannot write \(output)\n".utf8))
                return 1
            }
        } else {
            writeFully(1, Array(text.utf8))
        }
        var report = imported.report.rendered()
        report += "\n\nUse it: {\"integration\": \"\(output ?? "<the definition file>")\", \"credentials\": {…}} in an account file, then conduit check --account FILE."
        writeFully(2, Array((report + "\n").utf8))
        return 0
    }

    static func check(_ account: String?, environment: [String: String]) -> Int32 {
        do {
            let configuration = try Startup.prepare(accountPath: account, environment: environment, collectAll: true)
            print("ok: \(configuration.definition.title), \(configuration.catalog.visible.count) tools exposed")
            print(credentialSummary(configuration.definition, chosen: try? configuration.auth.get()))
            if let report = configuration.importReport {
                print("imported from OpenAPI: \(report.summary)")
                for line in report.simplifications.prefix(5) { print("  simplified: \(line)") }
                if let recommendation = report.recommendation { print("  recommended: \(recommendation)") }
            }
            return 0
        } catch {
            for problem in error.problems { writeFully(2, Array("\(problem)\n".utf8)) }
            writeFully(2, Array("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") found\n".utf8))
            return 1
        }
    }

    /// The credential names an account may give, scheme by scheme, and the scheme in use.
    static func credentialSummary(_ definition: IntegrationDefinition, chosen: AuthScheme?) -> String {
        let schemes = definition.auth.map { scheme -> String in
            let names = scheme.credentialNames.isEmpty ? "no credentials" : scheme.credentialNames.joined(separator: " + ")
            let inUse = chosen.map { $0.typeName == scheme.typeName && $0.credentialNames == scheme.credentialNames } ?? false
            return "\(names) (\(scheme.typeName))\(inUse ? " ← in use" : "")"
        }
        return "credentials (one of): " + schemes.joined(separator: "; ")
    }

    /// `text` padded with spaces to `width` characters, for aligned columns.
    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func integrations(_ name: String?) throws -> Int32 {
        guard let name else {
            for bundled in BundledIntegrations.names {
                let loaded = try DefinitionLoader.load(bundled)
                print("\(bundled)\t\(loaded.definition.title)\t\(loaded.tools.count) tools")
            }
            return 0
        }
        let loaded = try DefinitionLoader.load(name)
        let definition = loaded.definition
        print("\(definition.title) (\(definition.name)) — \(definition.baseURL)")
        print(definition.description)
        print("credentials: " + definition.credentials.map(\.name).joined(separator: ", "))
        print("auth: " + definition.auth.map { "\($0.typeName) (\($0.credentialNames.joined(separator: " + ")))" }.joined(separator: " or "))
        for resource in definition.resources {
            print("\n\(resource.name)  [tags: \(resource.tags.joined(separator: ", "))]")
            for method in resource.methods {
                let tool = loaded.tools.first { $0.resource.name == resource.name && $0.method.name == method.name }
                let exposure = tool?.name ?? "(not exposed: no description)"
                print("  \(padded(method.name, 14)) \(padded(method.http, 6)) \(method.path)  →  \(exposure)")
            }
        }
        print("\n\(loaded.tools.count) tools")
        return 0
    }
}

/// What `conduit call` prints: the result's structured content, which is what a shell
/// user pipes into `jq` (for a file, its path, type, size and hash), with
/// `"isError": true` added when the call failed.
enum CallOutput {
    static func render(_ result: ToolCallResult, pretty: Bool) -> String {
        var printed = result.structured
        if result.isError { printed["isError"] = true }
        let text = pretty ? JSONValue.object(printed).prettyJSONString : JSONValue.object(printed).jsonString
        return SecretRedactor.shared.redact(text)
    }
}

/// One self-rewriting stderr line for `conduit call` on a terminal: what the call is
/// doing and, for a transfer, how many bytes of how many. Shown only once the call has
/// run for a second, rewritten at most five times a second, erased when the call ends.
final class ProgressLine: Sendable {
    private struct State {
        var started = Date()
        var lastShown: Date?
        var message = ""
    }

    private let state = Mutex(State())

    func show(done: Double, total: Double?, message: String?) {
        let now = Date()
        let text: String? = state.withLock { state in
            if let message { state.message = message }
            guard now.timeIntervalSince(state.started) >= 1 else { return nil }
            if let last = state.lastShown, now.timeIntervalSince(last) < 0.2 { return nil }
            state.lastShown = now
            var text = "conduit: \(state.message.isEmpty ? "working" : state.message)"
            if done > 0 {
                text += " — \(Self.megabytes(done))"
                if let total, total > 0 { text += " of \(Self.megabytes(total)) (\(Int(done / total * 100))%)" }
            }
            return text
        }
        // Carriage return, the text, then erase what a longer earlier line left.
        if let text { writeFully(2, Array("\r\(text)\u{1B}[K".utf8)) }
    }

    func clear() {
        let shown = state.withLock { $0.lastShown != nil }
        if shown { writeFully(2, Array("\r\u{1B}[K".utf8)) }
    }

    private static func megabytes(_ bytes: Double) -> String {
        let tenths = Int((bytes / 1_000_000 * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) MB"
    }
}
