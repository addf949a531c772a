import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Stops a running transfer from any thread; the first reason given is the one reported.
final class TransferControl: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let reason = Mutex<TransportError?>(nil)

    func stop(because reason: TransportError) {
        self.reason.withLock { if $0 == nil { $0 = reason } }
        stopped.store(true, ordering: .releasing)
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    var stopReason: TransportError? { reason.withLock { $0 } }
}

/// A request as conduit sends it: header names unique (case-insensitively), credentials
/// named so that a redirect to another origin can leave them behind.
struct OutgoingRequest: Sendable {
    var method: String
    var url: URL
    var headers: [(name: String, value: String)]
    var body: RequestBody?
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

/// What one attempt to send goes to: the address, method, headers and body of this hop.
struct Hop {
    var url: URL
    var method: String
    var headers: [(name: String, value: String)]
    var body: RequestBody?
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

/// How one round of a request ended.
enum TransferOutcome: Sendable {
    case done(HTTPResponse)
    case failed(TransportError)
    /// The connection dropped mid-download, and the server accepts ranges.
    case interrupted(Resume, TransportError)
}

/// How the engine says a hop ended.
enum HopEnd {
    /// The exchange finished as far as the engine can tell.
    case complete
    /// It failed; `dropped` when the connection was lost or went silent (rather than
    /// refused or malformed), which a download mid-body may resume from.
    case failed(TransportError, dropped: Bool)
}

/// One request from its first hop to its outcome, as a state machine the engine feeds
/// with what happens on the wire: a response `head`, body `bytes`, a `redirect` to
/// follow, and the `end` of each hop. Every transfer rule lives here, once: memory or
/// file, spilling a large body to a file, the size cap, progress, resuming, following
/// redirects (credentials only to the same origin), and the idle and overall deadlines
/// (the download one for media bodies and file uploads).
///
/// It knows nothing of libcurl, so tests drive it with made-up events. It is used from
/// one thread at a time; only `control` is shared.
final class Transfer {
    let request: OutgoingRequest
    let policy: BodyPolicy
    let timeouts: HTTPTimeouts
    let resume: Resume?
    let control: TransferControl
    /// Monotonic nanoseconds.
    private let clock: () -> UInt64

    static let maximumRedirects = 10

    /// What the engine sends next.
    private(set) var hop: Hop
    private var redirects = 0
    /// This hop's answer is a redirect to follow: its body is dropped.
    private(set) var redirectTarget: URL?
    private var redirectStatus = 0

    /// When bytes last arrived on this hop. The engine's own low-speed check averages
    /// over several seconds, so conduit watches silence itself.
    private var lastActivity: UInt64 = 0
    /// This hop was stopped for silence (the engine then reports a timeout).
    private(set) var idleExpired = false
    /// The overall deadline and what it was set to.
    private var deadline: UInt64 = 0
    private var deadlineSeconds: TimeInterval = 0

    // The response being kept.
    private var response: (status: Int, headers: [String: String])?
    private var reportedStatus: Int?
    private var headers: [String: String] = [:]
    private var body: [UInt8] = []
    private var sink: FileSink?
    private(set) var received: Int64 = 0
    private(set) var expected: Int64?
    private var lastReported: Int64 = 0

    static let monotonicNow: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }

    init(
        request: OutgoingRequest, policy: BodyPolicy, timeouts: HTTPTimeouts, resume: Resume?, control: TransferControl,
        clock: @escaping () -> UInt64 = Transfer.monotonicNow
    ) {
        self.request = request
        self.policy = policy
        self.timeouts = timeouts
        self.resume = resume
        self.control = control
        self.clock = clock
        hop = Hop(url: request.url, method: request.method, headers: request.headers, body: request.body)
        // An upload from a file may take as long as a download; anything else gets the call's deadline.
        armDeadline(seconds: request.body?.readsFile == true ? max(timeouts.total, timeouts.download) : timeouts.total)
    }

    /// The failure that ends the transfer before anything is sent, if any.
    func checkBeforeHop() -> TransportError? {
        if let reason = control.stopReason { return reason }
        guard Self.isWeb(hop.url) else {
            return TransportError(.unsupportedAddress, "the address \(hostDescription(hop.url)) uses an unsupported scheme (only http and https)")
        }
        return nil
    }

    /// A hop is about to be sent.
    func beginHop() {
        lastActivity = clock()
        idleExpired = false
        redirectTarget = nil
    }

    // MARK: Events

    /// Something arrived (a header line, body bytes): the idle clock starts over.
    func activity() {
        lastActivity = clock()
    }

