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
        case .help:
            print(CommandLineArguments.usage)
            return 0
        case .version:
            print("conduit \(ConduitVersion.current)")
            return 0
        case .serve(let account, let sandbox, let level):
            let configuration = try prepare(account: account, sandbox: sandbox, environment: environment)
            serve(configuration, log: DiagnosticLog(level: level))
        case .tools(let account, let sandbox, let json):
            let configuration = try prepare(account: account, sandbox: sandbox, environment: environment)
            printTools(configuration, json: json)
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
        }
    }

    /// The server configuration for an account file, or for a sandbox (whose stand-in
    /// starts here and runs until the process exits).
    static func prepare(account: String?, sandbox: String?, environment: [String: String]) throws -> ServerConfiguration {
        guard let sandbox else { return try Startup.prepare(accountPath: account, environment: environment) }
        if account != nil { throw UsageError(message: "--account and --sandbox cannot be combined: a sandbox brings its own made-up account") }
        guard Sandbox.names.contains(sandbox) else {
            throw UsageError(message: "there is no sandbox named '\(sandbox)' (sandboxes: \(Sandbox.names.joined(separator: ", ")))")
        }
        return try Startup.prepareSandbox(sandbox).configuration
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
            print("\n\(configuration.sandboxNotice) Try: conduit call \(tools.first { $0.kind == .list }?.name ?? tools[0].name) --sandbox \(configuration.definition.name)")
        }
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
                message = "unknown tool '\(name)'; 'conduit tools\(configuration.isSandbox ? " --sandbox \(configuration.definition.name)" : "")' lists them"
            }
            throw UsageError(message: message)
        }
        if configuration.isSandbox { writeFully(2, Array("conduit: \(configuration.sandboxNotice)\n".utf8)) }
        let outcome = Mutex<ToolCallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task { [work] in
            let result = await dispatch.run(work, context: CallContext())
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        let result = outcome.withLock { $0 }!
        print(CallOutput.render(result, pretty: isatty(1) == 1))
        return result.isError ? 1 : 0
    }

    static func check(_ account: String?, environment: [String: String]) -> Int32 {
        do {
            let configuration = try Startup.prepare(accountPath: account, environment: environment, collectAll: true)
            print("ok: \(configuration.definition.title), \(configuration.catalog.visible.count) tools exposed")
            return 0
        } catch {
            for problem in error.problems { writeFully(2, Array("\(problem)\n".utf8)) }
            writeFully(2, Array("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") found\n".utf8))
            return 1
        }
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
