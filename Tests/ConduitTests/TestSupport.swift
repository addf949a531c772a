import Foundation
import Synchronization

@testable import Conduit

/// A small definition covering every argument route, for tests that need a catalog.
let sampleDefinitionJSON = #"""
{
  "name": "acme",
  "title": "Acme",
  "description": "A fictional API used by conduit's tests.",
  "base_url": "https://api.acme.test",
  "credentials": {"token": {"description": "API token", "secret": true}},
  "auth": [{"type": "header", "header": "Authorization", "value": "{token}"}],
  "errors": {"message_paths": ["errors[].detail", "message"]},
  "resources": {
    "widgets": {
      "singular": "widget",
      "tags": ["widgets"],
      "methods": {
        "list": {
          "http": "GET", "path": "/v1/widgets",
          "description": "Lists widgets.",
          "parameters": [
            {"name": "color", "in": "query", "schema": {"type": "string", "enum": ["red", "blue"]}, "description": "Filter by color."},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}}
          ],
          "pagination": {"style": "cursor", "cursor_param": "cursor", "cursor_in": "query", "next_cursor_path": "next"},
          "results_path": "items"
        },
        "get": {
          "http": "GET", "path": "/v1/widgets/{widget_id}",
          "description": "Gets one widget.",
          "parameters": [{"name": "widget_id", "in": "path", "schema": {"type": "string"}}]
        },
        "create": {
          "http": "POST", "path": "/v1/widgets",
          "description": "Creates a widget.",
          "body": {"content_type": "application/vnd.api+json", "required": true, "jsonapi_type": "widget",
                   "schema": {"type": "object", "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}, "required": ["name"]}}
        },
        "delete": {
          "http": "DELETE", "path": "/v1/widgets/{widget_id}",
          "description": "Deletes a widget.",
          "async": "Deletion completes later.",
          "parameters": [{"name": "widget_id", "in": "path", "schema": {"type": "string"}}]
        },
        "polish": {
          "http": "POST", "path": "/v1/widgets/polish",
          "description": "Polishes widgets named in a text body.",
          "body": {"content_type": "text/plain", "schema": {"type": "string"}, "required": true}
        },
        "undocumented": {"http": "GET", "path": "/v1/secret"}
      }
    },
    "gadgets": {
      "singular": "gadget",
      "tags": ["gadgets"],
      "methods": {
        "list": {
          "http": "GET", "path": "/v1/gadgets",
          "description": "Lists gadgets.",
          "pagination": {"style": "page", "page_param": "page", "page_start": 1, "limit_param": "per_page", "max_limit": 50},
          "results_path": ""
        }
      }
    }
  }
}
"""#

func sampleLoaded() throws -> DefinitionLoader.Loaded {
    try DefinitionLoader.decode(Array(sampleDefinitionJSON.utf8), source: "acme.json")
}

func sampleConfiguration(settings: ServerSettings = ServerSettings()) throws -> ServerConfiguration {
    let loaded = try sampleLoaded()
    let account = Account(integration: "acme", credentials: ["token": "t0ken"], settings: settings, source: "account.json")
    let catalog = try ToolCatalog(tools: loaded.tools, settings: settings, source: "account.json")
    return ServerConfiguration(definition: loaded.definition, account: account, catalog: catalog)
}

/// An in-process server whose output is collected instead of written to stdout.
final class ServerHarness: Sendable {
    final class Outbox: Sendable {
        let messages = Mutex<[JSONValue]>([])
    }

    private let outbox = Outbox()
    let server: MCPServer

    init(configuration: ServerConfiguration, invoker: ToolInvoker = EchoInvoker()) {
        let outbox = outbox
        let writer = MessageWriter(tap: { message in outbox.messages.withLock { $0.append(message) } })
        server = MCPServer(configuration: configuration, writer: writer, log: DiagnosticLog(level: nil), invoker: invoker)
    }

    func send(_ text: String) {
        server.receive(Array(text.utf8))
    }

    func send(_ value: JSONValue) {
        server.receive(value.jsonBytes)
    }

    /// Waits (briefly) for a message matching the predicate, without blocking a
    /// cooperative thread (the server's own tasks need them).
    func wait(timeout: TimeInterval = 10, for predicate: (JSONValue) -> Bool) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = outbox.messages.withLock({ $0.first(where: predicate) }) { return found }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    func response(_ id: JSONValue, timeout: TimeInterval = 10) async -> JSONValue? {
        await wait(timeout: timeout) { $0["id"] == id }
    }

    /// Runs the blocking shutdown drain on its own thread.
    func drain(timeout: TimeInterval) async {
        let server = server
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                server.drain(timeout: timeout)
                continuation.resume()
            }.start()
        }
    }

    var all: [JSONValue] { outbox.messages.withLock { $0 } }
}

/// Answers every call with its arguments; slow when asked to be.
struct EchoInvoker: ToolInvoker {
    func call(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult {
        if let delay = arguments["delay_ms"]?.intValue {
            for step in 1...10 {
                try? await Task.sleep(for: .milliseconds(delay / 10))
                if Task.isCancelled { return .failure(.cancelled, integration: "Acme") }
                context.progress(Double(step), 10, "step \(step)")
            }
        }
        context.log(.info, "called \(tool.name)")
        return ToolCallResult(structured: ["tool": .string(tool.name), "arguments": .object(arguments)])
    }
}

let legacyInitialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

func modernRequest(_ id: Int, _ method: String, params: JSONObject = [:], version: String = "2026-07-28", extraMeta: JSONObject = [:]) -> JSONValue {
    var meta: JSONObject = [
        "io.modelcontextprotocol/protocolVersion": .string(version),
        "io.modelcontextprotocol/clientCapabilities": [:],
    ]
    for (key, value) in extraMeta { meta[key] = value }
    var all = params
    all["_meta"] = .object(meta)
    return ["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": .object(all)]
}

/// Runs long synchronous work (parsing the whole OpenAPI corpus, waiting for PyYAML) on a
/// thread of its own. Held on one of the few cooperative threads (two on a two-core
/// machine), it would stall every other test's async work for as long as it runs.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        startThread(named: "test-work") { continuation.resume(with: Result { try work() }) }
    }
}
