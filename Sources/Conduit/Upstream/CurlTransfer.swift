#if os(Linux)
import CConduit
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

/// Threads that run libcurl transfers, each with one easy handle of its own.
///
/// `curl_easy_perform` blocks for the whole transfer, so it never runs on Swift's
/// cooperative pool: a job goes to an idle worker (the most recently used first, whose
/// handle holds the warmest connections) or to a new thread. A worker resets its handle
/// after each job (`curl_easy_reset` keeps live connections and the DNS cache, so
/// keep-alive works across calls) and waits for the next one; beyond `maximumIdle`
/// idle workers, a worker ends and frees its handle. At most `maximumRunning`
/// transfers run at once; later jobs wait their turn in order (a burst of hundreds of
/// calls would otherwise open hundreds of connections, more than any API accepts).
final class CurlWorkers: Sendable {
    /// nil when libcurl cannot be found or initialised.
    static let shared: CurlWorkers? = conduit_curl_available() != 0 ? CurlWorkers() : nil

    static let maximumIdle = 4
    static let maximumRunning = 64

    /// A job runs with the worker's handle and returns what to do once the worker is
    /// idle again (resuming the caller then lets its next request find this worker and
    /// its warm connection).
    typealias Job = @Sendable (OpaquePointer?) -> @Sendable () -> Void

    private final class Worker: Sendable {
        let wake = DispatchSemaphore(value: 0)
        let job = Mutex<Job?>(nil)
    }

    private struct State {
        var idle: [Worker] = []
        var waiting: [Job] = []
        var running = 0
    }

    private let state = Mutex(State())

    /// Runs `job` on a worker thread with its easy handle (nil if libcurl could not make
    /// one), now or when a running transfer ends.
    func run(_ job: @escaping Job) {
        let worker = state.withLock { state -> Worker?? in
            guard state.running < Self.maximumRunning else {
                state.waiting.append(job)
                return .none
            }
            state.running += 1
            return .some(state.idle.popLast())
        }
        switch worker {
        case .none:
            return
        case .some(.some(let idle)):
            idle.job.withLock { $0 = job }
            idle.wake.signal()
        case .some(.none):
            let fresh = Worker()
            fresh.job.withLock { $0 = job }
            startThread(named: "conduit.curl") { [self] in loop(fresh) }
        }
    }

    private enum Next {
        case job(Job)
        case idle
        case exit
    }

    private func loop(_ worker: Worker) {
        let handle = conduit_curl_easy_init()
        var next = worker.job.withLock { job in
            defer { job = nil }
            return job
        }
        while let job = next {
            let then = job(handle)
            if let handle { conduit_curl_easy_reset(handle) }
            let decision = state.withLock { state -> Next in
                if !state.waiting.isEmpty { return .job(state.waiting.removeFirst()) }
                state.running -= 1
                guard handle != nil, state.idle.count < Self.maximumIdle else { return .exit }
                state.idle.append(worker)
                return .idle
            }
            then()
            switch decision {
            case .job(let waiting):
                next = waiting
            case .idle:
                worker.wake.wait()
                next = worker.job.withLock { job in
                    defer { job = nil }
                    return job
                }
            case .exit:
                next = nil
            }
        }
        if let handle { conduit_curl_easy_cleanup(handle) }
    }
}

/// Stops a running transfer from any thread; the first reason given is the one reported.
final class TransferControl: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let reason = Mutex<ToolCallError?>(nil)

    func stop(because reason: ToolCallError) {
        self.reason.withLock { if $0 == nil { $0 = reason } }
        stopped.store(true, ordering: .releasing)
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    var stopReason: ToolCallError? { reason.withLock { $0 } }
}

/// A request as libcurl sends it: header names unique (case-insensitively), credentials
/// named so a redirect to another origin can drop them.
struct CurlRequest: Sendable {
    var method: String
    var url: URL
    var headers: [(name: String, value: String)]
    var body: [UInt8]?
    var credentialNames: Set<String>

