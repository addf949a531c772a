import Conduit

/// A command line that cannot be understood; exit code 2.
struct UsageError: Error {
    var message: String
}

/// The parsed command line.
enum CommandLineArguments {
    case help
    case version
    case serve(account: String?, sandbox: String?, logLevel: LogLevel?)
    case tools(account: String?, sandbox: String?, json: Bool)
    case call(tool: String, arguments: String?, account: String?, sandbox: String?)
    case check(account: String?)
    case integrations(name: String?)

    static var usage: String {
        """
        conduit — a Model Context Protocol server for one SaaS account (Chorus, Gong, Coviu, or your own REST API)

        Usage:
          conduit serve [--account FILE | --sandbox NAME] [--log-level LEVEL]
                                       speak MCP on stdin/stdout (what an MCP client runs)
          conduit tools [--account FILE | --sandbox NAME] [--json]
                                       print the tools a client would see, after the account's filters
          conduit call TOOL [--args JSON | --args @FILE] [--account FILE | --sandbox NAME]
                                       run one tool call and print its structured result
                                       (indented on a terminal, one line when piped)
          conduit check [--account FILE]
                                       validate the account and its definition; list every problem
          conduit integrations [NAME]  list bundled integrations, or one's resources, methods and tools
          conduit --help | --version

        Options:
          --account FILE     the account file (default: $CONDUIT_ACCOUNT)
          --sandbox NAME     instead of an account: \(Sandbox.names.joined(separator: ", ")) against conduit's built-in
                             offline stand-in of that API, with made-up sample data
          --args JSON        the tool's arguments as one JSON object, or @FILE to read them from a file
          --log-level LEVEL  stderr diagnostics: debug, info, notice, warning, error (default: warning)
          --json             print tools as the JSON objects tools/list returns

        Try it: conduit call list_all_chorus_conversations --sandbox chorus

        Exit codes: 0 success, 1 failure (a tool result with isError, a start-up problem), 2 usage error
        (unknown command or flag, bad --args JSON, unreadable @FILE, unknown tool or sandbox).
        """
    }

    static func parse(_ arguments: [String]) throws -> CommandLineArguments {
        guard let first = arguments.first else { throw UsageError(message: "no command given") }
        var rest = Array(arguments.dropFirst())

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
        func finish() throws {
            if let unexpected = rest.first { throw UsageError(message: "unexpected argument '\(unexpected)' for '\(first)'") }
        }

        switch first {
        case "--help", "-h", "help":
            return .help
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
            try finish()
            return .tools(account: account, sandbox: sandbox, json: json)
        case "call":
            guard let tool = rest.first, !tool.hasPrefix("--") else { throw UsageError(message: "call needs a tool name") }
            rest.removeFirst()
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
            let name = rest.first
            if name != nil { rest.removeFirst() }
            try finish()
            return .integrations(name: name)
        default:
            throw UsageError(message: "unknown command '\(first)'")
        }
    }
}
