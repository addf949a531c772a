import CConduit
import Dispatch
import Synchronization

/// Threads that run libcurl transfers, each with one easy handle of its own.
///
/// `curl_easy_perform` blocks for the whole transfer, so it never runs on Swift's
/// cooperative pool: a job goes to an idle worker (the most recently used first, whose
/// handle holds the warmest connections) or to a new thread. A worker resets its handle
/// after each job (`curl_easy_reset` keeps live connections and the DNS cache, so
/// keep-alive works across calls) and waits for the next one; a worker left without
/// work for `idleLinger` ends and frees its handle. At most `maximumRunning`
/// transfers run at once; later jobs wait their turn in order (a burst of hundreds of
/// calls would otherwise open hundreds of connections, more than any API accepts).
final class CurlWorkers: Sendable {
    /// nil when libcurl cannot be found or initialised.
    static let shared: CurlWorkers? = conduit_curl_available() != 0 ? CurlWorkers() : nil

    /// Idle workers kept: as many as may run, so the next burst finds its threads,
    /// handles and warm connections again. Beyond `keptIdle`, a worker leaves after
    /// `idleLinger` without work (and closes its connections); `keptIdle` stay for calls
    /// that come one at a time.
    static let maximumIdle = maximumRunning
    static let keptIdle = 4
    static let idleLinger: DispatchTimeInterval = .seconds(3)
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
                guard awaitJob(worker) else {
                    next = nil
                    continue
                }
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

    /// Waits on the idle list for the next job: true once one is handed over, false when
    /// this worker leaves instead (idle for `idleLinger` while more than `keptIdle` are).
    private func awaitJob(_ worker: Worker) -> Bool {
        while worker.wake.wait(timeout: .now() + Self.idleLinger) == .timedOut {
            let leaves = state.withLock { state -> Bool? in
                // Taken off the list by `run`: a job is on its way.
                guard let index = state.idle.firstIndex(where: { $0 === worker }) else { return nil }
                guard state.idle.count > Self.keptIdle else { return false }
                state.idle.remove(at: index)
                return true
            }
            switch leaves {
            case nil:
                worker.wake.wait()
                return true
            case true?:
                return false
            case false?:
                continue
            }
        }
        return true
    }
}