    /// Sets `name` to `value`, replacing any header of that name.
    mutating func set(_ name: String, _ value: String) {
        let lowered = name.lowercased()
        if let index = headers.firstIndex(where: { $0.name.lowercased() == lowered }) {
            headers[index] = (name, value)
        } else {
            headers.append((name, value))
        }
    }
}

/// One upstream request through libcurl: the redirect hops and resume rounds around
/// blocking `curl_easy_perform` calls, which run on a `CurlWorkers` thread.
enum CurlTransfer {
    static func send(
        _ request: UpstreamRequest, credentials: [(String, String)], policy: BodyPolicy, timeouts: HTTPTimeouts, workers: CurlWorkers
    ) async throws(ToolCallError) -> HTTPResponse {
        var curlRequest = CurlRequest(
            method: request.method.uppercased(), url: request.url, headers: [], body: request.body,
            credentialNames: Set(credentials.map { $0.0.lowercased() }))
        for (name, value) in request.headers { curlRequest.set(name, value) }
        for (name, value) in credentials { curlRequest.set(name, value) }
        curlRequest.set("User-Agent", HTTPClient.userAgent)

        return try await HTTPClient.withResumes { resume in
            if let resume {
                // Continue an interrupted download where it stopped, if the file is unchanged.
                curlRequest.set("Range", "bytes=\(resume.offset)-")
                if let validator = resume.validator { curlRequest.set("If-Range", validator) }
            }
            let control = TransferControl()
            let job = curlRequest
            return await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    workers.run { handle in
                        let outcome = CurlRun(request: job, policy: policy, timeouts: timeouts, resume: resume, control: control).perform(handle)
                        return { continuation.resume(returning: outcome) }
                    }
                }
            } onCancel: {
                control.stop(because: .cancelled)
            }
        }
    }
}

/// The state of one request on its worker thread, from the first hop to the outcome.
/// It never leaves that thread: libcurl's callbacks reach it through an unretained
/// pointer while `perform` holds it. Only `control` is shared.
private final class CurlRun {
    let request: CurlRequest
    let policy: BodyPolicy
    let timeouts: HTTPTimeouts
    let resume: Resume?
    let control: TransferControl

    static let maximumRedirects = 10
    /// libcurl's receive buffer: larger reads, fewer callbacks.
    static let bufferSize = 512 << 10

    /// When bytes last arrived on this hop (monotonic nanoseconds). libcurl's own
    /// low-speed check averages over several seconds, so conduit watches silence itself.
    private var lastActivity: UInt64 = 0
    /// This hop was stopped for silence; it then counts as libcurl's timeout.
    private var idleExpired = false

    /// The overall deadline (monotonic nanoseconds) and what it was set to.
    private var deadline: UInt64 = 0
    private var deadlineSeconds: TimeInterval = 0

    // The current hop.
    private var hopURL: URL
    private var hopMethod: String
    private var hopBody: [UInt8]?
    private var redirects = 0
    /// The head being read: status and lower-cased headers (repeated names joined).
    private var headStatus: Int?
    private var headHeaders: [String: String] = [:]
    private var lastHeaderName: String?
    /// The head of this hop is complete (later header lines are trailers).
    private var headDone = false
    /// This hop's answer is a redirect to follow: its body is dropped.
    private var redirectTarget: URL?

    // The response being kept.
    private var response: (status: Int, headers: [String: String])?
    private var reportedStatus: Int?
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []
    private var sink: FileSink?
    private var received: Int64 = 0
    private var expected: Int64?
    private var lastReported: Int64 = 0

    init(request: CurlRequest, policy: BodyPolicy, timeouts: HTTPTimeouts, resume: Resume?, control: TransferControl) {
        self.request = request
        self.policy = policy
        self.timeouts = timeouts
        self.resume = resume
        self.control = control
        hopURL = request.url
        hopMethod = request.method
        hopBody = request.body
    }

    // MARK: Running

