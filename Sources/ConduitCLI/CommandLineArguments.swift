import Conduit

/// A command line that cannot be understood; exit code 2.
struct UsageError: Error {
    var message: String
}

/// The parsed command line.
enum CommandLineArguments {
    /// `conduit --help`, `conduit help [COMMAND]`, `conduit COMMAND --help`.
    case help(command: String?)
    /// `conduit` alone.
    case bare
    case version
    case serve(account: String?, sandbox: String?, logLevel: LogLevel?)
    case tools(name: String?, account: String?, sandbox: String?, json: Bool)
    case call(tool: String, arguments: String?, account: String?, sandbox: String?)
    case check(account: String?)
    case integrations(name: String?)
    /// `conduit import openapi SPEC [--name NAME] [--output FILE] [--include-undocumented]`.
    case importOpenAPI(spec: String, name: String?, output: String?, includeUndocumented: Bool)

    static var usage: String {
        """
        conduit — a Model Context Protocol server for one SaaS account (Chorus, Gong, Coviu, or your own REST API)

        Usage:
          conduit serve [--account FILE | --sandbox NAME] [--log-level LEVEL]
                                       speak MCP on stdin/stdout (what an MCP client runs)
          conduit tools [TOOL] [--account FILE | --sandbox NAME] [--json]
                                       print the tools a client would see, after the account's filters,
                                       or one tool's arguments and examples
          conduit call TOOL [--args JSON | --args @FILE] [--account FILE | --sandbox NAME]
                                       run one tool call and print its structured result
                                       (indented on a terminal, one line when piped)
          conduit check [--account FILE]
                                       validate the account and its definition; list every problem
          conduit integrations [NAME]  list bundled integrations, or one's resources, methods and tools
          conduit import openapi SPEC [--name NAME] [--output FILE] [--include-undocumented]
                                       turn an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML) into a
                                       definition file; the report goes to stderr
          conduit COMMAND --help       what one command does, its options and examples
          conduit --help | --version

        Options:
          --account FILE     the account file (default: $CONDUIT_ACCOUNT)
          --sandbox NAME     instead of an account: \(Sandbox.names.joined(separator: ", ")) against conduit's built-in
                             offline stand-in of that API, with made-up sample data; or the path of an
                             OpenAPI document, against a stand-in built from the document
          --args JSON        the tool's arguments as one JSON object, or @FILE to read them from a file
          --log-level LEVEL  stderr diagnostics: debug, info, notice, warning, error (default: warning)
          --json             print tools as the JSON objects tools/list returns

        Try it: conduit call list_all_chorus_conversations --sandbox chorus

        Exit codes: 0 success, 1 failure (a tool result with isError, a start-up problem), 2 usage error
        (unknown command or flag, bad --args JSON, unreadable @FILE, unknown tool or sandbox).
        """
    }

    /// The commands, in the order help lists them.
    static let commands = ["serve", "tools", "call", "check", "integrations", "import"]

    /// What one command does, its options and an example that works as printed.
    static func help(for command: String) -> String? {
        let sandboxes = Sandbox.names.joined(separator: ", ")
        switch command {
        case "serve":
            return """
                conduit serve [--account FILE | --sandbox NAME] [--log-level LEVEL]

                Speaks the Model Context Protocol on stdin and stdout: what an MCP client runs.
                stdout carries protocol messages only; diagnostics go to stderr.

                Options:
                  --account FILE     the account file (default: $CONDUIT_ACCOUNT)
                  --sandbox NAME     serve a built-in offline stand-in instead (\(sandboxes)),
                                     or the stand-in of an OpenAPI document (its path)
                  --log-level LEVEL  debug, info, notice, warning, error or off (default: warning)

                Example (a client's configuration runs this):
                  conduit serve --account /path/to/chorus.json
                """
        case "tools":
            return """
                conduit tools [TOOL] [--account FILE | --sandbox NAME] [--json]

                Lists the tools a client would see (after the account's filters), or, given a
                tool's name, that tool's description, arguments and examples.

                Options:
                  --account FILE     the account file (default: $CONDUIT_ACCOUNT)
                  --sandbox NAME     the tools of a built-in sandbox (\(sandboxes)) or of an
                                     OpenAPI document's stand-in (its path)
                  --json             print the JSON objects tools/list returns

                Examples:
                  conduit tools --sandbox gong
                  conduit tools list_all_gong_calls --sandbox gong
                """
        case "call":
            return """
                conduit call TOOL [--args JSON | --args @FILE] [--account FILE | --sandbox NAME]

                Runs one tool call through the same path as tools/call and prints the result's
                structured content: indented on a terminal, one line when piped. Exit 0 on
                success, 1 for an error result (marked "isError": true), 2 for a usage mistake.

                Options:
                  --args JSON        the arguments as one JSON object, or @FILE to read it from a file
                  --account FILE     the account file (default: $CONDUIT_ACCOUNT)
                  --sandbox NAME     call a built-in offline stand-in instead (\(sandboxes)),
                                     or the stand-in of an OpenAPI document (its path)

                Examples:
                  conduit call list_all_chorus_conversations --sandbox chorus --args '{"limit": 3}'
                  conduit tools list_all_chorus_conversations --sandbox chorus    (its arguments)
                """
        case "check":
            return """
                conduit check [--account FILE]

                Validates the account file and its integration's definition and lists every
                problem found, one per line. Exit 0 when there is none.

                Options:
                  --account FILE     the account file (default: $CONDUIT_ACCOUNT)

                Example:
                  conduit check --account chorus.json
                """
        case "import":
            return """
                conduit import openapi SPEC [--name NAME] [--output FILE] [--include-undocumented]

                Turns a local OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML) into an
                integration definition, ready to be named by an account file's "integration".
                $refs into other local files are followed; a remote $ref is an error (nothing is
                fetched). The definition goes to FILE or stdout; a report goes to stderr:
                operations kept and gated out, names shortened or disambiguated, simplifications,
                and the credential names the account must give. An account may also name the
                document itself ("integration": "./api.yaml"): conduit imports it at start.

                Options:
                  --name NAME              the integration name (^[a-z][a-z0-9_]*$; default: from the title)
                  --output FILE            write the definition there instead of stdout
                  --include-undocumented   also keep operations with neither summary nor description

                Example:
                  conduit import openapi Examples/openapi/bookshop.yaml --output bookshop.json
                """
        case "integrations":
            return """
                conduit integrations [NAME]

                Lists the bundled integrations (\(BundledIntegrations.names.joined(separator: ", "))), or one integration's
                resources, methods and the tools they become.

                Examples:
                  conduit integrations
                  conduit integrations gong
                """
        default:
            return nil
        }
    }

