import Foundation
import Synchronization
import Testing

@testable import Conduit

/// The transfer rules, driven by made-up engine events: no network, no libcurl.
@Suite struct TransferTests {
    /// A clock the test moves by hand (monotonic nanoseconds).
    final class ManualClock: Sendable {
        private let now = Mutex<UInt64>(1_000_000_000)
        func advance(seconds: Double) { now.withLock { $0 += UInt64(seconds * 1e9) } }
        var read: () -> UInt64 { { [self] in now.withLock { $0 } } }
    }

    /// Progress reports as they were made.
    final class Reports: Sendable {
        let values = Mutex<[Int64]>([])
        var all: [Int64] { values.withLock { $0 } }
    }

    private func store(maxBytes: Int = 4 << 30) -> FileStore {
        var settings = FileSettings()
        settings.directory = NSTemporaryDirectory() + "conduit-test-transfer-\(UUID().uuidString)"
        settings.maxBytes = maxBytes
        return FileStore(settings: settings)
    }

    private func filesLeft(in store: FileStore) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: store.directory)) ?? []
    }

    private func transfer(
        _ url: String = "https://api.example.com/v1/calls", method: String = "GET", body: RequestBody? = nil,
        headers: [(String, String)] = [], credentials: [(String, String)] = [], policy: BodyPolicy = .buffered,
        timeouts: HTTPTimeouts = HTTPTimeouts(), resume: Resume? = nil, clock: ManualClock = ManualClock()
    ) -> Transfer {
        var request = OutgoingRequest(
            method: method, url: URL(string: url)!, headers: [], body: body, credentialNames: Set(credentials.map { $0.0.lowercased() }))
        for (name, value) in headers + credentials { request.set(name, value) }
        return Transfer(request: request, policy: policy, timeouts: timeouts, resume: resume, control: TransferControl(), clock: clock.read)
    }

    private func feed(_ transfer: Transfer, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { transfer.bytes($0) }
    }

    private func response(_ outcome: TransferOutcome) -> HTTPResponse? {
        if case .done(let response) = outcome { return response }
        return nil
    }

    private func failure(_ outcome: TransferOutcome) -> TransportError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }

    // MARK: Memory, files and the cap

    @Test func aSmallBodyStaysInMemory() {
        let transfer = transfer()
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-type": "application/json", "content-length": "11"]))
        #expect(feed(transfer, Array(#"{"ok":true}"#.utf8)))
        let done = response(transfer.end(.complete))
        #expect(done?.status == 200 && done?.body == Array(#"{"ok":true}"#.utf8) && done?.file == nil)
    }

    @Test func aBodyOverTheMemoryLimitMovesToAFile() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let transfer = transfer(policy: BodyPolicy(store: store, memoryLimit: 1000))
        let data = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-type": "application/json", "content-length": "3000"]))
        for start in stride(from: 0, to: 3000, by: 700) { #expect(feed(transfer, Array(data[start..<min(start + 700, 3000)]))) }
        let done = try #require(response(transfer.end(.complete)))
        let file = try #require(done.file)
        #expect(done.body.isEmpty)
        #expect(file.size == 3000 && file.sha256 == SHA256.hexDigest(data))
        #expect(FileManager.default.contents(atPath: file.path) == Data(data))
    }

    @Test func anAnnouncedBodyOverTheCapIsRefusedAtTheHead() {
        let store = store(maxBytes: 100)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let transfer = transfer(policy: BodyPolicy(streamToFile: { _, _ in true }, store: store))
        transfer.beginHop()
        #expect(!transfer.head(status: 200, headers: ["content-type": "video/mp4", "content-length": "1000"]))
        #expect(failure(transfer.end(.complete)) == .tooLarge(limit: 100, announced: 1000))
        #expect(filesLeft(in: store).isEmpty)
    }

    @Test func anUnannouncedBodyIsCountedAgainstTheCapAndItsFileRemoved() {
        let store = store(maxBytes: 100)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let transfer = transfer(policy: BodyPolicy(streamToFile: { _, _ in true }, store: store))
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-type": "video/mp4", "transfer-encoding": "chunked"]))
        #expect(feed(transfer, [UInt8](repeating: 1, count: 60)))
        #expect(!feed(transfer, [UInt8](repeating: 2, count: 60)))
        let error = failure(transfer.end(.failed(TransportError(.failed, "aborted"), dropped: false)))
        #expect(error == .tooLarge(limit: 100, announced: nil))
        #expect(filesLeft(in: store).isEmpty)
    }

    @Test func aBodyShorterThanAnnouncedIsTruncated() {
        let transfer = transfer()
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-length": "4000"]))
        #expect(feed(transfer, [UInt8](repeating: 1, count: 40)))
        #expect(
            failure(transfer.end(.complete))
                == TransportError(.truncated, "the response from api.example.com ended after 40 of 4000 bytes (truncated)"))
    }

    // MARK: Resuming

    private func partialDownload(_ store: FileStore, _ bytes: [UInt8]) throws -> Resume {
        let sink = try store.create(hint: "call.mp4", contentType: "video/mp4")
        #expect(bytes.withUnsafeBytes { sink.write($0) } && sink.flush())
        return Resume(sink: sink, offset: Int64(bytes.count), status: 200, headers: ["content-type": "video/mp4"], validator: "\"v1\"")
    }

    @Test func aContinuationFromTheRightByteIsAppended() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let whole = (0..<20).map { UInt8($0) }
        let resume = try partialDownload(store, Array(whole[0..<10]))
        let transfer = transfer(policy: BodyPolicy(streamToFile: { _, _ in true }, store: store), resume: resume)
        transfer.beginHop()
        #expect(transfer.head(status: 206, headers: ["content-range": "bytes 10-19/20", "content-length": "10"]))
        #expect(feed(transfer, Array(whole[10...])))
        let done = try #require(response(transfer.end(.complete)))
        #expect(done.status == 200, "the first response's status is the one reported")
        #expect(done.file?.size == 20 && done.file?.sha256 == SHA256.hexDigest(whole))
    }

    @Test func aContinuationFromTheWrongByteIsRefusedAndTheFileRemoved() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let resume = try partialDownload(store, [UInt8](repeating: 9, count: 10))
        let transfer = transfer(policy: BodyPolicy(streamToFile: { _, _ in true }, store: store), resume: resume)
        transfer.beginHop()
        #expect(!transfer.head(status: 206, headers: ["content-range": "bytes 0-19/20", "content-length": "20"]))
        let error = failure(transfer.end(.complete))
        #expect(error?.code == .truncated && error?.detail.contains("could not be resumed (HTTP 206)") == true)
        #expect(filesLeft(in: store).isEmpty)
    }

    @Test func aDownloadCutOffMidBodyIsKeptForAContinuation() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let transfer = transfer(policy: BodyPolicy(streamToFile: { _, _ in true }, store: store))
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-length": "100", "accept-ranges": "bytes", "etag": "\"v1\""]))
        #expect(feed(transfer, [UInt8](repeating: 3, count: 30)))
        let outcome = transfer.end(.failed(TransportError(.reset, "reset"), dropped: true))
        guard case .interrupted(let resume, let error) = outcome else {
            Issue.record("not interrupted: \(outcome)")
            return
        }
        #expect(resume.offset == 30 && resume.validator == "\"v1\"" && error.code == .reset)
        resume.sink.discard()
    }

    // MARK: Redirects

    @Test func credentialsGoOnlyToTheSameOrigin() throws {
        let transfer = transfer(headers: [("Accept", "application/json")], credentials: [("Authorization", "Bearer t")])
        transfer.beginHop()
        #expect(transfer.head(status: 302, headers: ["location": "/v2/calls"]))
        #expect(transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(transfer.hop.url.absoluteString == "https://api.example.com/v2/calls")
        #expect(transfer.hop.headers.contains { $0.name == "Authorization" }, "same origin keeps the credentials")

        transfer.beginHop()
        #expect(transfer.head(status: 307, headers: ["location": "https://cdn.example.net/file"]))
        #expect(transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(!transfer.hop.headers.contains { $0.name.lowercased() == "authorization" }, "another origin gets no credentials")
        #expect(transfer.hop.headers.contains { $0.name == "Accept" })

        transfer.beginHop()
        #expect(transfer.head(status: 302, headers: ["location": "https://api.example.com:443/v3"]))
        #expect(transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(transfer.hop.headers.contains { $0.name == "Authorization" }, "back on the first origin, the credentials return")
    }

    @Test func aRedirectCarryingASecretToAnotherOriginIsRefused() throws {
        SecretRedactor.shared.register("s3cr3t-in-the-address-42")
        let transfer = transfer(credentials: [("Authorization", "Bearer t")])
        transfer.beginHop()
        #expect(transfer.head(status: 302, headers: ["location": "https://evil.example/?k=s3cr3t-in-the-address-42"]))
        #expect(!transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(failure(transfer.end(.complete))?.code == .redirectRefused)
    }

    @Test func a303AfterAPostContinuesAsAGetWithoutBodyOrContentType() throws {
        let transfer = transfer(method: "POST", body: .bytes(Array("a=1".utf8)), headers: [("Content-Type", "application/x-www-form-urlencoded")])
        transfer.beginHop()
        #expect(transfer.head(status: 303, headers: ["location": "/result"]))
        #expect(transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(transfer.hop.method == "GET" && transfer.hop.body == nil)
        #expect(!transfer.hop.headers.contains { $0.name == "Content-Type" })
    }

    @Test func a307KeepsTheMethodAndTheBody() throws {
        let body = RequestBody.file(path: "/tmp/upload.bin", offset: 0, length: 10)
        let transfer = transfer(method: "PUT", body: body)
        transfer.beginHop()
        #expect(transfer.head(status: 307, headers: ["location": "/elsewhere"]))
        #expect(transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(transfer.hop.method == "PUT" && transfer.hop.body == body)
    }

    @Test func theTenthRedirectIsFollowedAndTheEleventhIsNot() throws {
        let transfer = transfer()
        for hop in 1...11 {
            transfer.beginHop()
            #expect(transfer.head(status: 302, headers: ["location": "/hop/\(hop)"]))
            let followed = transfer.redirect(to: try #require(transfer.redirectTarget))
            #expect(followed == (hop <= Transfer.maximumRedirects))
        }
        #expect(failure(transfer.end(.complete)) == TransportError(.tooManyRedirects, "api.example.com redirected too many times"))
    }

    @Test func aRedirectToAnotherSchemeIsAnUnsupportedAddress() throws {
        let transfer = transfer()
        transfer.beginHop()
        #expect(transfer.head(status: 302, headers: ["location": "ftp://files.example.com/a"]))
        #expect(!transfer.redirect(to: try #require(transfer.redirectTarget)))
        #expect(failure(transfer.end(.complete))?.code == .unsupportedAddress)
    }

    // MARK: Time and progress

    @Test func silenceLongerThanTheIdleTimeoutStopsTheHop() {
        let clock = ManualClock()
        let transfer = transfer(timeouts: HTTPTimeouts(idle: 2, total: 100, download: 1000), clock: clock)
        transfer.beginHop()
        clock.advance(seconds: 1.5)
        #expect(!transfer.shouldStop())
        #expect(transfer.head(status: 200, headers: ["content-length": "10"]))
        clock.advance(seconds: 1.5)
        #expect(!transfer.shouldStop(), "the head counts as activity")
        clock.advance(seconds: 1)
        #expect(transfer.shouldStop() && transfer.idleExpired)
        #expect(transfer.control.stopReason == nil, "the engine reports the idle timeout itself")
    }

    @Test func theOverallDeadlineStopsATrickle() {
        let clock = ManualClock()
        let transfer = transfer(timeouts: HTTPTimeouts(idle: 2, total: 5, download: 1000), clock: clock)
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-length": "100"]))
        for _ in 0..<4 {
            clock.advance(seconds: 1)
            #expect(feed(transfer, [1]))
            #expect(!transfer.shouldStop())
        }
        clock.advance(seconds: 1.5)
        #expect(feed(transfer, [1]))
        #expect(transfer.shouldStop())
        #expect(
            failure(transfer.end(.complete))
                == TransportError(.timeout, "the request to api.example.com did not complete within 5 s and timed out"))
    }

    @Test func aDownloadGetsTheLongerDeadline() {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let clock = ManualClock()
        let transfer = transfer(
            policy: BodyPolicy(streamToFile: { _, _ in true }, store: store), timeouts: HTTPTimeouts(idle: 2, total: 5, download: 60), clock: clock)
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-type": "video/mp4", "content-length": "100"]))
        for _ in 0..<20 {
            clock.advance(seconds: 1)
            #expect(feed(transfer, [1]))
            #expect(!transfer.shouldStop())
        }
        _ = transfer.end(.failed(.cancelled, dropped: false))
    }

    @Test func anUploadFromAFileGetsTheLongerDeadline() {
        let clock = ManualClock()
        let transfer = transfer(
            method: "PUT", body: .file(path: "/tmp/upload.bin", offset: 0, length: 1 << 30),
            timeouts: HTTPTimeouts(idle: 2, total: 5, download: 60), clock: clock)
        transfer.beginHop()
        for _ in 0..<20 {
            clock.advance(seconds: 1)
            transfer.activity()  // the engine read another chunk of the file
            #expect(!transfer.shouldStop())
        }
        clock.advance(seconds: 41)
        transfer.activity()
        #expect(transfer.shouldStop() && transfer.control.stopReason?.code == .timeout)
    }

    @Test func progressIsReportedEveryMebibyteAndAtTheEnd() {
        let reports = Reports()
        let policy = BodyPolicy(progress: { received, _ in reports.values.withLock { $0.append(received) } }, memoryLimit: 8 << 20)
        let transfer = transfer(policy: policy)
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: [:]))
        let piece = [UInt8](repeating: 0, count: 64 << 10)
        for _ in 0..<50 { #expect(feed(transfer, piece)) }  // 3.125 MiB
        #expect(reports.all == [0, 1 << 20, 2 << 20, 3 << 20])
        #expect(response(transfer.end(.complete)) != nil)
        #expect(reports.all == [0, 1 << 20, 2 << 20, 3 << 20, 50 * (64 << 10)])
    }

    @Test func progressOfALargeDownloadIsReportedEveryPercent() {
        let reports = Reports()
        let policy = BodyPolicy(progress: { received, _ in reports.values.withLock { $0.append(received) } }, memoryLimit: 16 << 20)
        let transfer = transfer(policy: policy)
        transfer.beginHop()
        #expect(transfer.head(status: 200, headers: ["content-length": String(300 << 20)]))
        let piece = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<9 { #expect(feed(transfer, piece)) }
        // 1 % of 300 MiB is 3 MiB: not every mebibyte.
        #expect(reports.all == [0, 3 << 20, 6 << 20, 9 << 20])
        _ = transfer.end(.failed(.cancelled, dropped: false))
    }

    @Test func cancellingStopsAtTheNextEvent() {
        let transfer = transfer()
        transfer.beginHop()
        transfer.control.stop(because: .cancelled)
        #expect(transfer.shouldStop())
        #expect(!transfer.head(status: 200, headers: [:]))
        #expect(failure(transfer.end(.complete)) == .cancelled)
    }
}