    func perform(_ handle: OpaquePointer?) -> TransferOutcome {
        guard let handle else {
            resume?.sink.discard()
            return .failed(.transport("libcurl could not start a transfer to \(hostDescription(request.url))"))
        }
        armDeadline(seconds: timeouts.total)
        while true {
            if let reason = control.stopReason {
                discardFiles()
                return .failed(reason)
            }
            guard ["http", "https"].contains(hopURL.scheme?.lowercased() ?? "") else {
                discardFiles()
                return .failed(.transport("the address \(hostDescription(hopURL)) uses an unsupported scheme (only http and https)"))
            }
            var (code, osErrno) = performHop(handle)
            if idleExpired && code == CONDUIT_CURLE_ABORTED_BY_CALLBACK { code = CONDUIT_CURLE_OPERATION_TIMEDOUT }
            if let target = redirectTarget, headDone, control.stopReason == nil {
                // A redirect: follow it (its body, if any, was dropped).
                redirects += 1
                guard redirects <= Self.maximumRedirects, ["http", "https"].contains(target.scheme?.lowercased() ?? "") else {
                    control.stop(because: .transport("\(hostDescription(request.url)) redirected too many times or to an unsupported address"))
                    continue
                }
                if origin(of: target) != origin(of: request.url), SecretRedactor.shared.contains(target.absoluteString) {
                    // The credential headers stay behind, but this address would carry a secret along.
                    control.stop(because: .transport("\(hostDescription(request.url)) redirected to \(hostDescription(target)) with a credential in the address; conduit did not follow it"))
                    continue
                }
                follow(to: target)
                continue
            }
            return complete(code: code, osErrno: osErrno)
        }
    }

    /// Moves to `target`: same origin keeps every header, another origin loses the
    /// credentials. 303 (and 301/302 after a POST) continue as a GET without the body.
    private func follow(to target: URL) {
        if let status = headStatus, status == 303 || ((status == 301 || status == 302) && hopMethod == "POST") {
            if hopMethod != "HEAD" { hopMethod = "GET" }
            hopBody = nil
        }
        hopURL = target
    }

    /// The headers for the current hop.
    private func hopHeaders() -> [(name: String, value: String)] {
        let sameOrigin = origin(of: hopURL) == origin(of: request.url)
        return request.headers.filter { header in
            if !sameOrigin && request.credentialNames.contains(header.name.lowercased()) { return false }
            if hopBody == nil && request.body != nil && header.name.lowercased() == "content-type" { return false }
            return true
        }
    }

