import Dispatch
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

/// Where a request's outcome goes: its response, or nil when it ends without one (a
/// cancelled call), so that a batch waiting for it is not left waiting.
typealias Responder = @Sendable (EncodedMessage?) -> Void

/// The MCP server: reads messages, keeps the lifecycle, dispatches requests
/// concurrently and writes every response through the one `MessageWriter`.
///
/// Era: an `initialize` request opens a handshake-era session (2024-11-05 …
/// 2025-11-25); a request carrying `_meta["io.modelcontextprotocol/protocolVersion"]`
/// is served statelessly (2026-07-28). The first successful one fixes the era for
/// the life of the process, as a stdio server is one connection.
package final class MCPServer: Sendable {
    package let configuration: ServerConfiguration
    private let writer: MessageWriter
    private let log: DiagnosticLog
    private let dispatch: ToolDispatch
    private let session = Mutex(SessionState())
    private let inFlight = Mutex(InFlightTable())
    private let rendered: RenderedTools
    private let ownFiles: OwnFiles

    /// How long EOF on stdin waits for running requests before exiting anyway.
    package static let drainTimeout: TimeInterval = 5

    package init(
        configuration: ServerConfiguration, writer: MessageWriter, log: DiagnosticLog, invoker: ToolInvoker,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.writer = writer
        self.log = log
        dispatch = ToolDispatch(configuration: configuration, invoker: invoker, now: now)
        rendered = RenderedTools(configuration: configuration)
        ownFiles = OwnFiles(directory: FileStore(settings: configuration.account.files).directory)
    }

    // MARK: Input

    /// Handles one line from stdin. Called on the reader thread, in order.
    package func receive(_ line: [UInt8]) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line, maximumValues: JSONValue.maximumMessageValues)
        } catch {
            let detail = error.reason == .invalidUTF8 ? "the message is not valid UTF-8" : error.description
            writer.send(unidentifiedError(.parseError(detail)))
            return
        }
        if case .array(let elements) = value {
            receiveBatch(elements)
            return
        }
        handle(IncomingMessage(value)) { [writer] response in
            if let response { writer.send(response) }
        }
    }

    /// A line longer than the reader accepts: answered once, then ignored.
    package func receiveOversizedLine() {
        writer.send(
            unidentifiedError(.invalidRequest("the message exceeds \(LineReader.defaultMaximumLineLength / (1024 * 1024)) MiB and was discarded")))
    }

    private func receiveBatch(_ elements: [JSONValue]) {
        let revision = session.withLock { $0.legacyRevision }
        guard revision?.acceptsBatches == true else {
            writer.send(unidentifiedError(.invalidRequest("JSON-RPC batches are only accepted in a 2025-03-26 session")))
            return
        }
        guard !elements.isEmpty else {
            writer.send(unidentifiedError(.invalidRequest("an empty batch")))
            return
        }
        let collector = BatchCollector(expected: elements.count, writer: writer)
        for element in elements {
            let message = IncomingMessage(element)
            if case .request(_, "initialize", _) = message {
                collector.add(EncodedMessage(OutgoingMessage.error(id: message.requestID, .invalidRequest("initialize cannot be batched"))))
                continue
            }
            handle(message) { collector.add($0) }
            if message.requestID == nil && !message.isInvalid { collector.add(nil) }
        }
    }

    /// An error for a message whose id could not be read, shaped for the era in use.
    private func unidentifiedError(_ error: JSONRPCError) -> JSONValue {
        let revision = session.withLock { $0.legacyRevision }
        return OutgoingMessage.error(id: nil, error, nullID: revision.map { $0 < .v2025_11_25 } ?? false)
    }

    private func handle(_ message: IncomingMessage, respond: @escaping Responder) {
        switch message {
        case .response:
            return
        case .invalid(let id, let error):
            respond(EncodedMessage(id.map { OutgoingMessage.error(id: $0, error) } ?? unidentifiedError(error)))
        case .notification(let method, let params):
            handleNotification(method, params)
        case .request(let id, let method, let params):
            handleRequest(id: id, method: method, params: params, respond: respond)
        }
    }

    private func handleNotification(_ method: String, _ params: JSONObject) {
        switch method {
        case "notifications/cancelled":
            guard let raw = params["requestId"], let id = RequestID(raw) else { return }
            guard let cancelled = inFlight.withLock({ $0.cancel(id) }) else { return }
            if let task = cancelled.task {
                log.log(.debug, "request \(id) cancelled by the client")
                task.cancel()
            }
            // The request is settled now, without a response (as the spec allows): a batch
            // it belongs to need not wait for it to wind down, and is not lost with it.
            cancelled.respond?(nil)
        default:
            // Other notifications (initialized, progress, roots changes) need no action.
            return
        }
    }

    // MARK: Requests

    private func handleRequest(id: RequestID, method: String, params: JSONObject, respond: @escaping Responder) {
        if method == "initialize" {
            respond(EncodedMessage(initialize(id: id, params: params)))
            return
        }
        let meta = params["_meta"]?.objectValue
        let (era, legacyLevel) = session.withLock { ($0.era, $0.legacyLogLevel) }
        let request: RequestEnvelope
        switch era {
        case .legacy(let revision):
            request = RequestEnvelope(id: id, method: method, params: params, revision: revision, logLevel: legacyLevel)
        case .modern, .undecided:
            if meta?[MetaKey.protocolVersion] != nil {
                switch modernEnvelope(id: id, method: method, params: params, meta: meta!) {
                case .success(let envelope): request = envelope
                case .failure(let error):
                    respond(EncodedMessage(OutgoingMessage.error(id: id, error)))
                    return
                }
            } else if case .undecided = era, method == "ping" {
                respond(EncodedMessage(OutgoingMessage.result(id: id, .object([:]))))
                return
            } else if case .modern = era {
                respond(EncodedMessage(OutgoingMessage.error(id: id, .invalidParams("_meta must carry \"\(MetaKey.protocolVersion)\" and \"\(MetaKey.clientCapabilities)\" (MCP 2026-07-28)"))))
                return
            } else {
                let error: JSONRPCError = Self.knownMethods.contains(method)
                    ? .invalidParams("the server is not initialized: send initialize first (MCP 2025-11-25 and earlier), or carry \"\(MetaKey.protocolVersion)\" and \"\(MetaKey.clientCapabilities)\" in _meta (MCP 2026-07-28)")
                    : .methodNotFound(method)
                respond(EncodedMessage(OutgoingMessage.error(id: id, error)))
                return
            }
        }
        dispatch(request, respond: respond)
    }

    private static let knownMethods: Set<String> = [
        "tools/list", "tools/call", "server/discover", "subscriptions/listen", "logging/setLevel", "ping",
        "resources/list", "resources/read", "resources/templates/list",
    ]

    private func initialize(id: RequestID, params: JSONObject) -> JSONValue {
        let requested = params["protocolVersion"]?.stringValue
        let outcome = session.withLock { state -> Result<ProtocolRevision, JSONRPCError> in
            switch state.era {
            case .legacy:
                return .failure(.invalidRequest("the session is already initialized; initialize may be sent only once"))
            case .modern:
                return .failure(
                    JSONRPCError(
                        code: JSONRPCError.unsupportedProtocolVersionCode,
                        message: "This connection already speaks MCP 2026-07-28 (no initialize handshake)",
                        data: ["supported": ["2026-07-28"], "requested": .string(requested ?? "")]))
            case .undecided:
                let revision = requested.flatMap(ProtocolRevision.init(rawValue:)).flatMap {
                    ProtocolRevision.handshakeRevisions.contains($0) ? $0 : nil
                } ?? .latestHandshake
                state.era = .legacy(revision)
                return .success(revision)
            }
        }
        switch outcome {
        case .failure(let error):
            return OutgoingMessage.error(id: id, error)
        case .success(let revision):
            log.log(.info, "initialized with protocol \(revision.rawValue)")
            let result: JSONObject = [
                "protocolVersion": .string(revision.rawValue),
                "capabilities": capabilities,
                "serverInfo": configuration.serverInfo(revision),
                "instructions": .string(configuration.instructions),
            ]
            return OutgoingMessage.result(id: id, .object(result))
        }
    }

    private var capabilities: JSONValue {
        ["tools": ["listChanged": false], "logging": [:], "resources": ["listChanged": false, "subscribe": false]]
    }

    private func modernEnvelope(id: RequestID, method: String, params: JSONObject, meta: JSONObject) -> Result<RequestEnvelope, JSONRPCError> {
        guard case .string(let version)? = meta[MetaKey.protocolVersion] else {
            return .failure(.invalidParams("_meta[\"\(MetaKey.protocolVersion)\"] must be a string"))
        }
        guard let revision = ProtocolRevision(rawValue: version), revision.isStateless else {
            // Before the era is fixed every revision is still possible (older ones through
            // initialize); once this connection is stateless, only the stateless ones are.
            let modernOnly = session.withLock { state -> Bool in
                if case .modern = state.era { return true }
                return false
            }
            let supported = modernOnly ? ProtocolRevision.statelessRevisions : ProtocolRevision.allCases
            let names = supported.map(\.rawValue).joined(separator: ", ")
            return .failure(
                JSONRPCError(
                    code: JSONRPCError.unsupportedProtocolVersionCode,
                    message: "Unsupported protocol version \(version); this connection supports \(names)\(modernOnly ? "" : " (2025-11-25 and earlier through initialize)")",
                    data: ["supported": .array(supported.map { .string($0.rawValue) }), "requested": .string(version)]))
        }
        guard case .object? = meta[MetaKey.clientCapabilities] else {
            return .failure(.invalidParams("_meta[\"\(MetaKey.clientCapabilities)\"] is required and must be an object (MCP 2026-07-28)"))
        }
        var level: LogLevel?
        if let raw = meta[MetaKey.logLevel] {
            guard let text = raw.stringValue, let parsed = LogLevel(rawValue: text) else {
                return .failure(.invalidParams("_meta[\"\(MetaKey.logLevel)\"] must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            level = parsed
        }
        session.withLock { state in
            if case .undecided = state.era { state.era = .modern }
        }
        return .success(RequestEnvelope(id: id, method: method, params: params, revision: revision, logLevel: level))
    }

    private func dispatch(_ request: RequestEnvelope, respond: @escaping Responder) {
        let revision = request.revision
        switch request.method {
        case "ping" where !revision.isStateless:
            respond(EncodedMessage(OutgoingMessage.result(id: request.id, .object([:]))))
        case "logging/setLevel" where !revision.isStateless:
            guard let text = request.params["level"]?.stringValue, let level = LogLevel(rawValue: text) else {
                respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams("level must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))"))))
                return
            }
            session.withLock { $0.legacyLogLevel = level }
            respond(EncodedMessage(OutgoingMessage.result(id: request.id, .object([:]))))
        case "server/discover" where revision.isStateless:
            var result = modernResultBase()
            result["supportedVersions"] = .array(ProtocolRevision.allVersionStrings)
            result["capabilities"] = capabilities
            result["instructions"] = .string(configuration.instructions)
            result["ttlMs"] = .int(Self.cacheTTL)
            result["cacheScope"] = "private"
            respond(EncodedMessage(OutgoingMessage.result(id: request.id, .object(result))))
        case "subscriptions/listen" where revision.isStateless:
            listen(request, respond: respond)
        case "tools/list":
            if let cursor = request.params["cursor"], !cursor.isNull {
                respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams("tools/list has a single page; no cursor is issued"))))
                return
            }
            var result = revision.isStateless ? modernResultBase() : JSONObject()
            result["tools"] = rendered.tools(for: revision)
            if revision.isStateless {
                result["ttlMs"] = .int(Self.cacheTTL)
                result["cacheScope"] = "private"
            }
            respond(EncodedMessage(OutgoingMessage.result(id: request.id, .object(result))))
        case "tools/call":
            callTool(request, respond: respond)
        case "resources/list", "resources/templates/list":
            if let cursor = request.params["cursor"], !cursor.isNull {
                respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams("\(request.method) has a single page; no cursor is issued"))))
                return
            }
            var result = revision.isStateless ? modernResultBase() : JSONObject()
            if request.method == "resources/list" {
                result["resources"] = .array(ownFiles.list().map(\.resource))
            } else {
                result["resourceTemplates"] = []
            }
            if revision.isStateless {
                // The folder changes with every download: no caching.
                result["ttlMs"] = 0
                result["cacheScope"] = "private"
            }
            respond(EncodedMessage(OutgoingMessage.result(id: request.id, .object(result))))
        case "resources/read":
            readResource(request, respond: respond)
        default:
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, .methodNotFound(request.method))))
        }
    }

    /// `resources/read` of a file conduit wrote: inline as base64, or refused with its
    /// local path when too large; anything else is "not found", whatever it is.
    private func readResource(_ request: RequestEnvelope, respond: @escaping Responder) {
        guard case .string(let uri)? = request.params["uri"] else {
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams("resources/read needs \"uri\", a string"))))
            return
        }
        switch ownFiles.read(uri) {
        case .success(let file):
            var result = request.revision.isStateless ? modernResultBase() : JSONObject()
            result["contents"] = [
                ["uri": .string(uri), "mimeType": .string(file.entry.mimeType), "blob": .string(Data(file.bytes).base64EncodedString())]
            ]
            if request.revision.isStateless {
                result["ttlMs"] = 0
                result["cacheScope"] = "private"
            }
            respond(EncodedMessage(OutgoingMessage.result(id: request.id, .object(result))))
        case .failure(.tooLarge(let path, let size)):
            respond(EncodedMessage(OutgoingMessage.error(
                id: request.id,
                .invalidParams("the file is \(size) bytes, more than the \(ownFiles.inlineLimit) that resources/read returns inline; read it from its local path: \(path)"))))
        case .failure(.unknown):
            let message = "Resource not found: conduit serves only the files it wrote itself, by the URIs its results give"
            let code = request.revision.isStateless ? JSONRPCError.invalidParamsCode : JSONRPCError.resourceNotFoundCode
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, JSONRPCError(code: code, message: message, data: ["uri": .string(uri)]))))
        }
    }

    /// The tool list never changes while the process runs; an hour is a safe hint.
    private static let cacheTTL: Int64 = 3_600_000

    private func modernResultBase() -> JSONObject {
        ["resultType": "complete", "_meta": .object([MetaKey.serverInfo: configuration.serverInfo(.v2026_07_28)])]
    }

    private func listen(_ request: RequestEnvelope, respond: @escaping Responder) {
        let wanted = request.params["notifications"]?.objectValue ?? [:]
        var honoured = JSONObject()
        // The tool list never changes while running, so this subscription is honoured
        // trivially; the others concern features this server does not offer.
        if wanted["toolsListChanged"] == .bool(true) { honoured["toolsListChanged"] = true }
        let registered = inFlight.withLock { $0.register(request.id, subscription: respond) }
        guard registered else {
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidRequest("request id \(request.id) is already in use"))))
            return
        }
        writer.send(
            OutgoingMessage.notification(
                method: "notifications/subscriptions/acknowledged",
                params: ["_meta": .object([MetaKey.subscriptionID: request.id.json]), "notifications": .object(honoured)]))
    }

    private func callTool(_ request: RequestEnvelope, respond: @escaping Responder) {
        guard case .string(let name)? = request.params["name"] else {
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams("tools/call needs \"name\", a string"))))
            return
        }
        var arguments = JSONObject()
        switch request.params["arguments"] {
        case nil, .null?: break
        case .object(let object)?: arguments = object
        case let other?:
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams("\"arguments\" must be an object, not \(other.typeName)"))))
            return
        }
        // A tool the filters hide, or (in discovery mode) any tool but the three
        // meta-tools, is refused exactly like a name that does not exist.
        guard let work = dispatch.resolve(name, arguments: arguments, revision: request.revision) else {
            respond(EncodedMessage(OutgoingMessage.error(id: request.id, .invalidParams(dispatch.unknownToolMessage(name)))))
            return
        }
        // A progress token is a string or an integer (like a request id); one of another
        // type is treated as absent: echoing it would put an invalid notification on the wire.
        let progressToken = request.params["_meta"]?["progressToken"].flatMap(RequestID.init)?.json
        let writer = writer
        let id = request.id
        let context = CallContext(
            log: { [weak self] level, message in self?.emitLog(level, message, for: request) },
            progress: { [weak self] done, total, message in
                guard let progressToken, let self, self.inFlight.withLock({ $0.advanceProgress(id, to: done) }) else { return }
                var params: JSONObject = ["progressToken": progressToken, "progress": .double(done)]
                if let total { params["total"] = .double(total) }
                if let message, request.revision.hasProgressMessage { params["message"] = .string(message) }
                writer.send(OutgoingMessage.notification(method: "notifications/progress", params: params))
            })

        let started = inFlight.withLock { table -> Bool in table.reserve(id, respond: respond) }
        guard started else {
            respond(EncodedMessage(OutgoingMessage.error(id: id, .invalidRequest("request id \(id) is already in use by a running request"))))
            return
        }
        let task = Task { [dispatch, rendered] in
            let result = await dispatch.run(work, context: context)
            // Nil when the call was cancelled (or given up at shutdown): it was settled then.
            guard let respond = self.inFlight.withLock({ $0.finish(id) }) else { return }
            respond(rendered.callResponse(result, id: id, revision: request.revision))
        }
        inFlight.withLock { $0.attach(task, to: id) }
    }

    private func emitLog(_ level: LogLevel, _ message: String, for request: RequestEnvelope) {
        log.log(level, message)
        guard let threshold = request.logLevel, level >= threshold else { return }
        writer.send(
            OutgoingMessage.notification(
                method: "notifications/message",
                params: ["level": .string(level.rawValue), "logger": "conduit", "data": .string(message)]))
    }

    // MARK: Shutdown

    /// EOF on stdin: let running requests finish (bounded), close subscriptions gracefully, flush.
    package func drain(timeout: TimeInterval = MCPServer.drainTimeout) {
        let deadline = Date().addingTimeInterval(timeout)
        while inFlight.withLock({ $0.runningCount }) > 0 && Date() < deadline {
            usleep(5_000)
        }
        let leftovers = inFlight.withLock { $0.takeAll() }
        for task in leftovers.tasks { task.cancel() }
        // Calls given up on get no response, like cancelled ones; a batch they belong to
        // still gets the answers of its other requests.
        for respond in leftovers.unanswered { respond(nil) }
        for (id, respond) in leftovers.subscriptions {
            respond(
                EncodedMessage(
                    OutgoingMessage.result(
                        id: id, .object(["resultType": "complete", "_meta": .object([MetaKey.subscriptionID: id.json])]))))
        }
        writer.flush()
    }
}

