import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A buffered upstream HTTP response. Header names are lower-cased.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: [UInt8]
    package var url: URL?

    package var contentType: String {
        headers["content-type"].map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }
}

/// Timeouts for upstream calls.
package struct HTTPTimeouts: Sendable {
    /// Longest silence while connecting or waiting for bytes.
    package var idle: TimeInterval = 30
    /// Longest a whole call may take.
    package var total: TimeInterval = 120

    package init(idle: TimeInterval = 30, total: TimeInterval = 120) {
        self.idle = idle
        self.total = total
    }
}

/// Sends requests with URLSession; cancelling the calling task cancels the transfer.
package final class HTTPClient: Sendable {
    private let session: URLSession

    package init(timeouts: HTTPTimeouts = HTTPTimeouts()) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeouts.idle
        configuration.timeoutIntervalForResource = timeouts.total
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 64
        session = URLSession(configuration: configuration)
    }

    package func send(_ request: UpstreamRequest, extraHeaders: [(String, String)]) async throws(ToolCallError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        for (name, value) in extraHeaders { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if let body = request.body { urlRequest.httpBody = Data(body) }
        urlRequest.setValue("conduit/\(ConduitVersion.current)", forHTTPHeaderField: "User-Agent")

        let box = TaskBox()
        let result: Result<HTTPResponse, ToolCallError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    if let error {
                        continuation.resume(returning: .failure(Self.describe(error, url: request.url)))
                        return
                    }
                    guard let http = response as? HTTPURLResponse else {
                        continuation.resume(returning: .failure(.transport("the upstream sent no HTTP response")))
                        return
                    }
                    var headers: [String: String] = [:]
                    for (key, value) in http.allHeaderFields {
                        if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                    }
                    continuation.resume(
                        returning: .success(
                            HTTPResponse(status: http.statusCode, headers: headers, body: data.map { Array($0) } ?? [], url: http.url)))
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
        if Task.isCancelled { throw .cancelled }
        return try result.get()
    }

    /// One readable sentence for a transport failure. Never includes credentials:
    /// the URL carries none (auth travels in headers).
    static func describe(_ error: Error, url: URL) -> ToolCallError {
        let host = url.host.map { "\($0)\(url.port.map { ":\($0)" } ?? "")" } ?? "the upstream"
        guard let urlError = error as? URLError else {
            return .transport("the request to \(host) failed: \(error.localizedDescription)")
        }
        switch urlError.code {
        case .cancelled: return .cancelled
        case .timedOut: return .transport("the request to \(host) timed out")
        case .cannotConnectToHost: return .transport("could not connect to \(host) (connection refused)")
        case .cannotFindHost, .dnsLookupFailed: return .transport("could not resolve the host \(host)")
        case .networkConnectionLost: return .transport("the connection to \(host) was reset before the response was complete")
        case .notConnectedToInternet: return .transport("no network connection to reach \(host)")
        case .badServerResponse: return .transport("\(host) sent a malformed HTTP response")
        case .httpTooManyRedirects, .redirectToNonExistentLocation: return .transport("\(host) redirected too many times")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot:
            return .transport("the TLS connection to \(host) failed (\(urlError.code.rawValue))")
        default: return .transport("the request to \(host) failed (URL error \(urlError.code.rawValue))")
        }
    }
}

/// Holds the URLSession task so cancellation from another thread can reach it.
private final class TaskBox: Sendable {
    private let state = Mutex<(task: URLSessionTask?, cancelled: Bool)>((nil, false))

    func set(_ task: URLSessionTask) {
        let cancelNow = state.withLock { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { state -> URLSessionTask? in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}