    /// One `curl_easy_perform`: returns the CURLcode and the system error number.
    private func performHop(_ handle: OpaquePointer) -> (Int32, Int32) {
        headStatus = nil
        headHeaders = [:]
        lastActivity = DispatchTime.now().uptimeNanoseconds
        idleExpired = false
        lastHeaderName = nil
        headDone = false
        redirectTarget = nil
        conduit_curl_easy_reset(handle)

        var list: OpaquePointer?
        for (name, value) in hopHeaders() {
            // No CR, LF or NUL can reach the wire inside a value (header injection).
            let clean = String(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" || $0 == "\0" ? " " : Character($0) })
            // `Name;` sends an empty header (`Name:` would remove it).
            let line = clean.isEmpty ? "\(name);" : "\(name): \(clean)"
            if let next = conduit_curl_slist_append(list, line) { list = next }
        }
        // No `Expect: 100-continue` round trip before a large body.
        if let next = conduit_curl_slist_append(list, "Expect:") { list = next }
        defer { conduit_curl_slist_free_all(list) }

        conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_URL, hopURL.absoluteString)
        conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_PROTOCOLS_STR, "http,https")
        conduit_curl_setopt_slist(handle, CONDUIT_CURLOPT_HTTPHEADER, list)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_NOSIGNAL, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_FOLLOWLOCATION, 0)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_TCP_KEEPALIVE, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_BUFFERSIZE, Self.bufferSize)
        // Offer every encoding libcurl can decode and hand over decoded bytes, as
        // URLSession did (a Content-Length then counts encoded bytes: see `bodyLength`).
        conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_ACCEPT_ENCODING, "")
        // Idle: connecting, and then less than one byte a second for `idle` seconds.
        let idle = max(timeouts.idle, 0.001)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_CONNECTTIMEOUT_MS, Self.clamped(idle * 1000))
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_LOW_SPEED_LIMIT, 1)
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_LOW_SPEED_TIME, max(1, Self.clamped(idle.rounded(.up))))
        // conduit keeps its own overall deadline (longer for downloads); this is a backstop.
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_TIMEOUT_MS, Self.clamped((max(timeouts.total, timeouts.download) + 60) * 1000))

        let context = Unmanaged.passUnretained(self).toOpaque()
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_HEADERDATA, context)
        conduit_curl_setopt_data_callback(handle, CONDUIT_CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let run = Unmanaged<CurlRun>.fromOpaque(context!).takeUnretainedValue()
            return run.headerLine(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_WRITEDATA, context)
        conduit_curl_setopt_data_callback(handle, CONDUIT_CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let run = Unmanaged<CurlRun>.fromOpaque(context!).takeUnretainedValue()
            return run.bodyBytes(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_NOPROGRESS, 0)
        conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_XFERINFODATA, context)
        conduit_curl_setopt_progress_callback(handle, CONDUIT_CURLOPT_XFERINFOFUNCTION) { context, _, _, _, _ in
            Unmanaged<CurlRun>.fromOpaque(context!).takeUnretainedValue().shouldStop() ? 1 : 0
        }

        let code: Int32 = withExtendedLifetime(self) {
            switch hopMethod {
            case "GET":
                conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_HTTPGET, 1)
                return conduit_curl_easy_perform(handle)
            case "HEAD":
                conduit_curl_setopt_long(handle, CONDUIT_CURLOPT_NOBODY, 1)
                return conduit_curl_easy_perform(handle)
            default:
                conduit_curl_setopt_string(handle, CONDUIT_CURLOPT_CUSTOMREQUEST, hopMethod)
                guard hopBody != nil || ["POST", "PUT", "PATCH"].contains(hopMethod) else { return conduit_curl_easy_perform(handle) }
                let count = hopBody?.count ?? 0
                // Never a null pointer (that would make libcurl read the body elsewhere).
                let bytes = count > 0 ? hopBody! : [0]
                // libcurl reads the body from this memory during the transfer (it does not copy it).
                return bytes.withUnsafeBytes { buffer in
                    conduit_curl_setopt_off_t(handle, CONDUIT_CURLOPT_POSTFIELDSIZE_LARGE, Int64(count))
                    conduit_curl_setopt_pointer(handle, CONDUIT_CURLOPT_POSTFIELDS, buffer.baseAddress)
                    return conduit_curl_easy_perform(handle)
                }
            }
        }
        var osErrno = 0
        conduit_curl_getinfo_long(handle, CONDUIT_CURLINFO_OS_ERRNO, &osErrno)
        if redirectTarget != nil, let resolved = redirectURL(handle) { redirectTarget = resolved }
        return (code, Int32(truncatingIfNeeded: osErrno))
    }

    /// A whole number of seconds or milliseconds for libcurl (a long), never trapping.
    private static func clamped(_ value: Double) -> Int {
        value.isFinite ? Int(min(max(value, 0), Double(Int32.max))) : Int(Int32.max)
    }

    /// Where libcurl says the redirect points (it resolves relative references).
    private func redirectURL(_ handle: OpaquePointer) -> URL? {
        var text: UnsafePointer<CChar>?
        guard conduit_curl_getinfo_string(handle, CONDUIT_CURLINFO_REDIRECT_URL, &text) == CONDUIT_CURLE_OK, let text else { return nil }
        return URL(string: String(cString: text))
    }

    // MARK: Callbacks (on the worker thread, inside curl_easy_perform)

    /// The progress callback: true stops the transfer (cancelled, or past the deadline).
    func shouldStop() -> Bool {
        if control.isStopped { return true }
        let now = DispatchTime.now().uptimeNanoseconds
        if now &- lastActivity > UInt64(max(timeouts.idle, 0.001) * 1e9) {
            // Silent for longer than the idle timeout: ends the hop as a timeout, which a
            // download mid-body may resume from.
            idleExpired = true
            return true
        }
        if now >= deadline {
            let message = "the request to \(hostDescription(request.url)) did not complete within \(Self.clamped(deadlineSeconds)) s and timed out"
            control.stop(because: .transport(message))
            return true
        }
        return false
    }

    private func armDeadline(seconds: TimeInterval) {
        deadlineSeconds = seconds
        let nanoseconds = seconds * 1e9
        let span: UInt64 = !(nanoseconds > 0) ? 0 : nanoseconds >= Double(UInt64.max / 4) ? UInt64.max / 4 : UInt64(nanoseconds)
        deadline = DispatchTime.now().uptimeNanoseconds &+ span
    }

    /// One header line (status line, field, or the blank line ending the head). False stops the transfer.
    func headerLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        if control.isStopped { return false }
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
            return headComplete(status: status, headers: headHeaders)
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

    /// The response head: follow a redirect, or decide between memory and file.
    private func headComplete(status: Int, headers head: [String: String]) -> Bool {
        if [301, 302, 303, 307, 308].contains(status), let location = head["location"], !location.isEmpty {
            if let target = URL(string: location, relativeTo: hopURL)?.absoluteURL {
                redirectTarget = target
                return true
            }
            if let target = URL(string: location.escapingUnsafeURLBytes, relativeTo: hopURL)?.absoluteURL
            {
                redirectTarget = target
                return true
            }
        }
        let expected = Self.bodyLength(status: status, method: hopMethod, headers: head)
        if let resume {
            // A continuation: 206 from where we stopped appends; 200 (range ignored or
            // the file changed) starts the file over; anything else ends the download.
            let start = head["content-range"].flatMap(HTTPClient.rangeStart)
            if status == 206, start == resume.offset {
                sink = resume.sink
                received = resume.offset
                lastReported = resume.offset
                response = (status, head)
                headers = resume.headers
                self.expected = expected.map { $0 + resume.offset }
                reportedStatus = resume.status
                armDeadline(seconds: timeouts.download)
                return true
            }
            if status == 200, resume.sink.restart() {
                sink = resume.sink
                response = (status, head)
                headers = head
                self.expected = expected
                armDeadline(seconds: timeouts.download)
                return true
            }
            resume.sink.discard()
            control.stop(
                because: .transport("the download from \(hostDescription(request.url)) was interrupted and could not be resumed (HTTP \(status))"))
            return false
        }
        if let store = policy.store, policy.streamToFile(status, head) {
            if let announced = expected, announced > Int64(store.settings.maxBytes) {
                control.stop(because: .tooLarge(limit: store.settings.maxBytes, announced: announced))
                return false
            }
            do throws(ToolCallError) {
                sink = try store.create(hint: HTTPClient.filename(from: head["content-disposition"]), contentType: HTTPResponse.mediaType(head))
            } catch {
                control.stop(because: error)
                return false
            }
            armDeadline(seconds: timeouts.download)
        } else if let length = expected, length > 0, length <= Int64(policy.memoryLimit) {
            body.reserveCapacity(Int(length))
        }
        response = (status, head)
        headers = head
        self.expected = expected
        policy.progress?(0, expected)
        return true
    }

    /// True when the body arrives compressed (and is decoded on the way in), so that
    /// Content-Length and byte ranges count other bytes than the ones written.
    private static func isEncoded(_ headers: [String: String]) -> Bool {
        guard let encoding = headers["content-encoding"]?.trimmed.lowercased() else { return false }
        return !encoding.isEmpty && encoding != "identity"
    }

    /// The announced body length, when there is one to expect in decoded bytes.
    private static func bodyLength(status: Int, method: String, headers: [String: String]) -> Int64? {
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) { return nil }
        if headers["transfer-encoding"] != nil || isEncoded(headers) { return nil }
        guard let text = headers["content-length"], let length = Int64(text.trimmed), length >= 0 else {
            return nil
        }
        return length
    }

    /// Body bytes as they arrive: into the file (written and hashed now, which is the
    /// backpressure) or memory. False stops the transfer.
    func bodyBytes(_ buffer: UnsafeRawBufferPointer) -> Bool {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        if control.isStopped { return false }
        if redirectTarget != nil { return true }  // a redirect's body is dropped
        guard response != nil else { return true }
        received += Int64(buffer.count)
        if sink == nil, body.count + buffer.count > policy.memoryLimit, let store = policy.store {
            // A buffered body that outgrows memory moves to a file.
            do throws(ToolCallError) {
                let spilled = try store.create(hint: nil, contentType: HTTPResponse.mediaType(headers))
                sink = spilled
                let moved = body.withUnsafeBytes { spilled.write($0) }
                body = []
                if !moved { return fail(.transport("could not write the response to \(store.directory) (disk full?)")) }
            } catch {
                return fail(error)
            }
        }
        if let sink {
            if let store = policy.store, received > Int64(store.settings.maxBytes) {
                return fail(.tooLarge(limit: store.settings.maxBytes, announced: nil))
            }
            if !sink.write(buffer) { return fail(.transport("could not write the download to \(sink.path) (disk full?)")) }
        } else {
            if body.count + buffer.count > policy.memoryLimit {
                return fail(.transport("the response is larger than \(policy.memoryLimit >> 20) MiB and no file store is configured for it"))
            }
            body.append(contentsOf: buffer)
        }
        // Progress at most every 1 MiB or 1 %, whichever is larger.
        if let progress = policy.progress {
            let step = max(Int64(1 << 20), (expected ?? 0) / 100)
            if received - lastReported >= step {
                lastReported = received
                progress(received, expected)
            }
        }
        return true
    }

    private func fail(_ reason: ToolCallError) -> Bool {
        control.stop(because: reason)
        return false
    }

    // MARK: Outcome

    private func discardFiles() {
        sink?.discard()
        sink = nil
        if let resume, response == nil { resume.sink.discard() }
    }

    /// A connection lost or gone silent mid-body (as opposed to refused or cancelled).
    private static func dropped(_ code: Int32) -> Bool {
        [
            CONDUIT_CURLE_OK, CONDUIT_CURLE_PARTIAL_FILE, CONDUIT_CURLE_RECV_ERROR, CONDUIT_CURLE_SEND_ERROR,
            CONDUIT_CURLE_OPERATION_TIMEDOUT, CONDUIT_CURLE_HTTP2, CONDUIT_CURLE_HTTP2_STREAM,
        ].contains(code)
    }

    private func complete(code: Int32, osErrno: Int32) -> TransferOutcome {
        defer {
            sink = nil
            body = []
        }
        if let reason = control.stopReason {
            discardFiles()
            return .failed(reason)
        }
        let truncated = code == CONDUIT_CURLE_OK && response != nil && expected.map { received < $0 } == true
        if let sink, code != CONDUIT_CURLE_OK || truncated, let response, Self.dropped(code),
            response.status == 200 || response.status == 206, !Self.isEncoded(response.headers),
            headers["accept-ranges"]?.lowercased().contains("bytes") == true || response.status == 206
        {
            // A download cut short by the network: keep the file and continue it.
            let failure: ToolCallError = .transport("the download from \(hostDescription(request.url)) was cut off after \(received) bytes")
            return .interrupted(
                Resume(
                    sink: sink, offset: sink.size, status: reportedStatus ?? response.status, headers: headers,
                    validator: headers["etag"] ?? headers["last-modified"]),
                failure)
        }
        if response == nil, let resume, Self.dropped(code), code != CONDUIT_CURLE_OK {
            // The continuation itself was cut off before its head: try again from the same place.
            return .interrupted(resume, .transport("the download from \(hostDescription(request.url)) was interrupted and could not be resumed"))
        }
        if code != CONDUIT_CURLE_OK {
            discardFiles()
            return .failed(HTTPClient.describe(curlCode: code, osErrno: osErrno, url: hopURL, received: received, expected: expected))
        }
        guard let response else {
            discardFiles()
            return .failed(.transport("the upstream sent no HTTP response"))
        }
        if truncated {
            discardFiles()
            return .failed(.transport("the response from \(hostDescription(request.url)) ended after \(received) of \(expected ?? 0) bytes (truncated)"))
        }
        let file = sink?.finish()
        if let progress = policy.progress, received != lastReported { progress(received, expected) }
        return .done(HTTPResponse(status: reportedStatus ?? response.status, headers: headers, body: body, url: hopURL, file: file))
    }
}
#endif
