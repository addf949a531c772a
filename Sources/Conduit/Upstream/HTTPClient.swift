import CConduit
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
// On Linux, FoundationNetworking (URLSession) is deliberately not imported: requests go
// through libcurl directly, and not linking FoundationNetworking spares every start the
// loading of libcurl's thirty-odd libraries (libcurl itself is opened on first use).

/// An upstream HTTP response. Header names are lower-cased. The body is either in
/// memory (`body`) or, for media and very large bodies, in a private file (`file`).
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: [UInt8]
    package var url: URL?
    package var file: DownloadedFile?
    /// How many times an interrupted download was continued with a Range request.
    package var resumes = 0

    package init(status: Int, headers: [String: String], body: [UInt8], url: URL? = nil, file: DownloadedFile? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
        self.file = file
    }

    package var contentType: String { Self.mediaType(headers) }

    /// The media type of `Content-Type` in lower-cased headers, without parameters.
    package static func mediaType(_ headers: [String: String]) -> String {
        headers["content-type"].map { ($0.split(separator: ";").first ?? "").trimmed.lowercased() } ?? ""
    }
}

/// Where a response body goes, decided when the response head arrives.
package struct BodyPolicy: Sendable {
    /// True when the body should be streamed to a file (media).
    package var streamToFile: @Sendable (_ status: Int, _ headers: [String: String]) -> Bool
    /// The store for streamed bodies; nil = everything stays in memory.
    package var store: FileStore?
    /// Bytes received so far and the expected total, for progress reports.
    package var progress: (@Sendable (_ received: Int64, _ expected: Int64?) -> Void)?
    /// A buffered body larger than this moves to a file instead of growing in memory.
    package var memoryLimit: Int

    package init(
        streamToFile: @escaping @Sendable (Int, [String: String]) -> Bool = { _, _ in false }, store: FileStore? = nil,
        progress: (@Sendable (Int64, Int64?) -> Void)? = nil, memoryLimit: Int = 32 << 20
    ) {
        self.streamToFile = streamToFile
        self.store = store
        self.progress = progress
        self.memoryLimit = memoryLimit
    }

    /// Everything in memory (token requests, tests).
    package static let buffered = BodyPolicy()
}

/// Timeouts for upstream calls.
package struct HTTPTimeouts: Sendable, Equatable {
    /// Longest silence while connecting, waiting for the response or between bytes.
    package var idle: TimeInterval = 30
    /// Longest a whole call with a JSON (or other buffered) response may take.
    package var total: TimeInterval = 120
    /// Longest a call whose body is streamed to a file may take.
    package var download: TimeInterval = 3600

    package init(idle: TimeInterval = 30, total: TimeInterval = 120, download: TimeInterval = 3600) {
        self.idle = idle
        self.total = total
        self.download = download
    }
}