/// Per-connection state; guarded by a mutex in `MCPServer`.
struct SessionState {
    enum Era {
        case undecided
        case legacy(ProtocolRevision)
        case modern
    }

    var era = Era.undecided
    var legacyLogLevel: LogLevel?

    var legacyRevision: ProtocolRevision? {
        if case .legacy(let revision) = era { return revision }
        return nil
    }
}

/// One request as dispatched: its method and params plus what its era says about it.
struct RequestEnvelope: Sendable {
    var id: RequestID
    var method: String
    var params: JSONObject
    var revision: ProtocolRevision
    /// Send `notifications/message` at or above this level; nil sends none.
    var logLevel: LogLevel?
}

/// Running requests by id: for cancellation, response suppression and progress order.
///
/// A running call's responder is kept here and handed out exactly once: to the call
/// when it finishes, or to whoever settles it without a response first (cancellation,
/// shutdown).
struct InFlightTable {
    struct Entry {
        var task: Task<Void, Never>?
        var cancelled = false
        var progress: Double = -1
        var respond: Responder?
        var subscription: Responder?
    }

    /// What cancelling a request yields: its task to cancel (nil if not attached yet)
    /// and its responder, to settle without a response (nil if already settled).
    struct Cancelled {
        var task: Task<Void, Never>?
        var respond: Responder?
    }

