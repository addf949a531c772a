/// Why an HTTP exchange produced no response: a code a program can branch on, and a
/// sentence a person can read.
///
/// Not a transport error: any answer the upstream gave, whatever its status. A 404 or a
/// 500 is a response, and reading it is the caller's business.
package struct TransportError: Error, Sendable, Equatable {
    /// What kind of failure this was. The raw value is what tool results show as `type`.
    package enum Code: String, Sendable, Equatable, CaseIterable {
        /// No data for longer than the idle timeout, or the whole call ran past its deadline.
        case timeout
        /// The host answered the connection attempt with a refusal.
        case refused
        /// No route to the host (network down or unreachable).
        case unreachable
        /// The host name could not be resolved.
        case dns
        /// The configured proxy could not be resolved or failed the connection.
        case proxy
        /// The TLS handshake or the certificate check failed.
        case tls
        /// The connection broke while sending or receiving.
        case reset
        /// The response ended before all of its body arrived.
        case truncated
        /// What came back was not a well-formed HTTP response.
        case notHTTP = "not_http"
        /// More redirects than conduit follows.
        case tooManyRedirects = "too_many_redirects"
        /// A redirect conduit would not follow (it would carry a credential to another origin).
        case redirectRefused = "redirect_refused"
        /// The address is not a valid http or https URL.
        case unsupportedAddress = "unsupported_address"
        /// The file a body is written to (or read from) could not be created or written.
        case localFile = "local_file"
        /// The body is larger than the configured cap.
        case tooLarge = "too_large"
        /// The caller cancelled the call.
        case cancelled
        /// libcurl could not be loaded, so no request can be made.
        case unavailable
        /// Anything else.
        case failed
    }

    package var code: Code
    /// One sentence without a final period, never containing a credential.
    package var detail: String
    /// For `tooLarge`: the cap, and the size the upstream announced if it did.
    package var limit: Int?
    package var announced: Int64?

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// A body over `limit` bytes (announced up front, or counted as it arrived).
    package static func tooLarge(limit: Int, announced: Int64?) -> TransportError {
        var error = TransportError(.tooLarge, "the response is larger than the cap of \(limit) bytes")
        error.limit = limit
        error.announced = announced
        return error
    }

    package static let cancelled = TransportError(.cancelled, "the call was cancelled")
}