    static func parse(_ arguments: [String]) throws -> CommandLineArguments {
        guard let first = arguments.first else { return .bare }
        var rest = Array(arguments.dropFirst())
        if commands.contains(first), rest.contains(where: { ["--help", "-h"].contains($0) }) { return .help(command: first) }

        func option(_ name: String) throws -> String? {
            guard let index = rest.firstIndex(of: name) else { return nil }
            guard index + 1 < rest.count, !rest[index + 1].hasPrefix("--") else {
                throw UsageError(message: "\(name) needs a value")
            }
            let value = rest[index + 1]
            rest.removeSubrange(index...index + 1)
            return value
        }
        func flag(_ name: String) -> Bool {
            guard let index = rest.firstIndex(of: name) else { return false }
            rest.remove(at: index)
            return true
        }
        func positional() -> String? {
            guard let value = rest.first, !value.hasPrefix("-") else { return nil }
            rest.removeFirst()
            return value
        }
        func finish() throws {
            if let unexpected = rest.first { throw UsageError(message: "unexpected argument '\(unexpected)' for '\(first)'; see 'conduit \(first) --help'") }
        }

        switch first {
        case "--help", "-h":
            return .help(command: nil)
        case "help":
            let command = positional()
            try finish()
            if let command, !commands.contains(command) {
                throw UsageError(message: "there is no command '\(command)' (commands: \(commands.joined(separator: ", ")))")
            }
            return .help(command: command)
        case "--version", "-V", "version":
            return .version
        case "serve":
            let account = try option("--account")
            let sandbox = try option("--sandbox")
            var level: LogLevel? = .warning
            if let text = try option("--log-level") {
                if text == "off" || text == "none" {
                    level = nil
                } else {
                    guard let parsed = LogLevel(rawValue: text) else {
                        throw UsageError(message: "--log-level must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")) or off")
                    }
                    level = parsed
                }
            }
            try finish()
            return .serve(account: account, sandbox: sandbox, logLevel: level)
        case "tools":
            let account = try option("--account")
            let sandbox = try option("--sandbox")
            let json = flag("--json")
            let name = positional()
            try finish()
            return .tools(name: name, account: account, sandbox: sandbox, json: json)
        case "call":
            guard let tool = positional() else {
                throw UsageError(message: "call needs a tool name: conduit call TOOL [--args JSON] [--account FILE | --sandbox NAME]; 'conduit tools' lists the tools")
            }
            let args = try option("--args")
            let account = try option("--account")
            let sandbox = try option("--sandbox")
            try finish()
            return .call(tool: tool, arguments: args, account: account, sandbox: sandbox)
        case "check":
            let account = try option("--account")
            try finish()
            return .check(account: account)
        case "integrations":
            let name = positional()
            try finish()
            return .integrations(name: name)
        case "import":
            guard let format = positional() else {
                throw UsageError(message: "import needs a format and a document: conduit import openapi SPEC [--name NAME] [--output FILE]")
            }
            guard format == "openapi" else {
                throw UsageError(message: "conduit imports 'openapi' documents (OpenAPI 3.x and Swagger 2.0), not '\(format)'")
            }
            let name = try option("--name")
            let output = try option("--output")
            let includeUndocumented = flag("--include-undocumented")
            guard let spec = positional() else {
                throw UsageError(message: "import openapi needs the document: conduit import openapi SPEC [--name NAME] [--output FILE]")
            }
            try finish()
            if let name, !(name.first?.isLetter == true && name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })) {
                throw UsageError(message: "--name must match ^[a-z][a-z0-9_]*$ (it appears in every tool name), not '\(name)'")
            }
            return .importOpenAPI(spec: spec, name: name, output: output, includeUndocumented: includeUndocumented)
        default:
            let close = commands.filter { DiscoveryTools.editDistance(Array(first.utf8), Array($0.utf8), limit: 2) <= 2 }
            let hint = close.isEmpty ? "" : " (did you mean '\(close[0])'?)"
            throw UsageError(message: "unknown command '\(first)'\(hint); commands: \(commands.joined(separator: ", "))")
        }
    }
}
