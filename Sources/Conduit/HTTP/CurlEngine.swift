import CConduit
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

/// One round of a request through libcurl: each hop is a blocking `curl_easy_perform`
/// on a `CurlWorkers` thread, whose callbacks are turned into `Transfer` events. The
/// engine only speaks libcurl; every decision about the response is the transfer's.
///
/// It never leaves its worker thread: libcurl's callbacks reach it through an
/// unretained pointer while `perform` holds it.
final class CurlEngine {
    private let transfer: Transfer
    /// Origins reached through a Unix socket instead of the network: origin → socket path.
    private let unixSockets: [String: String]

    /// libcurl's receive buffer: larger reads, fewer callbacks.
    static let bufferSize = 512 << 10

    // The head being read: status and lower-cased headers (repeated names joined).
    private var headStatus: Int?
    private var headHeaders: [String: String] = [:]
    private var lastHeaderName: String?
    /// The head of this hop is complete (later header lines are trailers).
    private var headDone = false
    /// The body being sent on this hop, when it is not plain bytes.
    private var reader: BodyReader?
    /// The upload position last reported (see `BodyPolicy.uploadProgress`).
    private var uploadReported: Int64 = -1

    init(_ transfer: Transfer, unixSockets: [String: String] = [:]) {
        self.unixSockets = unixSockets
        self.transfer = transfer
    }

    /// Runs every hop of the round with `handle` and says how it ended.
    func perform(_ handle: OpaquePointer?) -> TransferOutcome {
        guard let handle else {
            return transfer.end(.failed(TransportError(.unavailable, "libcurl could not start a transfer to \(hostDescription(transfer.request.url))"), dropped: false))
        }
        while true {
            if let failure = transfer.checkBeforeHop() {
                return transfer.end(.failed(failure, dropped: false))
            }
            let (code, osErrno, resolved) = performHop(handle)
            if let target = transfer.redirectTarget, headDone, !transfer.control.isStopped {
                // A redirect: follow it (its body, if any, was dropped).
                guard transfer.redirect(to: resolved ?? target) else { return transfer.end(.complete) }
                continue
            }
            if code == CONDUIT_CURLE_OK { return transfer.end(.complete) }
            if let failure = reader?.failure { return transfer.end(.failed(failure, dropped: false)) }
            let timedOut = transfer.idleExpired && code == CONDUIT_CURLE_ABORTED_BY_CALLBACK
            let effective = timedOut ? CONDUIT_CURLE_OPERATION_TIMEDOUT : code
            let error = Self.error(
                curlCode: effective, osErrno: osErrno, url: transfer.hop.url, received: transfer.received, expected: transfer.expected)
            return transfer.end(.failed(error, dropped: Self.dropped(effective)))
        }
    }

    /// A connection lost or gone silent mid-body (as opposed to refused or cancelled).
    private static func dropped(_ code: Int32) -> Bool {
        [
            CONDUIT_CURLE_PARTIAL_FILE, CONDUIT_CURLE_RECV_ERROR, CONDUIT_CURLE_SEND_ERROR,
            CONDUIT_CURLE_OPERATION_TIMEDOUT, CONDUIT_CURLE_HTTP2, CONDUIT_CURLE_HTTP2_STREAM,
        ].contains(code)
    }