    private var entries: [RequestID: Entry] = [:]

    var runningCount: Int { entries.values.filter { $0.subscription == nil }.count }

    mutating func reserve(_ id: RequestID, respond: @escaping Responder) -> Bool {
        guard entries[id] == nil else { return false }
        entries[id] = Entry(respond: respond)
        return true
    }

    mutating func register(_ id: RequestID, subscription: @escaping Responder) -> Bool {
        guard entries[id] == nil else { return false }
        entries[id] = Entry(subscription: subscription)
        return true
    }

    mutating func attach(_ task: Task<Void, Never>, to id: RequestID) {
        if entries[id] != nil {
            entries[id]!.task = task
            if entries[id]!.cancelled { task.cancel() }
        }
    }

    /// Marks a request cancelled; returns its task to cancel and takes its responder
    /// (nil for an unknown id). A cancelled subscription simply ends: nothing more is
    /// sent for it.
    mutating func cancel(_ id: RequestID) -> Cancelled? {
        guard var entry = entries[id] else { return nil }
        if entry.subscription != nil {
            entries[id] = nil
            return Cancelled()
        }
        let respond = entry.respond
        entry.cancelled = true
        entry.respond = nil
        entries[id] = entry
        return Cancelled(task: entry.task, respond: respond)
    }

