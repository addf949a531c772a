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

/// Writes all of `bytes` to a file descriptor, retrying on EINTR and short writes.
/// Returns false when the descriptor is closed or broken.
@discardableResult
package func writeFully(_ fileDescriptor: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR || errno == EAGAIN { continue }
            return false
        }
        offset += written
    }
    return true
}

/// The one writer of protocol messages: every message is one line, written whole, in
/// the order `send` was called. An idle writer writes on the sender's own thread (a
/// result goes out without waking another thread); lines sent while a write is under way
/// queue behind it and are written, in order, by whoever is writing.
///
/// Two guarantees for what leaves the process on stdout:
/// - Bounded memory: when the client stops reading, lines queue up to
///   `maximumBacklog` bytes; beyond that `send` waits until the client catches up.
///   As requests are read and answered on the stdin thread, a client that never
///   reads stops conduit from reading more requests (the usual pipe back-pressure)
///   instead of making it buffer without bound.
/// - No credentials: every line passes through `SecretRedactor.shared` as written,
///   so a secret that reached a result in any spelling the parser undid (an
///   upstream echo with `\u002B` escapes) is still removed.
package final class MessageWriter: Sendable {
    /// Bytes waiting for the client beyond which senders wait.
    package static let maximumBacklog = 4 << 20

    private let fileDescriptor: Int32
    private let onBrokenPipe: @Sendable () -> Void
    /// Every line written, for tests that run the server in-process.
    private let tap: (@Sendable (JSONValue) -> Void)?
    private let lines: LineQueue

    package init(
        fileDescriptor: Int32 = 1,
        maximumBacklog: Int = MessageWriter.maximumBacklog,
        tap: (@Sendable (JSONValue) -> Void)? = nil,
        onBrokenPipe: @escaping @Sendable () -> Void = {}
    ) {
        self.fileDescriptor = fileDescriptor
        self.tap = tap
        self.onBrokenPipe = onBrokenPipe
        lines = LineQueue(limit: maximumBacklog)
    }

    /// A result line of a real page (well over 100 KB) would pass through a default 64 KiB
    /// pipe in several rounds, each waking the client and waiting for it; where the
    /// system allows, the pipe takes a whole line at once. Nothing changes for files,
    /// terminals or sockets, nor where the call is refused.
    package static func widenPipe(_ fileDescriptor: Int32) {
        #if os(Linux)
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { return }
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7)
        _ = fcntl(fileDescriptor, setPipeSize, Int32(1 << 20))
        #endif
    }

    package func send(_ message: JSONValue) {
        send(EncodedMessage(message))
    }

    package func send(_ message: EncodedMessage) {
        if let tap {
            tap(message.value)
            return
        }
        let bytes = message.isRedacted ? message.line : SecretRedactor.shared.redactIfNeeded(message.line) ?? message.line
        guard lines.enqueue(bytes) else { return }
        // This thread is the writer until the queue is empty.
        var next: [UInt8]? = bytes
        while let line = next {
            if !writeFully(fileDescriptor, line) { onBrokenPipe() }
            next = lines.next(afterWriting: line.count)
        }
    }

    /// Waits until everything sent so far has been written.
    package func flush() {
        lines.waitUntilEmpty()
    }

    /// Bytes sent and not yet written.
    package var pendingBytes: Int { lines.pending }
}

/// Lines waiting for stdout, their bytes, and whether someone is writing them, with a
/// ceiling on the bytes that senders wait under. A single line larger than the ceiling
/// still goes through once nothing else is pending, so nothing waits forever on its own
/// size.
///
/// `@unchecked Sendable`: every field is read and written only with `condition` held.
final class LineQueue: @unchecked Sendable {
    private let condition = ConditionLock()
    private var waiting: [[UInt8]] = []
    /// Bytes queued or being written.
    private var bytes = 0
    private var writing = false
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts `line` in, waiting while too much is pending. True when nobody was writing:
    /// the caller is now the writer and writes `line` itself; false when it was queued.
    func enqueue(_ line: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while bytes > 0 && bytes + line.count > limit { condition.wait() }
        bytes += line.count
        guard !writing else {
            waiting.append(line)
            return false
        }
        writing = true
        return true
    }

    /// The writer wrote `count` bytes: the next line to write, or nil when the queue is
    /// empty (and the writer role is given up).
    func next(afterWriting count: Int) -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        bytes -= count
        condition.broadcast()
        guard !waiting.isEmpty else {
            writing = false
            return nil
        }
        return waiting.removeFirst()
    }

    func waitUntilEmpty() {
        condition.lock()
        while bytes > 0 { condition.wait() }
        condition.unlock()
    }

    var pending: Int {
        condition.lock()
        defer { condition.unlock() }
        return bytes
    }
}

/// Diagnostics on stderr: quiet by default, and never able to block the server.
///
/// Writes happen on their own queue; when a reader of stderr falls behind by
/// more than `maximumBacklog` bytes, further lines are dropped (and counted)
/// rather than queued without bound. Known secrets are removed from every line.
package final class DiagnosticLog: Sendable {
    package static let maximumBacklog = 1 << 20

    private let queue = DispatchQueue(label: "conduit.stderr")
    private let state = Mutex((backlog: 0, dropped: 0))
    private let fileDescriptor: Int32
    package let level: LogLevel?

    /// - Parameter level: the least severe level written; nil writes nothing.
    package init(level: LogLevel?, fileDescriptor: Int32 = 2) {
        self.level = level
        self.fileDescriptor = fileDescriptor
    }

    package func enabled(_ level: LogLevel) -> Bool {
        guard let threshold = self.level else { return false }
        return level >= threshold
    }

    package func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard enabled(level) else { return }
        let bytes = Array("conduit: \(level.rawValue): \(SecretRedactor.shared.redact(message()))\n".utf8)
        let accepted = state.withLock { state -> Bool in
            guard state.backlog + bytes.count <= Self.maximumBacklog else {
                state.dropped += 1
                return false
            }
            state.backlog += bytes.count
            return true
        }
        guard accepted else { return }
        let fileDescriptor = fileDescriptor
        queue.async { [self] in
            writeFully(fileDescriptor, bytes)
            state.withLock { $0.backlog -= bytes.count }
        }
    }

    package var droppedLines: Int { state.withLock { $0.dropped } }
}
