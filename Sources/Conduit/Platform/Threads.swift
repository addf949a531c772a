import CConduit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached thread of its own for blocking work (a read loop, a libcurl
/// transfer, a hashing pipeline), which must never occupy Swift's cooperative pool.
package func startThread(named name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
    final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
    let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
    #if canImport(Darwin)
    var thread: pthread_t?
    let entry: @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? = { raw in
        let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
        conduit_name_this_thread(start.name)
        start.body()
        return nil
    }
    #else
    var thread = pthread_t()
    let entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { raw in
        let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
        conduit_name_this_thread(start.name)
        start.body()
        return nil
    }
    #endif
    let result = pthread_create(&thread, &attributes, entry, start)
    precondition(result == 0, "conduit could not start a thread (\(result))")
}

/// A mutex with a condition variable, for the few places where a thread must wait
/// until another changes shared state (Synchronization's `Mutex` cannot wait).
///
/// `@unchecked Sendable`: the pthread objects live at fixed heap addresses for the
/// object's lifetime and are only touched through the pthread calls, which are
/// thread-safe by contract.
package final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits for a broadcast; call with the lock held (it is held again on return).
    package func wait() { pthread_cond_wait(condition, mutex) }
    package func broadcast() { pthread_cond_broadcast(condition) }
}