/// Sends upstream requests and hands back their responses, so that it can: stream
/// bodies to files as they arrive (hashing them on the way), follow redirects only
/// within the same origin with credentials (to another origin without them), continue
/// interrupted downloads with Range requests, and enforce its own overall deadline.
/// Cancelling the calling task cancels the transfer.
///
/// On Linux it drives libcurl directly (`CurlTransfer`): one blocking transfer per
/// request on a thread of its own, body bytes written and hashed in the write callback.
/// Elsewhere (macOS) it uses URLSession through one delegate.
package final class HTTPClient: Sendable {
    #if !os(Linux)
    private let session: URLSession
    private let delegate: SessionDelegate
    #endif
    package let timeouts: HTTPTimeouts

    package init(timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.timeouts = timeouts
        #if !os(Linux)
        delegate = SessionDelegate()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeouts.idle
        // conduit keeps its own overall deadline (longer for downloads); this is a backstop.
        configuration.timeoutIntervalForResource = max(timeouts.total, timeouts.download) + 60
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 64
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        #endif
    }

    /// True when requests go through libcurl directly: on Linux, when libcurl loads.
    static let usesCurl: Bool = {
        #if os(Linux)
        return CurlWorkers.shared != nil
        #else
        return false
        #endif
    }()

    /// Sends `request` with `credentials` (auth headers, never sent to another origin).
    package func send(
        _ request: UpstreamRequest, extraHeaders credentials: [(String, String)], policy: BodyPolicy = .buffered
    ) async throws(ToolCallError) -> HTTPResponse {
        #if os(Linux)
        guard let workers = CurlWorkers.shared else {
            throw .transport("libcurl (libcurl.so.4) could not be loaded, so no HTTP request can be made; install libcurl 4 (Debian/Ubuntu: apt install libcurl4)")
        }
        return try await CurlTransfer.send(request, credentials: credentials, policy: policy, timeouts: timeouts, workers: workers)
        #else
        return try await sendWithSession(request, credentials: credentials, policy: policy)
        #endif
    }

    static var userAgent: String { "conduit/\(ConduitVersion.current)" }

    /// How many times one download is continued with a Range request after the
    /// connection drops mid-body.
    static let maximumResumes = 3

    /// Runs one request in rounds: the first, then after each interruption mid-body a
    /// continuation from where the file stopped (at most `maximumResumes`). `round` sends
    /// one attempt (with Range headers when given a `Resume`) and reports its outcome.
    static func withResumes(
        _ round: (Resume?) async -> TransferOutcome
    ) async throws(ToolCallError) -> HTTPResponse {
        var resume: Resume?
        for attempt in 0...maximumResumes {
            switch await round(resume) {
            case .done(var response):
                if Task.isCancelled {
                    if let file = response.file { unlink(file.path) }
                    throw .cancelled
                }
                response.resumes = attempt
                return response
            case .failed(let error):
                throw Task.isCancelled ? .cancelled : error
            case .interrupted(let next, let error):
                guard attempt < maximumResumes, !Task.isCancelled else {
                    next.sink.discard()
                    throw Task.isCancelled ? .cancelled : error
                }
                resume = next
            }
        }
        throw .transport("the download could not be completed")
    }

    #if !os(Linux)
    /// The URLSession path.
    private func sendWithSession(
        _ request: UpstreamRequest, credentials: [(String, String)], policy: BodyPolicy
    ) async throws(ToolCallError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        for (name, value) in credentials { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if let body = request.body { urlRequest.httpBody = Data(body) }
        urlRequest.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")

        let credentialNames = Set(credentials.map { $0.0.lowercased() })
        return try await Self.withResumes { resume in
            if let resume {
                // Continue an interrupted download where it stopped, if the file is unchanged.
                urlRequest.setValue("bytes=\(resume.offset)-", forHTTPHeaderField: "Range")
                if let validator = resume.validator { urlRequest.setValue(validator, forHTTPHeaderField: "If-Range") }
            }
            let transfer = Transfer(url: request.url, credentialNames: credentialNames, policy: policy, timeouts: timeouts, resume: resume)
            let task = session.dataTask(with: urlRequest)
            let outcome: TransferOutcome = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    transfer.start(task: task, continuation: continuation)
                    delegate.register(transfer, for: task)
                    task.resume()
                }
            } onCancel: {
                transfer.cancel(because: .cancelled)
            }
            delegate.unregister(transfer)
            return outcome
        }
    }

    /// One readable sentence for a transport failure. Never includes credentials:
    /// the URL carries none (auth travels in headers).
    static func describe(_ error: Error, url: URL) -> ToolCallError {
        let host = hostDescription(url)
        guard let urlError = error as? URLError else {
            return .transport("the request to \(host) failed: \(error.localizedDescription)")
        }
        switch urlError.code {
        case .cancelled: return .cancelled
        case .timedOut: return .transport("the request to \(host) timed out (no data for too long)")
        case .cannotConnectToHost: return .transport("could not connect to \(host) (connection refused)")
        case .cannotFindHost, .dnsLookupFailed: return .transport("could not resolve the host \(host)")
        case .networkConnectionLost: return .transport("the connection to \(host) was reset before the response was complete")
        case .notConnectedToInternet: return .transport("no network connection to reach \(host)")
        case .badServerResponse: return .transport("\(host) sent a malformed HTTP response")
        case .unsupportedURL where ["http", "https"].contains(url.scheme?.lowercased() ?? ""):
            // What libcurl reports when the bytes that came back are not HTTP at all.
            return .transport("\(host) answered with bytes that are not HTTP; check base_url (host, port, http vs https)")
        case .unknown:
            return .transport("the connection to \(host) failed mid-response (the body was cut short or malformed)")
        case .httpTooManyRedirects, .redirectToNonExistentLocation: return .transport("\(host) redirected too many times")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot:
            return .transport("the TLS connection to \(host) failed (\(urlError.code.rawValue))")
        default: return .transport("the request to \(host) failed (URL error \(urlError.code.rawValue))")
        }
    }
    #endif
}

