#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// The account's `base_url`, which replaces every origin the definition names.
    private let accountBaseURL: String?
    private let http: HTTPClient
    private let authenticator: Authenticator?
    private let missingCredentials: String?
    /// For methods that name the schemes they accept (`auth` on the method): every scheme the
    /// account has all credentials of, by its index in the definition's `auth`.
    private let schemeAuthenticators: [Int: Authenticator]
    /// For methods that accept no scheme (`"auth": []`): sends no credentials.
    private let noCredentials: Authenticator
    private let retry: RetryPolicy?
    package let store: FileStore
    /// Which local files tool calls may upload.
    private let uploadGuard: UploadGuard

    /// A client for a configuration's account, authenticating with the scheme it chose.
    package convenience init(_ configuration: ServerConfiguration) {
        self.init(definition: configuration.definition, account: configuration.account, auth: configuration.auth)
    }

    package init(definition: IntegrationDefinition, account: Account, auth: Result<AuthScheme, AccountError>) {
        self.definition = definition
        baseURL = account.baseURL ?? definition.baseURL
        accountBaseURL = account.baseURL
        http = HTTPClient(timeouts: account.timeouts, unixSockets: account.unixSockets)
        retry = account.retry
        store = FileStore(settings: account.files)
        uploadGuard = UploadGuard(roots: account.settings.uploadRoots ?? [store.directory])
        switch auth {
        case .success(let scheme):
            authenticator = Authenticator(scheme: scheme, credentials: account.credentials, baseURL: baseURL, http: http)
            missingCredentials = nil
        case .failure(let error):
            authenticator = nil
            missingCredentials = error.description
        }
        var schemes: [Int: Authenticator] = [:]
        if definition.resources.contains(where: { $0.methods.contains { $0.auth != nil } }) {
            let usable = definition.auth.indices.filter { definition.auth[$0].credentialNames.allSatisfy { account.credentials[$0] != nil } }
            for index in usable {
                // The account's own scheme (the first usable one) keeps its one token cache.
                schemes[index] = index == usable.first ? authenticator
                    : Authenticator(scheme: definition.auth[index], credentials: account.credentials, baseURL: baseURL, http: http)
            }
        }
        schemeAuthenticators = schemes
        noCredentials = Authenticator(scheme: .none, credentials: [:], baseURL: baseURL, http: http)
    }

    /// Who signs a method's calls: the first scheme it accepts that the account has the
    /// credentials of, nothing when it accepts none, else the account's scheme.
    private func authenticator(for method: MethodDefinition) throws(ToolCallError) -> Authenticator {
        guard let accepted = method.auth else {
            guard let authenticator else { throw .missingCredentials(missingCredentials ?? "missing credentials") }
            return authenticator
        }
        if accepted.isEmpty { return noCredentials }
        if let chosen = accepted.lazy.compactMap({ self.schemeAuthenticators[$0] }).first { return chosen }
        let options = accepted.map { definition.auth[$0].credentialNames.joined(separator: " + ") }.joined(separator: ", or ")
        throw .missingCredentials("missing credentials for this \(definition.title) operation: set \(options) under \"credentials\"")
    }

    package func call(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult {
        do {
            return try await perform(tool, arguments: arguments, context: context)
        } catch {
            return .failure(error, integration: definition.title)
        }
    }

    /// The tools of the definition's own methods that other tools call (the unified
    /// ones), whatever the account's filters show; each built once, on first use.
    private let methodTools = Mutex<[String: Tool]>([:])

    func methodTool(_ reference: MethodReference) -> Tool? {
        if let built = methodTools.withLock({ $0[reference.description] }) { return built }
        guard let resource = definition.resources.first(where: { $0.name == reference.resource }),
            let method = resource.methods.first(where: { $0.name == reference.method })
        else { return nil }
        let tool = CatalogBuilder.makeTool(definition: definition, resource: resource, method: method, documentation: method.description ?? "")
        methodTools.withLock { $0[reference.description] = tool }
        return tool
    }

    /// A call made on behalf of another tool (the unified tools): the same request, auth
    /// and retries, with the whole answer inline rather than cut to a page or a file.
    func fetch(_ tool: Tool, arguments: JSONObject, context: CallContext) async -> ToolCallResult {
        do {
            return try await perform(tool, arguments: arguments, context: context, inline: true)
        } catch {
            return .failure(error, integration: definition.title)
        }
    }

    private func perform(
        _ tool: Tool, arguments given: JSONObject, context: CallContext, inline: Bool = false
    ) async throws(ToolCallError) -> ToolCallResult {
        let (arguments, readings) = ArgumentReader.read(given, for: tool)
        let problems = ArgumentValidator.problems(in: arguments, schema: tool.inputSchema)
        if !problems.isEmpty { throw .invalidArguments(problems + readings.map { "(conduit \($0))" }) }
        let authenticator = try authenticator(for: tool.method)
        if let operation = tool.unified, let spec = definition.unified?.operations[operation] {
            var result = await UnifiedRunner(client: self, definition: definition, tool: tool, operation: operation, spec: spec, context: context)
                .run(arguments)
            result.noteArgumentReadings(readings)
            return result
        }

        var position: RequestBuilder.PagePosition?
        var limit: Int?
        if tool.method.pages {
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
            if tool.method.pagination?.style == .page, let fixed = cursor.pageSize {
                pageSize = fixed
            }
            position = RequestBuilder.PagePosition(cursor: cursor, pageSize: pageSize)
        }

        // Files to upload are checked before anything is sent; a refusal sends nothing.
        var uploads: [String: UploadFile] = [:]
        if let body = tool.method.body {
            for name in body.files {
                guard case .string(let given)? = arguments[name] else { continue }
                switch uploadGuard.check(given, argument: name) {
                case .success(let file): uploads[name] = file
                case .failure(let refusal): throw refusal
                }
            }
        }
        let origin = accountBaseURL ?? tool.method.baseURL ?? definition.baseURL
        var request = try RequestBuilder.build(tool: tool, arguments: arguments, baseURL: origin, position: position, uploads: uploads)
        if !authenticator.queryParameters.isEmpty { request.appendQuery(authenticator.queryParameters) }
        context.progress(0, nil, "calling \(definition.title)")
        let started = Date()
        let response = try await sendWithRetries(request, tool: tool, authenticator: authenticator, context: context)
        context.log(.debug, "\(request.method) \(request.url.path) -> \(response.response.status) in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        var received = response.response
        // An upstream that echoes the request (headers, form body) must not carry a credential into the result.
        if let cleaned = SecretRedactor.shared.redactIfNeeded(received.body) { received.body = cleaned }
        var interpreter = ResponseInterpreter(definition: definition, tool: tool, store: inline ? nil : store)
        if case .array(let fields)? = arguments["response_fields"] { interpreter.fields = FieldSelection(fields.compactMap(\.stringValue)) }
        var result = interpreter.interpret(received, position: position, limit: limit)
        result.noteArgumentReadings(readings)
        if let step = tool.method.nextStep, !result.isError {
            // The follow-up the model must not skip, with the values it needs filled in.
            var text = step
            for (field, value) in result.structured {
                switch value {
                case .string(let string): text = text.replacing("{\(field)}", with: string)
                case .int(let number): text = text.replacing("{\(field)}", with: String(number))
                default: break
                }
            }
            result.setTopLevel("next_step", .string(text))
        }
        if !response.retries.isEmpty {
            let waited = response.retries.compactMap { $0["waited_seconds"]?.doubleValue }.reduce(0, +)
            result.noteRetries(
                response.retries,
                summary: "conduit waited \(JSONValue.double(waited).jsonString) s in all and retried \(response.retries.count) time\(response.retries.count == 1 ? "" : "s") after the API answered \(response.retries.compactMap { $0["status"]?.intValue }.map(String.init).joined(separator: ", ")) (retry policy from the account file).")
        }
        return result
    }

    /// One exchange, its transport failure turned into the call's failure.
    private func send(
        _ request: UpstreamRequest, extraHeaders: [(String, String)], policy: BodyPolicy
    ) async throws(ToolCallError) -> HTTPResponse {
        do {
            return try await http.send(request, extraHeaders: extraHeaders, policy: policy)
        } catch {
            throw ToolCallError(error)
        }
    }

    /// Sends once; with the account's opt-in `retry` policy, waits out 429/503 answers
    /// (as long as the API asks, within `max_wait_seconds`) and tries again.
    private func sendWithRetries(
        _ request: UpstreamRequest, tool: Tool, authenticator: Authenticator, context: CallContext
    ) async throws(ToolCallError) -> (response: HTTPResponse, retries: [JSONValue]) {
        let binaryCapable = tool.method.binaryResponse
        var policy = BodyPolicy(
            streamToFile: { [definition, method = tool.method] status, headers in
                (200..<300).contains(status)
                    && ResponseInterpreter.isBinary(HTTPResponse.mediaType(headers), definition: definition, method: method)
            },
            store: store,
            progress: { received, expected in
                guard received > 0 else { return }
                let message = expected.map { "received \(received) of \($0) bytes" } ?? "received \(received) bytes"
                context.progress(Double(received), expected.map(Double.init), binaryCapable || received >= 1 << 20 ? message : nil)
            })
        policy.uploadProgress = { sent, total in
            context.progress(Double(sent), Double(total), "sent \(sent) of \(total) bytes")
        }
        // A body streamed from a file is sent once: a 429/503 after it is reported, not resent.
        let mayRetry = !(request.content?.readsFile ?? false)
        var retries: [JSONValue] = []
        var attempt = 1
        while true {
            let used = try await authenticator.headers()
            var response = try await send(request, extraHeaders: used, policy: policy)
            if response.status == 401, await authenticator.refreshesTokens {
                // The token may have been revoked early: get a new one and try once more.
                if let file = response.file { unlink(file.path) }
                await authenticator.invalidate(used: used)
                response = try await send(request, extraHeaders: try await authenticator.headers(), policy: policy)
            }
            guard let retry, mayRetry, response.status == 429 || response.status == 503, attempt < retry.maxAttempts else {
                return (response, retries)
            }
            let limits = RateLimitState(headers: response.headers, declared: definition.rateLimitHeaders)
            let wait = Double(limits.wait ?? (1 << (attempt - 1)))
            guard wait <= retry.maxWait else {
                context.log(.notice, "HTTP \(response.status): the API asks to wait \(Int(wait)) s, more than retry.max_wait_seconds; not retrying")
                return (response, retries)
            }
            if let file = response.file { unlink(file.path) }
            context.log(.notice, "HTTP \(response.status) from \(definition.title); waiting \(Int(wait)) s before attempt \(attempt + 1) of \(retry.maxAttempts)")
            do {
                try await Task.sleep(for: .seconds(wait))
            } catch {
                throw .cancelled
            }
            retries.append(["attempt": .int(Int64(attempt)), "status": .int(Int64(response.status)), "waited_seconds": .double(wait)])
            attempt += 1
        }
    }
}