    /// One `curl_easy_perform`: the CURLcode, the system error number, and where libcurl
    /// says a redirect points (it resolves relative references).
    private func performHop(_ handle: OpaquePointer) -> (Int32, Int32, URL?) {
        headStatus = nil
        headHeaders = [:]
        lastHeaderName = nil
        headDone = false
        reader = nil
        transfer.beginHop()
        conduit_curl_easy_reset(handle)
        let hop = transfer.hop

        var list: OpaquePointer?
        for (name, value) in hop.headers {
            // No CR, LF or NUL can reach the wire inside a value (header injection).
            let clean = String(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" || $0 == "\0" ? " " : Character($0) })
            // `Name;` sends an empty header (`Name:` would remove it).
            let line = clean.isEmpty ? "\(name);" : "\(name): \(clean)"
            if let next = conduit_curl_slist_append(list, line) { list = next }
        }
        // No `Expect: 100-continue` round trip before a large body.
        if let next = conduit_curl_slist_append(list, "Expect:") { list = next }
        defer { conduit_curl_slist_free_all(list) }

        conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_URL, hop.url.absoluteString)
        if !unixSockets.isEmpty, let socket = unixSockets[origin(of: hop.url)] {
            conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_UNIX_SOCKET_PATH, socket)
        }
        conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_PROTOCOLS_STR, "http,https")
        conduit_curl_setopt_slist(handle, CONDUIT_CURLOPT_HTTPHEADER, list)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_NOSIGNAL, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_FOLLOWLOCATION, 0)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_TCP_KEEPALIVE, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_BUFFERSIZE, Self.bufferSize)
        // Offer every encoding libcurl can decode and hand over decoded bytes (a
        // Content-Length then counts encoded bytes: see `Transfer.bodyLength`).
        conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_ACCEPT_ENCODING, "")
        // Idle: connecting, and then less than one byte a second for `idle` seconds.
        let timeouts = transfer.timeouts
        let idle = max(timeouts.idle, 0.001)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_CONNECTTIMEOUT_MS, Self.clamped(idle * 1000))
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_LOW_SPEED_LIMIT, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_LOW_SPEED_TIME, max(1, Self.clamped(idle.rounded(.up))))
        // The transfer keeps its own overall deadline (longer for downloads); this is a backstop.
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_TIMEOUT_MS, Self.clamped((max(timeouts.total, timeouts.download) + 60) * 1000))

        let context = Unmanaged.passUnretained(self).toOpaque()
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_HEADERDATA, context)
        conduit_curl_setopt_data_callback(handle, CONDUIT_CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let engine = Unmanaged<CurlEngine>.fromOpaque(context!).takeUnretainedValue()
            return engine.headerLine(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_WRITEDATA, context)
        conduit_curl_setopt_data_callback(handle, CONDUIT_CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let engine = Unmanaged<CurlEngine>.fromOpaque(context!).takeUnretainedValue()
            return engine.transfer.bytes(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_NOPROGRESS, 0)
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_XFERINFODATA, context)
        conduit_curl_setopt_progress_callback(handle, CONDUIT_CURLOPT_XFERINFOFUNCTION) { context, _, _, _, _ in
            Unmanaged<CurlEngine>.fromOpaque(context!).takeUnretainedValue().transfer.shouldStop() ? 1 : 0
        }

        let code: Int32 = withExtendedLifetime(self) {
            switch hop.method {
            case "GET":
                conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_HTTPGET, 1)
                return conduit_curl_easy_perform(handle)
            case "HEAD":
                conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_NOBODY, 1)
                return conduit_curl_easy_perform(handle)
            default:
                conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_CUSTOMREQUEST, hop.method)
                guard let body = hop.body else {
                    guard ["POST", "PUT", "PATCH"].contains(hop.method) else { return conduit_curl_easy_perform(handle) }
                    return sendBytes([], handle)
                }
                if let bytes = body.bytes { return sendBytes(bytes, handle) }
                return sendStream(body, handle, context)
            }
        }
        var osErrno = 0
        conduit_curl_getinfo_long(handle, CONDUIT_CURLINFO_OS_ERRNO, &osErrno)
        var resolved: URL?
        if transfer.redirectTarget != nil {
            var text: UnsafePointer<CChar>?
            if conduit_curl_getinfo_string(handle, CONDUIT_CURLINFO_REDIRECT_URL, &text) == CONDUIT_CURLE_OK, let text {
                resolved = URL(string: String(cString: text))
            }
        }
        return (code, Int32(truncatingIfNeeded: osErrno), resolved)
    }

    /// Sends a body held in memory: libcurl reads it from there (it does not copy it).
    private func sendBytes(_ bytes: [UInt8], _ handle: OpaquePointer) -> Int32 {
        // Never a null pointer (that would make libcurl read the body elsewhere).
        let backing = bytes.isEmpty ? [0] : bytes
        return backing.withUnsafeBytes { buffer in
            conduit_curl_setopt_off_t(handle, CONDUIT_CURLOPT_POSTFIELDSIZE_LARGE, Int64(bytes.count))
            conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_POSTFIELDS, buffer.baseAddress)
            return conduit_curl_easy_perform(handle)
        }
    }

    /// Sends a body read in chunks as it goes out (files), with a known length, and
    /// lets libcurl move back in it when it sends the request again.
    private func sendStream(_ body: RequestBody, _ handle: OpaquePointer, _ context: UnsafeMutableRawPointer) -> Int32 {
        let reader = BodyReader(body)
        self.reader = reader
        // POST with no POSTFIELDS reads through the read callback; CUSTOMREQUEST names the method.
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_POST, 1)
        conduit_curl_setopt_off_t(handle, CONDUIT_CURLOPT_POSTFIELDSIZE_LARGE, reader.count)
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_READDATA, context)
        conduit_curl_setopt_data_callback(handle, CONDUIT_CURLOPT_READFUNCTION) { data, size, count, context in
            let engine = Unmanaged<CurlEngine>.fromOpaque(context!).takeUnretainedValue()
            engine.transfer.activity()
            guard !engine.transfer.control.isStopped, let reader = engine.reader,
                let read = reader.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
            else { return Int(CONDUIT_CURL_READFUNC_ABORT) }
            engine.reportUpload(reader)
            return read
        }
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_SEEKDATA, context)
        conduit_curl_setopt_seek_callback(handle, CONDUIT_CURLOPT_SEEKFUNCTION) { context, offset, origin in
            let engine = Unmanaged<CurlEngine>.fromOpaque(context!).takeUnretainedValue()
            // libcurl only ever seeks from the start (SEEK_SET) when it rewinds.
            guard origin == SEEK_SET, let reader = engine.reader, reader.seek(to: offset) else { return CONDUIT_CURL_SEEKFUNC_CANTSEEK }
            return CONDUIT_CURL_SEEKFUNC_OK
        }
        return conduit_curl_easy_perform(handle)
    }

    /// Tells the policy how far a streamed body got: every MiB or 1 %, and at the end.
    private func reportUpload(_ reader: BodyReader) {
        guard let report = transfer.policy.uploadProgress else { return }
        let step = max(1 << 20, reader.count / 100)
        guard reader.position == reader.count ? uploadReported != reader.count : reader.position - uploadReported >= step else { return }
        uploadReported = reader.position
        report(reader.position, reader.count)
    }

    /// A whole number of seconds or milliseconds for libcurl (a long), never trapping.
    private static func clamped(_ value: Double) -> Int {
        value.isFinite ? Int(min(max(value, 0), Double(Int32.max))) : Int(Int32.max)
    }

    // MARK: The response head

    /// One header line (status line, field, or the blank line ending the head). False stops the transfer.
    private func headerLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        transfer.activity()
        if transfer.control.isStopped { return false }
        if headDone { return true }  // trailers
        // Without its line ending (on bytes: "\r\n" is one Character in Swift).
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self))
        if line.isEmpty {
            guard let status = headStatus else { return true }
            // An interim answer (100 Continue, 103 Early Hints): the real head follows.
            if (100..<200).contains(status) { return true }
            headDone = true
            return transfer.head(status: status, headers: headHeaders)
        }
        if line.hasPrefix("HTTP/") {
            headStatus = line.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
            headHeaders = [:]
            lastHeaderName = nil
            return true
        }
        if let first = line.first, first == " " || first == "\t", let name = lastHeaderName {
            // An obsolete folded continuation of the previous field.
            headHeaders[name, default: ""] += " " + line.trimmed
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = line[..<colon].trimmed.lowercased()
        let value = line[line.index(after: colon)...].trimmed
        if let existing = headHeaders[name] {
            headHeaders[name] = existing + ", " + value
        } else {
            headHeaders[name] = value
        }
        lastHeaderName = name
        return true
    }
}
