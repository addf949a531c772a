#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends upstream requests and hands back their responses: bodies streamed to files as
/// they arrive (hashed on the way), redirects followed with credentials only within the
/// same origin, interrupted downloads continued with Range requests, and its own overall
/// deadline. Cancelling the calling task cancels the transfer.
///
/// Every platform uses the same engine, libcurl, opened at run time (`CurlWorkers`):
/// one blocking transfer per request on a worker thread, driving a `Transfer`.
package final class HTTPClient: Sendable {
    package let timeouts: HTTPTimeouts
    /// Origins served on a Unix socket (the built-in sandboxes): origin → socket path.
    package let unixSockets: [String: String]

    package init(timeouts: HTTPTimeouts = HTTPTimeouts(), unixSockets: [String: String] = [:]) {
        self.timeouts = timeouts
        self.unixSockets = unixSockets
    }

    static var userAgent: String { "conduit/\(ConduitVersion.current)" }

    /// How many times one download is continued with a Range request after the
    /// connection drops mid-body.
    static let maximumResumes = 3

    /// Sends `request` with `credentials` (auth headers, never sent to another origin).
    package func send(
        _ request: UpstreamRequest, extraHeaders credentials: [(String, String)], policy: BodyPolicy = .buffered
    ) async throws(TransportError) -> HTTPResponse {
        guard let workers = CurlWorkers.shared else {
            throw TransportError(
                .unavailable,
                "libcurl could not be loaded, so no HTTP request can be made; install libcurl 4 (Debian/Ubuntu: apt install libcurl4)")
        }
        var outgoing = OutgoingRequest(
            method: request.method.uppercased(), url: request.url, headers: [], body: request.content,
            credentialNames: Set(credentials.map { $0.0.lowercased() }))
        for (name, value) in request.headers { outgoing.set(name, value) }
        for (name, value) in credentials { outgoing.set(name, value) }
        outgoing.set("User-Agent", Self.userAgent)

        return try await Self.withResumes { [timeouts, unixSockets] resume in
            if let resume {
                // Continue an interrupted download where it stopped, if the file is unchanged.
                outgoing.set("Range", "bytes=\(resume.offset)-")
                if let validator = resume.validator { outgoing.set("If-Range", validator) }
            }
            let control = TransferControl()
            let job = outgoing
            return await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    workers.run { handle in
                        let transfer = Transfer(request: job, policy: policy, timeouts: timeouts, resume: resume, control: control)
                        let outcome = CurlEngine(transfer, unixSockets: unixSockets).perform(handle)
                        return { continuation.resume(returning: outcome) }
                    }
                }
            } onCancel: {
                control.stop(because: .cancelled)
            }
        }
    }

    /// Runs one request in rounds: the first, then after each interruption mid-body a
    /// continuation from where the file stopped (at most `maximumResumes`). `round` sends
    /// one attempt (with Range headers when given a `Resume`) and reports its outcome.
    static func withResumes(_ round: (Resume?) async -> TransferOutcome) async throws(TransportError) -> HTTPResponse {
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
        throw TransportError(.truncated, "the download could not be completed")
    }
}
