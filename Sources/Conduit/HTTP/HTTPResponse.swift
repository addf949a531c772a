#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

/// Where a response body goes, decided when the response head arrives.
package struct BodyPolicy: Sendable {
    /// True when the body should be streamed to a file (media).
    package var streamToFile: @Sendable (_ status: Int, _ headers: [String: String]) -> Bool
    /// The store for streamed bodies; nil = everything stays in memory.
    package var store: FileStore?
    /// Bytes received so far and the expected total, for progress reports.
    package var progress: (@Sendable (_ received: Int64, _ expected: Int64?) -> Void)?
    /// Bytes of a streamed request body sent so far and its size (uploads), reported
    /// every MiB or 1 % and at the end.
    package var uploadProgress: (@Sendable (_ sent: Int64, _ total: Int64) -> Void)?
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

/// `host:port` as error sentences name it, or "the upstream" for an address without a host.
func hostDescription(_ url: URL) -> String {
    url.host.map { "\($0)\(url.port.map { ":\($0)" } ?? "")" } ?? "the upstream"
}

/// `scheme://host:port`, lower-cased, with default ports made explicit.
func origin(of url: URL) -> String {
    let scheme = (url.scheme ?? "").lowercased()
    let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
    return "\(scheme)://\((url.host ?? "").lowercased()):\(port)"
}