extension HTTPClient {
    /// One readable sentence for a libcurl result code (`CURLcode`), with the system
    /// error number for connection failures. Never includes credentials: the URL carries
    /// none (auth travels in headers), and libcurl's own message is not quoted.
    static func describe(curlCode code: Int32, osErrno: Int32, url: URL, received: Int64 = 0, expected: Int64? = nil) -> ToolCallError {
        let host = hostDescription(url)
        switch code {
        case CONDUIT_CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CONDUIT_CURLE_COULDNT_CONNECT:
            switch osErrno {
            case 0, ECONNREFUSED: return .transport("could not connect to \(host) (connection refused)")
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN: return .transport("no network connection to reach \(host)")
            case ETIMEDOUT: return .transport("could not connect to \(host) (the connection attempt timed out)")
            default: return .transport("could not connect to \(host) (\(String(cString: strerror(osErrno))))")
            }
        case CONDUIT_CURLE_COULDNT_RESOLVE_HOST:
            return .transport("could not resolve the host \(host)")
        case CONDUIT_CURLE_COULDNT_RESOLVE_PROXY:
            return .transport("could not resolve the proxy host configured for \(host) (check the https_proxy / http_proxy environment)")
        case CONDUIT_CURLE_PROXY:
            return .transport("the proxy configured for \(host) refused or failed the connection (check the https_proxy / http_proxy environment)")
        case CONDUIT_CURLE_OPERATION_TIMEDOUT:
            return .transport("the request to \(host) timed out (no data for too long)")
        case CONDUIT_CURLE_SEND_ERROR, CONDUIT_CURLE_RECV_ERROR:
            return .transport("the connection to \(host) was reset before the response was complete")
        case CONDUIT_CURLE_PARTIAL_FILE:
            if let expected, expected > received {
                return .transport("the response from \(host) ended after \(received) of \(expected) bytes (truncated)")
            }
            return .transport("the connection to \(host) closed before the response was complete (the body was cut short)")
        case CONDUIT_CURLE_GOT_NOTHING:
            return .transport("the connection to \(host) closed before the response was complete (an empty reply)")
        case CONDUIT_CURLE_UNSUPPORTED_PROTOCOL, CONDUIT_CURLE_WEIRD_SERVER_REPLY:
            guard ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                return .transport("the address \(host) uses an unsupported scheme (only http and https)")
            }
            // What libcurl reports when the bytes that came back are not HTTP at all.
            return .transport("\(host) answered with bytes that are not HTTP; check base_url (host, port, http vs https)")
        case CONDUIT_CURLE_URL_MALFORMAT:
            return .transport("the address for \(host) is not a valid URL")
        case CONDUIT_CURLE_TOO_MANY_REDIRECTS:
            return .transport("\(host) redirected too many times")
        case CONDUIT_CURLE_HTTP2, CONDUIT_CURLE_HTTP2_STREAM:
            return .transport("the HTTP/2 connection to \(host) failed before the response was complete")
        case CONDUIT_CURLE_BAD_CONTENT_ENCODING:
            return .transport("\(host) sent a body in an encoding that could not be decoded")
        case CONDUIT_CURLE_PEER_FAILED_VERIFICATION:
            return .transport("the TLS connection to \(host) failed (its certificate could not be verified)")
        case CONDUIT_CURLE_SSL_CONNECT_ERROR, CONDUIT_CURLE_SSL_CERTPROBLEM, CONDUIT_CURLE_SSL_CIPHER, CONDUIT_CURLE_SSL_CACERT_BADFILE,
            51, 53, 54, 64, 66, 80, 82, 83, 90, 91, 98:
            return .transport("the TLS connection to \(host) failed (\(String(cString: conduit_curl_easy_strerror(code))))")
        case CONDUIT_CURLE_OUT_OF_MEMORY:
            return .transport("the request to \(host) failed: out of memory")
        default:
            return .transport("the request to \(host) failed (\(String(cString: conduit_curl_easy_strerror(code))), libcurl code \(code))")
        }
    }
}

/// Where an interrupted download stands: its file so far and the first response.
struct Resume: Sendable {
    var sink: FileSink
    var offset: Int64
    var status: Int
    var headers: [String: String]
    /// ETag (or Last-Modified) for If-Range, so a changed file is fetched anew.
    var validator: String?
}

enum TransferOutcome: Sendable {
    case done(HTTPResponse)
    case failed(ToolCallError)
    /// The connection dropped mid-download, and the server accepts ranges.
    case interrupted(Resume, ToolCallError)
}

