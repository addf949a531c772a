import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// SHA-256 of a byte stream, computed on a thread of its own so that hashing a large
/// download runs beside the network transfer instead of after it or in its way.
///
/// The writer copies bytes into 1 MiB buffers and hands each full one over; the hashing
/// thread takes them in order and gives them back. There are `slots` buffers in all: a
/// writer that gets ahead of the hasher waits for one to come back, so memory stays at a
/// few MiB and the hasher's pace reaches back to the network (backpressure).
///
/// Buffers move between the two threads by `swap` inside the locks, never by copy, so
/// each has one owner at a time and is reused in place.
final class PipelinedDigest: Sendable {
    static let bufferSize = 1 << 20
    static let slots = 4

    private struct Queue {
        /// Filled buffers, in stream order.
        var buffers: [[UInt8]] = []
        /// Nothing more will come.
        var ended = false
    }

    private let queue = Mutex(Queue())
    /// Emptied buffers, kept for reuse.
    private let spare = Mutex<[[UInt8]]>([])
    private let filled = DispatchSemaphore(value: 0)
    /// Counts the slots not in use. Made with 0 and signalled up: libdispatch traps when
    /// a semaphore goes away below the value it was made with.
    private let free = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<[UInt8]>([])

    /// Continues from `hasher`, which has taken in the stream's first bytes.
    init(continuing hasher: SHA256) {
        for _ in 0..<Self.slots { free.signal() }
        startThread(named: "conduit.sha256") { [self] in run(hasher) }
    }

    /// Puts an empty buffer with room for `bufferSize` bytes in `buffer` (whose contents
    /// are dropped); waits while every slot is in use.
    func takeBuffer(into buffer: inout [UInt8]) {
        free.wait()
        spare.withLock { spare in
            guard !spare.isEmpty else { return }
            swap(&buffer, &spare[spare.count - 1])
            spare.removeLast()
        }
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(Self.bufferSize)
    }

    /// Hands over the next bytes of the stream; `buffer` is left empty, without storage.
    func submit(_ buffer: inout [UInt8]) {
        queue.withLock { queue in
            queue.buffers.append([])
            swap(&queue.buffers[queue.buffers.count - 1], &buffer)
        }
        filled.signal()
    }

    /// The digest of everything submitted; ends the hashing thread.
    func finish() -> [UInt8] {
        end()
        done.wait()
        return result.withLock { $0 }
    }

    /// Ends the hashing thread without waiting for it (the stream is abandoned).
    func abandon() {
        end()
    }

    private func end() {
        queue.withLock { $0.ended = true }
        filled.signal()
    }

    private func run(_ initial: SHA256) {
        var hasher = initial
        var buffer: [UInt8] = []
        while true {
            filled.wait()
            let ended = queue.withLock { queue -> Bool in
                guard !queue.buffers.isEmpty else { return queue.ended }
                swap(&buffer, &queue.buffers[0])
                queue.buffers.removeFirst()
                return false
            }
            if ended { break }
            hasher.update(buffer)
            buffer.removeAll(keepingCapacity: true)
            spare.withLock { spare in
                spare.append([])
                swap(&spare[spare.count - 1], &buffer)
            }
            free.signal()
        }
        let digest = hasher.finalize()
        result.withLock { $0 = digest }
        done.signal()
    }
}