    /// The response head: a redirect to follow, or a body to keep in memory or a file.
    /// False stops the transfer (the reason is in `control`).
    func head(status: Int, headers head: [String: String]) -> Bool {
        lastActivity = clock()
        if control.isStopped { return false }
        if [301, 302, 303, 307, 308].contains(status), let location = head["location"], !location.isEmpty,
            let target = URL(string: location, relativeTo: hop.url)?.absoluteURL
                ?? URL(string: location.escapingUnsafeURLBytes, relativeTo: hop.url)?.absoluteURL
        {
            redirectTarget = target
            redirectStatus = status
            return true
        }
        let expected = Self.bodyLength(status: status, method: hop.method, headers: head)
        if let resume {
            // A continuation: 206 from where we stopped appends; 200 (range ignored or
            // the file changed) starts the file over; anything else ends the download.
            let start = head["content-range"].flatMap(HTTPResponse.rangeStart)
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
            return fail(
                TransportError(.truncated, "the download from \(hostDescription(request.url)) was interrupted and could not be resumed (HTTP \(status))"))
        }
        if let store = policy.store, policy.streamToFile(status, head) {
            if let announced = expected, announced > Int64(store.settings.maxBytes) {
                return fail(.tooLarge(limit: store.settings.maxBytes, announced: announced))
            }
            do throws(TransportError) {
                sink = try store.create(hint: HTTPResponse.filename(from: head["content-disposition"]), contentType: HTTPResponse.mediaType(head))
            } catch {
                return fail(error)
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

    /// Body bytes as they arrive: into the file (written and hashed now, which is the
    /// backpressure) or memory. False stops the transfer.
    func bytes(_ buffer: UnsafeRawBufferPointer) -> Bool {
        lastActivity = clock()
        if control.isStopped { return false }
        if redirectTarget != nil { return true }  // a redirect's body is dropped
        guard response != nil else { return true }
        received += Int64(buffer.count)
        if sink == nil, body.count + buffer.count > policy.memoryLimit, let store = policy.store {
            // A buffered body that outgrows memory moves to a file.
            do throws(TransportError) {
                let spilled = try store.create(hint: nil, contentType: HTTPResponse.mediaType(headers))
                sink = spilled
                let moved = body.withUnsafeBytes { spilled.write($0) }
                body = []
                if !moved { return fail(TransportError(.localFile, "could not write the response to \(store.directory) (disk full?)")) }
            } catch {
                return fail(error)
            }
        }
        if let sink {
            if let store = policy.store, received > Int64(store.settings.maxBytes) {
                return fail(.tooLarge(limit: store.settings.maxBytes, announced: nil))
            }
            if !sink.write(buffer) { return fail(TransportError(.localFile, "could not write the download to \(sink.path) (disk full?)")) }
        } else {
            if body.count + buffer.count > policy.memoryLimit {
                return fail(
                    TransportError(.tooLarge, "the response is larger than \(policy.memoryLimit >> 20) MiB and no file store is configured for it"))
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

    /// The hop's answer was a redirect and has ended: move to `target` (the engine's
    /// reading of the Location, or the one `head` saw). False when it is not followed
    /// (the reason is in `control`).
    func redirect(to target: URL) -> Bool {
        redirects += 1
        guard redirects <= Self.maximumRedirects else {
            return fail(TransportError(.tooManyRedirects, "\(hostDescription(request.url)) redirected too many times"))
        }
        guard Self.isWeb(target) else {
            return fail(
                TransportError(.unsupportedAddress, "\(hostDescription(request.url)) redirected to an unsupported address (only http and https)"))
        }
        let sameOrigin = origin(of: target) == origin(of: request.url)
        if !sameOrigin, SecretRedactor.shared.contains(target.absoluteString) {
            // The credential headers stay behind, but this address would carry a secret along.
            return fail(
                TransportError(
                    .redirectRefused,
                    "\(hostDescription(request.url)) redirected to \(hostDescription(target)) with a credential in the address; conduit did not follow it"))
        }
        // 303 (and 301/302 after a POST) continue as a GET without the body.
        if redirectStatus == 303 || ((redirectStatus == 301 || redirectStatus == 302) && hop.method == "POST") {
            if hop.method != "HEAD" { hop.method = "GET" }
            hop.body = nil
        }
        hop.url = target
        hop.headers = request.headers.filter { header in
            let name = header.name.lowercased()
            if !sameOrigin && request.credentialNames.contains(name) { return false }
            if hop.body == nil && request.body != nil && name == "content-type" { return false }
            return true
        }
        redirectTarget = nil
        return true
    }

    /// Checked often while a hop runs: true stops it (cancelled, silent for longer than
    /// the idle timeout, or past the overall deadline).
    func shouldStop() -> Bool {
        if control.isStopped { return true }
        let now = clock()
        if now &- lastActivity > UInt64(max(timeouts.idle, 0.001) * 1e9) {
            // Silent for too long: ends the hop as a timeout, which a download mid-body may resume from.
            idleExpired = true
            return true
        }
        if now >= deadline {
            let seconds = deadlineSeconds.isFinite ? Int(min(max(deadlineSeconds, 0), Double(Int32.max))) : Int(Int32.max)
            control.stop(
                because: TransportError(.timeout, "the request to \(hostDescription(request.url)) did not complete within \(seconds) s and timed out"))
            return true
        }
        return false
    }

    /// The hop ended and no redirect follows: the outcome of this round.
    func end(_ end: HopEnd) -> TransferOutcome {
        defer {
            sink = nil
            body = []
        }
        if let reason = control.stopReason {
            discardFiles()
            return .failed(reason)
        }
        let failure: TransportError?
        let dropped: Bool
        switch end {
        case .complete: (failure, dropped) = (nil, true)
        case .failed(let error, let lost): (failure, dropped) = (error, lost)
        }
        let truncated = failure == nil && response != nil && expected.map { received < $0 } == true
        if let sink, failure != nil || truncated, let response, dropped,
            response.status == 200 || response.status == 206, !Self.isEncoded(response.headers),
            headers["accept-ranges"]?.lowercased().contains("bytes") == true || response.status == 206
        {
            // A download cut short by the network: keep the file and continue it.
            return .interrupted(
                Resume(
                    sink: sink, offset: sink.size, status: reportedStatus ?? response.status, headers: headers,
                    validator: headers["etag"] ?? headers["last-modified"]),
                TransportError(failure?.code ?? .truncated, "the download from \(hostDescription(request.url)) was cut off after \(received) bytes"))
        }
        if response == nil, let resume, dropped, let failure {
            // The continuation itself was cut off before its head: try again from the same place.
            return .interrupted(
                resume, TransportError(failure.code, "the download from \(hostDescription(request.url)) was interrupted and could not be resumed"))
        }
        if let failure {
            discardFiles()
            return .failed(failure)
        }
        guard let response else {
            discardFiles()
            return .failed(TransportError(.notHTTP, "the upstream sent no HTTP response"))
        }
        if truncated {
            discardFiles()
            return .failed(
                TransportError(.truncated, "the response from \(hostDescription(request.url)) ended after \(received) of \(expected ?? 0) bytes (truncated)"))
        }
        let file = sink?.finish()
        if let progress = policy.progress, received != lastReported { progress(received, expected) }
        return .done(HTTPResponse(status: reportedStatus ?? response.status, headers: headers, body: body, url: hop.url, file: file))
    }

    // MARK: Rules

    private func fail(_ reason: TransportError) -> Bool {
        control.stop(because: reason)
        return false
    }

    private func armDeadline(seconds: TimeInterval) {
        deadlineSeconds = seconds
        let nanoseconds = seconds * 1e9
        let span: UInt64 = !(nanoseconds > 0) ? 0 : nanoseconds >= Double(UInt64.max / 4) ? UInt64.max / 4 : UInt64(nanoseconds)
        deadline = clock() &+ span
    }

    private func discardFiles() {
        sink?.discard()
        sink = nil
        if let resume, response == nil { resume.sink.discard() }
    }

    private static func isWeb(_ url: URL) -> Bool {
        ["http", "https"].contains(url.scheme?.lowercased() ?? "")
    }

    /// True when the body arrives compressed (and is decoded on the way in), so that
    /// Content-Length and byte ranges count other bytes than the ones written.
    static func isEncoded(_ headers: [String: String]) -> Bool {
        guard let encoding = headers["content-encoding"]?.trimmed.lowercased() else { return false }
        return !encoding.isEmpty && encoding != "identity"
    }

    /// The announced body length, when there is one to expect in decoded bytes.
    static func bodyLength(status: Int, method: String, headers: [String: String]) -> Int64? {
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) { return nil }
        if headers["transfer-encoding"] != nil || isEncoded(headers) { return nil }
        guard let text = headers["content-length"], let length = Int64(text.trimmed), length >= 0 else { return nil }
        return length
    }
}