/// `scheme://host:port`, lower-cased, with default ports made explicit.
func origin(of url: URL) -> String {
    let scheme = (url.scheme ?? "").lowercased()
    let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
    return "\(scheme)://\((url.host ?? "").lowercased()):\(port)"
}

#if !os(Linux)
/// Routes URLSession's callbacks to the transfer each task belongs to.
private final class SessionDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private let transfers = Mutex<[Int: Transfer]>([:])

    func register(_ transfer: Transfer, for task: URLSessionTask) {
        transfers.withLock { $0[task.taskIdentifier] = transfer }
    }

    func unregister(_ transfer: Transfer) {
        guard let identifier = transfer.taskIdentifier else { return }
        transfers.withLock { _ = $0.removeValue(forKey: identifier) }
    }

    private func transfer(_ task: URLSessionTask) -> Transfer? {
        transfers.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let transfer = transfer(dataTask) else {
            completionHandler(.cancel)
            return
        }
        completionHandler(transfer.receive(response) ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        transfer(dataTask)?.receive(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        transfer(task)?.complete(error)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        guard let transfer = transfer(task), let original = task.originalRequest else {
            completionHandler(nil)
            return
        }
        completionHandler(transfer.redirect(request, original: original))
    }
}

/// The state of one request from start to completion. URLSession calls arrive on one
/// serial queue; cancellation and the deadline may arrive from anywhere.
private final class Transfer: Sendable {
    let url: URL
    let credentialNames: Set<String>
    let policy: BodyPolicy
    let timeouts: HTTPTimeouts
    let resume: Resume?
    private let state = Mutex(State())

    struct State {
        var task: URLSessionTask?
        var continuation: CheckedContinuation<TransferOutcome, Never>?
        var response: HTTPURLResponse?
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var sink: FileSink?
        var received: Int64 = 0
        var expected: Int64?
        var lastReported: Int64 = 0
        /// Why conduit itself stopped the transfer, if it did.
        var stopReason: ToolCallError?
        var redirects = 0
        var deadline: Task<Void, Never>?
        /// The status reported for the whole download (the first response's).
        var status: Int?
    }

    static let maximumRedirects = 10

    init(url: URL, credentialNames: Set<String>, policy: BodyPolicy, timeouts: HTTPTimeouts, resume: Resume?) {
        self.url = url
        self.credentialNames = credentialNames
        self.policy = policy
        self.timeouts = timeouts
        self.resume = resume
    }

    var taskIdentifier: Int? { state.withLock { $0.task?.taskIdentifier } }

    func start(task: URLSessionTask, continuation: CheckedContinuation<TransferOutcome, Never>) {
        let alreadyCancelled = state.withLock { state -> Bool in
            state.task = task
            state.continuation = continuation
            return state.stopReason != nil
        }
        if alreadyCancelled { task.cancel() }
        armDeadline(seconds: timeouts.total)
    }

    /// Replaces the overall deadline (a download gets a longer one once it is known to be one).
    private func armDeadline(seconds: TimeInterval) {
        let limit = Int(seconds)
        let message = "the request to \(hostDescription(url)) did not complete within \(limit) s and timed out"
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled else { return }
            self?.cancel(because: .transport(message))
        }
        let previous = state.withLock { state -> Task<Void, Never>? in
            let previous = state.deadline
            state.deadline = timer
            return previous
        }
        previous?.cancel()
    }

    /// Stops the transfer; the first reason given is the one reported.
    func cancel(because reason: ToolCallError) {
        let task = state.withLock { state -> URLSessionTask? in
            if state.stopReason == nil { state.stopReason = reason }
            return state.task
        }
        task?.cancel()
    }

    /// The response head: decide between memory and file. False stops the transfer.
    func receive(_ response: URLResponse) -> Bool {
        if state.withLock({ $0.stopReason != nil }) { return false }
        guard let http = response as? HTTPURLResponse else {
            cancel(because: .transport("the upstream sent no HTTP response"))
            return false
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        var expected = http.expectedContentLength >= 0 ? http.expectedContentLength : nil
        if let resume {
            // A continuation: 206 from where we stopped appends; 200 (range ignored or
            // the file changed) starts the file over; anything else ends the download.
            let start = headers["content-range"].flatMap(HTTPClient.rangeStart)
            if http.statusCode == 206, start == resume.offset {
                expected = expected.map { $0 + resume.offset }
                state.withLock { state in
                    state.sink = resume.sink
                    state.received = resume.offset
                    state.lastReported = resume.offset
                    state.response = http
                    state.headers = resume.headers
                    state.expected = expected
                    state.status = resume.status
                }
                return true
            }
            if http.statusCode == 200, resume.sink.restart() {
                state.withLock { state in
                    state.sink = resume.sink
                    state.response = http
                    state.headers = headers
                    state.expected = expected
                }
                return true
            }
            resume.sink.discard()
            cancel(because: .transport("the download from \(hostDescription(url)) was interrupted and could not be resumed (HTTP \(http.statusCode))"))
            return false
        }
        if let store = policy.store, policy.streamToFile(http.statusCode, headers) {
            if let expected, expected > Int64(store.settings.maxBytes) {
                cancel(because: .tooLarge(limit: store.settings.maxBytes, announced: expected))
                return false
            }
            let hint = HTTPClient.filename(from: headers["content-disposition"])
            let type = HTTPResponse.mediaType(headers)
            let failure = state.withLock { state -> ToolCallError? in
                do throws(ToolCallError) {
                    state.sink = try store.create(hint: hint, contentType: type)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure {
                cancel(because: failure)
                return false
            }
            armDeadline(seconds: timeouts.download)
        }
        state.withLock { state in
            state.response = http
            state.headers = headers
            state.expected = expected
        }
        policy.progress?(0, expected)
        return true
    }

    func receive(_ data: Data) {
        var report: (Int64, Int64?)?
        var failure: ToolCallError?
        state.withLock { state in
            guard state.stopReason == nil else { return }
            state.received += Int64(data.count)
            if state.sink == nil, state.body.count + data.count > policy.memoryLimit, let store = policy.store {
                // A buffered body that outgrows memory moves to a file.
                do throws(ToolCallError) {
                    let sink = try store.create(hint: nil, contentType: HTTPResponse.mediaType(state.headers))
                    let moved = state.body.withUnsafeBytes { sink.write($0) }
                    state.body = []
                    state.sink = sink
                    if !moved { failure = .transport("could not write the response to \(store.directory) (disk full?)") }
                } catch {
                    failure = error
                }
            }
            if let sink = state.sink {
                if let store = policy.store, state.received > Int64(store.settings.maxBytes) {
                    failure = .tooLarge(limit: store.settings.maxBytes, announced: nil)
                } else if failure == nil, !sink.append(data) {
                    failure = .transport("could not write the download to \(sink.path) (disk full?)")
                }
            } else if failure == nil {
                if state.body.count + data.count > policy.memoryLimit {
                    failure = .transport("the response is larger than \(policy.memoryLimit >> 20) MiB and no file store is configured for it")
                } else {
                    state.body.append(contentsOf: data)
                }
            }
            // Progress at most every 1 MiB or 1 %, whichever is larger.
            let step = max(Int64(1 << 20), (state.expected ?? 0) / 100)
            if policy.progress != nil, state.received - state.lastReported >= step {
                state.lastReported = state.received
                report = (state.received, state.expected)
            }
        }
        if let failure { cancel(because: failure) }
        if let report { policy.progress?(report.0, report.1) }
    }

    func complete(_ error: Error?) {
        let (continuation, outcome, deadline) = state.withLock { state -> (CheckedContinuation<TransferOutcome, Never>?, TransferOutcome, Task<Void, Never>?) in
            let continuation = state.continuation
            state.continuation = nil
            let outcome: TransferOutcome
            let truncated = error == nil && state.response != nil && state.expected.map { state.received < $0 } == true
            if let reason = state.stopReason {
                state.sink?.discard()
                outcome = .failed(reason)
            } else if let sink = state.sink, error != nil || truncated, let http = state.response,
                Self.dropped(error), http.statusCode == 200 || http.statusCode == 206,
                state.headers["accept-ranges"]?.lowercased().contains("bytes") == true || http.statusCode == 206
            {
                // A download cut short by the network: keep the file and continue it.
                let failure: ToolCallError = .transport("the download from \(hostDescription(url)) was cut off after \(state.received) bytes")
                // Continue from what is on disk: every queued byte, and nothing else.
                _ = sink.flush()
                outcome = .interrupted(
                    Resume(
                        sink: sink, offset: sink.size, status: state.status ?? http.statusCode, headers: state.headers,
                        validator: state.headers["etag"] ?? state.headers["last-modified"]),
                    failure)
            } else if let error {
                state.sink?.discard()
                outcome = .failed(HTTPClient.describe(error, url: state.task?.currentRequest?.url ?? url))
            } else if let http = state.response {
                if truncated {
                    state.sink?.discard()
                    outcome = .failed(.transport("the response from \(hostDescription(url)) ended after \(state.received) of \(state.expected ?? 0) bytes (truncated)"))
                } else if let sink = state.sink, !sink.flush() {
                    sink.discard()
                    outcome = .failed(.transport("could not write the download to \(sink.path) (disk full?)"))
                } else {
                    let file = state.sink?.finish()
                    if let progress = policy.progress, state.received != state.lastReported { progress(state.received, state.expected) }
                    outcome = .done(
                        HTTPResponse(status: state.status ?? http.statusCode, headers: state.headers, body: state.body, url: http.url, file: file))
                }
            } else {
                outcome = .failed(.transport("the upstream sent no HTTP response"))
            }
            state.sink = nil
            state.body = []
            return (continuation, outcome, state.deadline)
        }
        deadline?.cancel()
        continuation?.resume(returning: outcome)
    }

    /// A connection lost or gone silent mid-body (as opposed to refused or cancelled).
    private static func dropped(_ error: Error?) -> Bool {
        guard let error else { return true }
        guard let code = (error as? URLError)?.code else { return false }
        // libcurl's "closed before the whole body" arrives as .unknown on Linux.
        return code == .networkConnectionLost || code == .timedOut || code == .unknown
    }

    /// Same origin: follow with everything. Another origin: follow without the
    /// credential headers. Too many hops: stop.
    func redirect(_ proposed: URLRequest, original: URLRequest) -> URLRequest? {
        let hops = state.withLock { state -> Int in
            state.redirects += 1
            return state.redirects
        }
        guard hops <= Self.maximumRedirects, let target = proposed.url, ["http", "https"].contains(target.scheme?.lowercased() ?? "") else {
            // Not followed: the 3xx then arrives as the response and is refused there.
            // (Cancelling the task inside this callback crashes URLSession on Linux.)
            state.withLock { state in
                if state.stopReason == nil {
                    state.stopReason = .transport("\(hostDescription(url)) redirected too many times or to an unsupported address")
                }
            }
            return nil
        }
        var next = proposed
        let sameOrigin = origin(of: target) == origin(of: url)
        if !sameOrigin, SecretRedactor.shared.contains(target.absoluteString) {
            // The credential headers would stay behind, but the address carries a secret along.
            state.withLock { state in
                if state.stopReason == nil {
                    state.stopReason = .transport("\(hostDescription(url)) redirected to \(hostDescription(target)) with a credential in the address; conduit did not follow it")
                }
            }
            return nil
        }
        for (name, value) in original.allHTTPHeaderFields ?? [:] {
            let isCredential = credentialNames.contains(name.lowercased())
            if isCredential && !sameOrigin {
                next.setValue(nil, forHTTPHeaderField: name)
            } else if next.value(forHTTPHeaderField: name) == nil {
                next.setValue(value, forHTTPHeaderField: name)
            }
        }
        if !sameOrigin {
            for name in credentialNames { next.setValue(nil, forHTTPHeaderField: name) }
        }
        return next
    }
}
#endif

func hostDescription(_ url: URL) -> String {
    url.host.map { "\($0)\(url.port.map { ":\($0)" } ?? "")" } ?? "the upstream"
}

/// Reading response heads (shared by both paths).
extension HTTPClient {
    /// The first byte of `bytes 100-199/1000`.
    static func rangeStart(_ contentRange: String) -> Int64? {
        let text = contentRange.trimmed.lowercased()
        guard text.hasPrefix("bytes ") else { return nil }
        return Int64(text.dropFirst(6).prefix { $0.isNumber })
    }

    /// The filename in a Content-Disposition header, if any (`filename*=` or `filename=`).
    static func filename(from disposition: String?) -> String? {
        guard let disposition else { return nil }
        for part in disposition.split(separator: ";") {
            let pair = part.trimmed
            if pair.lowercased().hasPrefix("filename*=") {
                let value = pair.dropFirst("filename*=".count)
                let encoded = value.split(separator: "'", omittingEmptySubsequences: false).last.map(String.init) ?? String(value)
                if let decoded = encoded.percentDecoded { return FilePath.lastComponent(of: decoded) }
            }
        }
        for part in disposition.split(separator: ";") {
            let pair = part.trimmed
            if pair.lowercased().hasPrefix("filename=") {
                let value = pair.dropFirst("filename=".count).trimmed(andAlso: ["\""])
                return FilePath.lastComponent(of: value)
            }
        }
        return nil
    }
}