    /// Removes a finished request; returns its responder when its response should be
    /// sent, nil when it was settled without one (cancelled, or taken at shutdown).
    mutating func finish(_ id: RequestID) -> Responder? {
        guard let entry = entries.removeValue(forKey: id), !entry.cancelled else { return nil }
        return entry.respond
    }

    /// Progress must increase; returns false for a stale or post-cancel report.
    mutating func advanceProgress(_ id: RequestID, to value: Double) -> Bool {
        guard let entry = entries[id], !entry.cancelled, value > entry.progress else { return false }
        entries[id]!.progress = value
        return true
    }

    mutating func takeAll() -> (tasks: [Task<Void, Never>], unanswered: [Responder], subscriptions: [(RequestID, Responder)]) {
        let tasks = entries.values.compactMap(\.task)
        let unanswered = entries.values.compactMap(\.respond)
        let subscriptions = entries.compactMap { id, entry in entry.subscription.map { (id, $0) } }
        entries = [:]
        return (tasks, unanswered, subscriptions)
    }
}

/// Gathers a 2025-03-26 batch's responses and writes them as one array.
final class BatchCollector: Sendable {
    private let state: Mutex<(remaining: Int, responses: [EncodedMessage])>
    private let writer: MessageWriter

    init(expected: Int, writer: MessageWriter) {
        state = Mutex((expected, []))
        self.writer = writer
    }

    /// One element done; nil for an element that gets no response (a notification).
    func add(_ response: EncodedMessage?) {
        let complete = state.withLock { state -> [EncodedMessage]? in
            if let response { state.responses.append(response) }
            state.remaining -= 1
            return state.remaining == 0 ? state.responses : nil
        }
        if let complete, !complete.isEmpty { writer.send(EncodedMessage.batch(complete)) }
    }
}

extension IncomingMessage {
    var requestID: RequestID? {
        switch self {
        case .request(let id, _, _): id
        case .invalid(let id, _): id
        default: nil
        }
    }

    var isInvalid: Bool {
        if case .invalid = self { return true }
        return false
    }
}
