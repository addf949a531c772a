import Foundation

/// Progress and log sinks for one call; both are no-ops unless the client asked for them.
package struct CallContext: Sendable {
    package var log: @Sendable (LogLevel, String) -> Void
    package var progress: @Sendable (_ done: Double, _ total: Double?, _ message: String?) -> Void

    package init(
        log: @escaping @Sendable (LogLevel, String) -> Void = { _, _ in },
        progress: @escaping @Sendable (Double, Double?, String?) -> Void = { _, _, _ in }
    ) {
        self.log = log
        self.progress = progress
    }
}

/// Runs tool calls against the vendor API: validate, build, authenticate, send, interpret.
package final class UpstreamClient: Sendable {
    package let definition: IntegrationDefinition
    package let baseURL: String
    private let http: HTTPClient
    private let authenticator: Authenticator?
    private let missingCredentials: String?

    package init(definition: IntegrationDefinition, account: Account) {
        self.definition = definition
        baseURL = account.baseURL ?? definition.baseURL
        http = HTTPClient(timeouts: account.timeouts)
        switch Authenticator.chooseScheme(definition, credentials: account.credentials) {
        case .success(let scheme):
            authenticator = Authenticator(scheme: scheme, credentials: account.credentials, baseURL: baseURL, http: http)
            missingCredentials = nil
        case .failure(let error):
            authenticator = nil
            missingCredentials = error.description
        }
    }

    package func call(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult {
        do {
            return try await perform(tool, arguments: arguments, context: context)
        } catch {
            return .failure(error, integration: definition.title)
        }
    }

    private func perform(_ tool: Tool, arguments: JSONObject, context: CallContext) async throws(ToolCallError) -> ToolCallResult {
        let problems = ArgumentValidator.problems(in: arguments, schema: tool.inputSchema)
        if !problems.isEmpty { throw .invalidArguments(problems) }
        guard let authenticator else { throw .missingCredentials(missingCredentials ?? "missing credentials") }

        var position: RequestBuilder.PagePosition?
        var limit: Int?
        if tool.kind == .list {
            limit = arguments["limit"]?.intValue.map(Int.init)
            var cursor = ListCursor()
            if case .string(let text)? = arguments["next_cursor"], !text.isEmpty {
                guard let decoded = ListCursor.decode(text, tool: tool.name) else { throw .invalidCursor }
                cursor = decoded
            }
            var pageSize: Int?
            if tool.method.pagination?.limitParameter != nil, let limit {
                pageSize = min(limit + cursor.skip, tool.method.pagination?.maximumLimit ?? Int.max)
            }
            position = RequestBuilder.PagePosition(cursor: cursor, pageSize: pageSize)
        }

        let request = try RequestBuilder.build(tool: tool, arguments: arguments, baseURL: baseURL, position: position)
        context.progress(0, 2, "calling \(definition.title)")
        let started = Date()
        var response = try await http.send(request, extraHeaders: try await authenticator.headers())
        if response.status == 401, await authenticator.refreshesTokens {
            // The token may have been revoked early: get a new one and try once more.
            await authenticator.invalidate()
            response = try await http.send(request, extraHeaders: try await authenticator.headers())
        }
        context.log(.debug, "\(request.method) \(request.url.path) -> \(response.status) in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        context.progress(1, 2, "\(definition.title) answered HTTP \(response.status)")
        return ResponseInterpreter(definition: definition, tool: tool).interpret(response, position: position, limit: limit)
    }
}
